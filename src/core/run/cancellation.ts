// A cancellation token that needs nothing from VS Code, so the CLI and tests can cancel a run the
// same way the extension does with its own vscode.CancellationToken.

import type { CancellationToken, Disposable } from '../ports';

const noop: Disposable = { dispose() {} };

/** A token that is never cancelled. */
export const neverCancelled: CancellationToken = Object.freeze({
  isCancellationRequested: false,
  onCancellationRequested: () => noop,
});

export class CancellationSource implements Disposable {
  private cancelled = false;
  private listeners = new Set<() => void>();
  private readonly parentSubscription: Disposable | undefined;
  readonly token: CancellationToken;

  /** With a parent, this source is cancelled when the parent is (a run links its executors'
   *  token to the caller's token this way). */
  constructor(parent?: CancellationToken) {
    const self = this;
    this.token = {
      get isCancellationRequested() {
        return self.cancelled;
      },
      onCancellationRequested(listener: () => void): Disposable {
        if (self.cancelled) {
          // Asynchronously, as VS Code does, so a listener may dispose the handle it is given.
          queueMicrotask(listener);
          return noop;
        }
        self.listeners.add(listener);
        return { dispose: () => void self.listeners.delete(listener) };
      },
    };
    if (parent?.isCancellationRequested) this.cancelled = true;
    this.parentSubscription = parent?.onCancellationRequested(() => this.cancel());
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // One failing listener must not keep the others from hearing about the cancellation.
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
    this.parentSubscription?.dispose();
  }
}
