// `npm run demo`: a real parallel run of the bundled example spec with the bundled demo agent,
// in a fresh temporary git repository, so it works on a machine with no AI agent installed.
import { cpSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = mkdtempSync(join(tmpdir(), 'ralph-demo-'));
// The task worktrees of this throwaway repository: beside it in the temp folder (gone with it),
// not in the user's ~/.local/state, unless RALPH_WORKTREES_DIR says otherwise.
const worktrees = process.env.RALPH_WORKTREES_DIR ?? `${repo}-worktrees`;
const specDir = join(repo, 'specs', 'text-helpers');
mkdirSync(specDir, { recursive: true });
cpSync(join(root, 'examples', 'demo-spec'), specDir, { recursive: true });
writeFileSync(join(repo, 'README.md'), '# A scratch project for the Ralph demo\n');

const git = (...args) => {
  const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Ralph Demo');
git('config', 'user.email', 'demo@ralph.invalid');
git('config', 'commit.gpgsign', 'false');
git('add', '-A');
git('commit', '-q', '-m', 'Start the text-helpers project');

console.log(`Demo repository: ${repo}\n`);
const extra = process.argv.slice(2);
const run = spawnSync(
  process.execPath,
  [join(root, 'dist', 'cli.js'), 'run', 'specs/text-helpers', '--agent', 'demo', '--max-concurrent', '3', ...extra],
  { cwd: repo, stdio: 'inherit', env: { ...process.env, RALPH_DEMO_AGENT: join(root, 'examples', 'demo-agent.mjs'), RALPH_WORKTREES_DIR: worktrees, RALPH_LOGS_DIR: process.env.RALPH_LOGS_DIR ?? `${repo}-logs` } },
);
console.log('\nCommits made by the run:');
console.log(git('log', '--format=  %h %s', '-n', '12'));
console.log(`Look around: cd ${repo} && node ${join(root, 'dist', 'cli.js')} status specs/text-helpers`);
process.exit(run.status ?? 1);
