// Lifetimes of the extension's views and controllers: what a class subscribes to or creates, it
// tracks, and its dispose() lets all of it go. The one place that decides how: in reverse order
// of tracking (a subscription goes before the emitter or item it was made from), once (a second
// dispose() does nothing; something tracked after it is let go at once), and one failing dispose
// never keeps the others alive. Its errors go to `onError` when the class has a log, else the
// first is thrown once everything is let go (several as an AggregateError).
//
// No `vscode` import: vscode.Disposable fits `DisposableLike`, and the logic is tested in plain
// Node (test/unit/disposable.test.ts).

export interface DisposableLike {
  dispose(): unknown;
}

/** Where a failing dispose() is reported; without one, the error is thrown after the rest. */
export type DisposeErrorHandler = (error: unknown) => void;

/** Disposables kept together and let go together (see the module comment). */
export class DisposableStore implements DisposableLike {
  private readonly items: DisposableLike[] = [];
  private disposed = false;

  constructor(private readonly onError?: DisposeErrorHandler) {}

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Keeps `d` until dispose(); after it, lets `d` go at once. Returns `d`. */
  track<T extends DisposableLike>(d: T): T {
    if (this.disposed) {
      this.disposeAll([d]);
    } else {
      this.items.push(d);
    }
    return d;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeAll(this.items.splice(0).reverse());
  }

  private disposeAll(items: readonly DisposableLike[]): void {
    const errors: unknown[] = [];
    for (const d of items) {
      try {
        d.dispose();
      } catch (error) {
        if (this.onError) this.onError(error);
        else errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposables failed to dispose`);
  }
}

/** The base of a class that owns disposables: `track()` what it subscribes to or creates; a
 *  subclass with more to do (timers) overrides dispose() and calls `super.dispose()`. */
export abstract class Disposable implements DisposableLike {
  private readonly store: DisposableStore;

  constructor(onError?: DisposeErrorHandler) {
    this.store = new DisposableStore(onError);
  }

  protected track<T extends DisposableLike>(d: T): T {
    return this.store.track(d);
  }

  protected trackAll(...ds: readonly DisposableLike[]): void {
    for (const d of ds) this.store.track(d);
  }

  dispose(): void {
    this.store.dispose();
  }
}
