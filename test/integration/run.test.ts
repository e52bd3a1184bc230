// Runs in a real extension host with the bundled demo agent: a group run through the command a
// CodeLens calls, terminals opened and closed, the tree and the board following, tasks checked off
// and committed; settings honoured; a run stopped half-way.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent, RunSummary } from '../../src/core/ports';
import { api, demoSpec, lensesOf, waitFor, withSetting, workspaceRoot, resetWorkspace } from './helpers';

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: workspaceRoot().fsPath, encoding: 'utf8' });
}

/** Collects the RunEvents of one spec while `body` runs. */
async function recording<T>(body: () => Promise<T>): Promise<{ result: T; events: RunEvent[] }> {
  const ralph = await api();
  const events: RunEvent[] = [];
  const sub = ralph.onRunEvent(({ specUri, event }) => {
    if (specUri.fsPath === demoSpec().fsPath) events.push(event);
  });
  try {
    return { result: await body(), events };
  } finally {
    sub.dispose();
  }
}

function maxRunning(events: readonly RunEvent[]): number {
  const running = new Set<string>();
  let max = 0;
  for (const e of events) {
    if (e.type === 'taskStarted') running.add(e.taskId);
    if (e.type === 'taskFinished') running.delete(e.taskId);
    max = Math.max(max, running.size);
  }
  return max;
}

describe('running a spec', function () {
  this.timeout(240_000);
  before(resetWorkspace);

  it('"Run group" runs the three [P] tasks at once, one terminal each, and the tree follows', async () => {
    const ralph = await api();
    const doc = await vscode.workspace.openTextDocument(demoSpec());
    await vscode.window.showTextDocument(doc);
    const lens = await waitFor('the Run group lens', async () => (await lensesOf(doc.uri)).find((l) => l.title.includes('Run group')));

    const opened: vscode.Terminal[] = [];
    const closed: vscode.Terminal[] = [];
    const subs = [vscode.window.onDidOpenTerminal((t) => opened.push(t)), vscode.window.onDidCloseTerminal((t) => closed.push(t))];
    const spinning = new Set<string>();
    const watcher = setInterval(() => {
      void ralph.treeSnapshot().then((specs) => {
        for (const s of specs) for (const p of s.children) for (const t of p.children) if (t.icon === 'loading~spin') spinning.add(t.label);
      });
    }, 50);
    // The group waits for 1.1: the CodeLens asks whether to run it first; the test says yes.
    const { result: summary, events } = await recording(() =>
      Promise.resolve(vscode.commands.executeCommand<RunSummary>(lens.command, ...lens.args, { withDependencies: true })),
    );
    clearInterval(watcher);

    assert.ok(summary, 'the command resolves with the run summary');
    const ext = vscode.extensions.getExtension('ralph-dev.ralph');
    assert.ok(ext && require.cache[join(ext.extensionPath, 'dist', 'engine.js')], 'the run loaded dist/engine.js');
    assert.deepEqual([summary.succeeded, summary.failed, summary.blocked], [4, 0, 0], JSON.stringify(summary));
    assert.equal(maxRunning(events), 3, 'the three tasks of the group ran at the same time');
    const order = events.filter((e) => e.type === 'taskStarted' || e.type === 'taskFinished').map((e) => `${e.type === 'taskStarted' ? 'start' : 'end'} ${e.taskId}`);
    assert.ok(order.includes('end 1.1') && order.indexOf('end 1.1') < order.indexOf('start 1.2'), `1.1, which the group waits for, ran first: ${order.join(', ')}`);
    assert.ok(!order.some((x) => /^start 1\.5|^start 2\./.test(x)), `nothing after the group ran: ${order.join(', ')}`);
    // 1.4's demo agent fails its first attempt: a retry, then success.
    const retried = events.filter((e) => e.type === 'taskStarted' && e.taskId === '1.4').length;
    assert.equal(retried, 2);

    const names = opened.map((t) => t.name).sort();
    assert.deepEqual(names.filter((n) => /^Ralph 1\.[234] /.test(n)), ['Ralph 1.2 · Write the slug helper', 'Ralph 1.3 · Write the word counter', 'Ralph 1.4 · Write the title-case helper']);
    // Succeeded tasks' terminals close by themselves, with exit code 0.
    // Still listening: a terminal may close after the run command has resolved.
    await waitFor(
      'the terminals to close',
      () => (closed.filter((t) => /^Ralph 1\.[1234] /.test(t.name)).length === 4 ? true : undefined),
      30_000,
      () => ({ closed: closed.map((t) => t.name), open: vscode.window.terminals.map((t) => `${t.name} (exit ${t.exitStatus?.code ?? 'none'})`) }),
    );
    for (const s of subs) s.dispose();
    for (const t of closed.filter((x) => /^Ralph 1\.[1234] /.test(x.name))) assert.equal(t.exitStatus?.code, 0, t.name);

    assert.ok([...spinning].some((l) => /^1\.[234] /.test(l)), `a task of the group was seen spinning in the tree: ${[...spinning].join(', ')}`);
    const after = await ralph.treeSnapshot();
    const phase1 = after.find((s) => s.label === 'text-helpers')?.children[0]?.children ?? [];
    for (const id of ['1.2', '1.3', '1.4']) {
      const item = phase1.find((t) => t.label.startsWith(`${id} `));
      assert.equal(item?.icon, 'pass-filled', `${id}: ${JSON.stringify(item)}`);
      assert.match(item?.description ?? '', /succeeded in/);
    }
    assert.match(phase1.find((t) => t.label.startsWith('1.4 '))?.description ?? '', /2 attempts/);
    assert.equal(ralph.taskStatus(demoSpec(), '1.3')?.status, 'succeeded');

    // Checked off in tasks.md by the engine, and the work committed.
    const text = readFileSync(demoSpec().fsPath, 'utf8');
    for (const id of ['1.1', '1.2', '1.3', '1.4']) assert.match(text, new RegExp(`- \\[x\\] ${id.replace('.', '\\.')} `), id);
    assert.match(text, /- \[ \] 1\.5 /);
    const log = git('log', '--format=%s');
    assert.match(log, /slug/);
    assert.ok(readFileSync(vscode.Uri.joinPath(workspaceRoot(), 'src', 'count.js').fsPath, 'utf8').length > 0);
  });

  it('honours ralph.maxConcurrent and a custom agent command', async () => {
    const script = vscode.Uri.joinPath(workspaceRoot(), 'failing-agent.mjs').fsPath;
    writeFileSync(script, "console.log('custom agent for ' + process.env.RALPH_TASK_ID); process.exit(3);\n");
    const restore = [
      await withSetting('maxConcurrent', 1),
      await withSetting('agent', 'custom'),
      await withSetting('customCommand', `node ${script} --task {taskId}`),
      await withSetting('maxTaskIterations', 1),
    ];
    try {
      const { result: summary, events } = await recording(() => Promise.resolve(vscode.commands.executeCommand<RunSummary>('ralph.runSpec', demoSpec())));
      const seen = JSON.stringify({ summary, events: events.filter((e) => e.type !== 'taskOutput').map((e) => `${e.type} ${'taskId' in e ? e.taskId : ''} ${'reason' in e ? (e.reason ?? '') : ''}`) });
      assert.ok(summary, seen);
      assert.equal(maxRunning(events), 1, seen);
      // 1.5 fails; everything after it waits for it, so it is blocked.
      assert.equal(summary.failed, 1, JSON.stringify(summary));
      const failed = events.find((e) => e.type === 'taskFinished' && e.status === 'failed');
      assert.ok(failed && failed.type === 'taskFinished' && /exited with code 3/.test(failed.reason ?? ''), JSON.stringify(failed));
      assert.ok(events.some((e) => e.type === 'taskOutput' && e.chunk.includes('custom agent for 1.5')), 'the custom command ran with the task id as an argument');
      assert.ok(summary.blocked > 0);
      const lenses = await lensesOf(demoSpec());
      assert.ok(lenses.some((l) => l.command === 'ralph.retryFailed' && l.title.includes('Retry failed (1)')), lenses.map((l) => l.title).join('\n'));
      // The failed task's terminal stays open for reading.
      assert.ok(vscode.window.terminals.some((t) => t.name.startsWith('Ralph 1.5 ') && t.exitStatus === undefined));
    } finally {
      for (const r of restore.reverse()) await r();
    }
  });

  it('Retry Failed runs the failed task again with the demo agent, then the rest of the spec', async () => {
    const { result: summary } = await recording(() => Promise.resolve(vscode.commands.executeCommand<RunSummary>('ralph.retryFailed', demoSpec())));
    assert.ok(summary);
    assert.equal(summary.failed, 0, JSON.stringify(summary));
    assert.ok(summary.succeeded >= 1);
    const ralph = await api();
    assert.equal(ralph.taskStatus(demoSpec(), '1.5')?.status, 'succeeded');
  });

  it('Stop ends a run half-way; the state is saved and nothing is lost', async () => {
    const ralph = await api();
    // A spec of its own whose agent never finishes by itself.
    const spec = vscode.Uri.joinPath(workspaceRoot(), 'specs', 'slow', 'tasks.md');
    mkdirSync(dirname(spec.fsPath), { recursive: true });
    writeFileSync(spec.fsPath, '# Tasks\n\n- [ ] 1.1 [P] Wait\n  - **Files**: `a.txt`\n\n- [ ] 1.2 [P] Wait too\n  - **Files**: `b.txt`\n');
    const script = vscode.Uri.joinPath(workspaceRoot(), 'slow-agent.mjs').fsPath;
    writeFileSync(script, 'setTimeout(() => {}, 120_000);\n');
    const restore = [await withSetting('agent', 'custom'), await withSetting('customCommand', `node ${script}`)];
    try {
      const started = new Set<string>();
      const sub = ralph.onRunEvent(({ specUri, event }) => {
        if (specUri.fsPath === spec.fsPath && event.type === 'taskStarted') started.add(event.taskId);
      });
      const run = Promise.resolve(vscode.commands.executeCommand<RunSummary>('ralph.runSpec', spec));
      await waitFor('both tasks to start', () => started.size === 2 || undefined);
      sub.dispose();
      // Closing a running task's terminal does not stop the task (the user is asked); Show Terminal
      // brings the terminal back.
      const term = await waitFor('the terminal of 1.2', () => vscode.window.terminals.find((t) => t.name === 'Ralph 1.2 · Wait too'));
      term.dispose();
      await waitFor('the terminal to go', () => !vscode.window.terminals.includes(term) || undefined);
      assert.equal(ralph.taskStatus(spec, '1.2')?.status, 'running');
      assert.equal(await vscode.commands.executeCommand('ralph.showTerminal', spec, '1.2'), true);
      await waitFor('the terminal back', () => vscode.window.terminals.find((t) => t.name === 'Ralph 1.2 · Wait too' && t !== term));
      // One task stopped on its own (the tree's Stop action), then the whole run.
      assert.equal(await vscode.commands.executeCommand('ralph.stopTask', spec, '1.1'), true);
      await waitFor('1.1 cancelled', () => ralph.taskStatus(spec, '1.1')?.status === 'cancelled' || undefined);
      assert.equal(ralph.taskStatus(spec, '1.2')?.status, 'running');
      assert.equal(await vscode.commands.executeCommand('ralph.stop'), true);
      const summary = await run;
      assert.ok(summary && summary.cancelled === 2, JSON.stringify(summary));
      const state = JSON.parse(readFileSync(vscode.Uri.joinPath(spec, '..', '.ralph-state.json').fsPath, 'utf8')) as { ralph?: { status?: string } };
      assert.equal(state.ralph?.status, 'cancelled');
      // Nothing checked off: both run again next time.
      assert.match(readFileSync(spec.fsPath, 'utf8'), /- \[ \] 1\.1 [\s\S]*- \[ \] 1\.2 /);
    } finally {
      for (const r of restore.reverse()) await r();
    }
  });
});
