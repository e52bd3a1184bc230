// Mermaid's own parser in plain Node: it wants a DOM, which jsdom provides. Shared by the tests
// that hold our mermaid text to what mermaid accepts.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function loadMermaid(): Promise<any> {
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  return (await import('mermaid')).default;
}
