// What the builds put in place of code loaded at first use (scripts/bundles.mjs, engineSplit.mjs).

/**
 * JS text that defines `callable(get, loaded)`, once per stand-in module: a stand-in for the
 * function or class `get()` gives once loaded. Calling it (with its `this`: a unified plugin such
 * as remark-gfm is called with the processor as `this`), `new` and reading a static member load
 * it; `instanceof` asks the real one only when `loaded()` — before that nothing can be an
 * instance of it.
 */
export const CALLABLE = [
  `const callable = (get, loaded) => new Proxy(function () {}, {`,
  `  apply: (_, self, args) => Reflect.apply(get(), self, args),`,
  `  construct: (_, args) => Reflect.construct(get(), args),`,
  `  get: (_, key) => key === Symbol.hasInstance ? (value) => loaded() && value instanceof get() : get()[key],`,
  `});`,
].join('\n');
