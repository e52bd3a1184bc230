// Writing `.ralph-state.json` from a run: the ralph-specum fields kept right, Ralph's own under
// `ralph`, saves serialized and coalesced so a burst of status changes costs one write at a time.

import type { RalphState, StateStore } from '../ports';

export class StateWriter {
  private inFlight: Promise<void> | undefined;
  private again = false;
  private failure: unknown;

  /** `current` builds the state to write; it must return a fresh object each time that later
   *  changes do not touch, since the store may still be writing it. */
  constructor(
    private readonly store: StateStore,
    private readonly current: () => RalphState,
    private readonly onError: (error: unknown) => void,
  ) {}

  get error(): unknown {
    return this.failure;
  }

  /** Saves the state as it is when the write begins. While a save is in flight, further
   *  requests collapse into one more save of the then-latest state. */
  request(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.drain();
  }

  /** Resolves when every requested save has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.store.save(this.current());
      } catch (error) {
        if (this.failure === undefined) {
          this.failure = error;
          this.onError(error);
        }
      }
    } while (this.again && this.failure === undefined);
    this.inFlight = undefined;
  }
}
