// A reader that goes away (`ralph status | head -1`, `ralph run … | head -4`, a closed terminal)
// must not take the run with it. Node reports the closed pipe as an 'error' event on the stream;
// unhandled, it killed the process in the middle of a run and left its state "running", its lock
// and its worktrees behind. What is written after that is dropped instead (Node drops writes to a
// destroyed stream), and the run finishes as it would have.

const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

export function dropOutputOnceClosed(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (CLOSED.has(error.code ?? '')) return;
    // Anything else is as fatal as it was without this listener.
    throw error;
  });
}
