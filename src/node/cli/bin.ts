// Entry point of the `ralph` binary (bundled to dist/cli.js).
import { main } from './main';
import { dropOutputOnceClosed } from './closedOutput';

dropOutputOnceClosed(process.stdout);
dropOutputOnceClosed(process.stderr);

void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
