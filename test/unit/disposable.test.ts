// The extension's one lifetime rule (src/vscode/disposable.ts), in plain Node: what a class
// tracks is let go in reverse order, once, and one failing dispose never keeps the rest alive.
import { strict as assert } from 'node:assert';
import { Disposable, DisposableStore } from '../../src/vscode/disposable';

function recorder(log: string[], name: string, fail = false) {
  return {
    dispose() {
      log.push(name);
      if (fail) throw new Error(`${name} failed`);
    },
  };
}

describe('DisposableStore', () => {
  it('lets go in reverse order of tracking', () => {
    const log: string[] = [];
    const store = new DisposableStore();
    for (const name of ['emitter', 'subscription', 'item']) store.track(recorder(log, name));
    store.dispose();
    assert.deepEqual(log, ['item', 'subscription', 'emitter'], `order: ${log.join(', ')}`);
  });

  it('disposes once: a second dispose() does nothing', () => {
    const log: string[] = [];
    const store = new DisposableStore();
    store.track(recorder(log, 'a'));
    store.dispose();
    store.dispose();
    assert.deepEqual(log, ['a']);
    assert.equal(store.isDisposed, true);
  });

  it('lets go at once of what is tracked after dispose()', () => {
    const log: string[] = [];
    const store = new DisposableStore();
    store.dispose();
    const late = recorder(log, 'late');
    assert.equal(store.track(late), late);
    assert.deepEqual(log, ['late']);
    store.dispose();
    assert.deepEqual(log, ['late'], 'not disposed twice');
  });

  it('reports a failing dispose to the handler and disposes the others', () => {
    const log: string[] = [];
    const reported: string[] = [];
    const store = new DisposableStore((e) => reported.push((e as Error).message));
    store.track(recorder(log, 'a'));
    store.track(recorder(log, 'b', true));
    store.track(recorder(log, 'c'));
    store.dispose();
    assert.deepEqual(log, ['c', 'b', 'a']);
    assert.deepEqual(reported, ['b failed']);
  });

  it('without a handler, throws the failure only after disposing the others', () => {
    const log: string[] = [];
    const store = new DisposableStore();
    store.track(recorder(log, 'a'));
    store.track(recorder(log, 'b', true));
    store.track(recorder(log, 'c'));
    assert.throws(() => store.dispose(), /b failed/);
    assert.deepEqual(log, ['c', 'b', 'a']);
  });

  it('without a handler, several failures come as one AggregateError', () => {
    const store = new DisposableStore();
    store.track(recorder([], 'a', true));
    store.track(recorder([], 'b', true));
    assert.throws(
      () => store.dispose(),
      (e: unknown) => e instanceof AggregateError && e.errors.map((x: Error) => x.message).join() === 'b failed,a failed',
    );
  });
});

describe('Disposable base', () => {
  class Owner extends Disposable {
    constructor(
      readonly log: string[],
      onError?: (e: unknown) => void,
    ) {
      super(onError);
      this.track(recorder(log, 'first'));
      this.trackAll(recorder(log, 'second', true), recorder(log, 'third'));
    }

    override dispose(): void {
      this.log.push('own');
      super.dispose();
    }
  }

  it('a subclass tracks what it owns; dispose() lets all of it go, its own steps first', () => {
    const reported: unknown[] = [];
    const owner = new Owner([], (e) => reported.push(e));
    owner.dispose();
    assert.deepEqual(owner.log, ['own', 'third', 'second', 'first']);
    assert.equal(reported.length, 1);
    owner.dispose();
    assert.deepEqual(owner.log, ['own', 'third', 'second', 'first', 'own'], 'tracked ones are let go once');
  });
});
