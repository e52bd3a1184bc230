// The kubernetes runner: the Job made from a pod template passes the real kubectl's client-side
// dry run (validated against the Kubernetes schema by kubectl itself, through a stand-in for a
// server's discovery: kubeApiStub.ts), carries no credential value, keeps the user's fields, names
// bad templates by file and line; the launcher's kubectl calls (a recording kubectl on PATH) and
// the sweep of a killed run's Jobs. Without kubectl the dry-run tests are skipped, with the reason.

import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jobManifest, jobName, labelValue, parseJobTemplate, type JobInput } from '../../src/core/kubeJob';
import type { Task } from '../../src/core/model';
import { parseRunnerSpec } from '../../src/core/runners';
import { KubernetesLauncher } from '../../src/node/runners/kubernetes';
import { deleteRunJobs } from '../../src/node/runners/sweep';
import { KubeCtl } from '../../src/node/runners/kubernetes';
import type { LaunchInput } from '../../src/node/runners/launcher';
import { startKubeApiStub, type KubeApiStub } from './kubeApiStub';
import { kubeSwagger } from './kubeSchema';

const SECRET_VALUE = 'sk-ralph-test-4f1d9c0e-never-in-a-manifest';
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const POD_TEMPLATE = `# the user's pod template
metadata:
  namespace: agents
  labels:
    team: platform
spec:
  serviceAccountName: ralph-runner
  nodeSelector:
    pool: agents
  containers:
    - name: worker
      image: registry.example/ralph-agent:1
      env:
        - name: NODE_OPTIONS
          value: --max-old-space-size=2048
`;

function tmp(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

function fakeTask(id: string): Task {
  return { id, index: 1, title: `task ${id}`, files: [], verify: '`npm test`' } as unknown as Task;
}

function input(over: Partial<JobInput> = {}): JobInput {
  return {
    name: jobName('20260101-abc', '2.1', 1, 'a1b2c3'),
    labels: { 'dev.ralph.run': '20260101-abc', 'dev.ralph.task': '2.1', 'dev.ralph.attempt': '1', 'dev.ralph.agent-id': 'x' },
    command: ['sh', '-c', 'exit 0', 'ralph-entry', 'claude', '-p'],
    env: { RALPH_TASK_ID: '2.1', RALPH_CODE: 'bundle' },
    secretEnv: ['ANTHROPIC_API_KEY'],
    secret: 'ralph-credentials',
    ttlSecondsAfterFinished: 3600,
    ...over,
  };
}

/** A git repository on branch `task-2.1` with one commit: what a task's worktree is. */
function worktree(): string {
  const dir = tmp('ralph-kube-wt-');
  const git = (...args: string[]): string => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  git('init', '-q', '-b', 'task-2.1');
  writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  git('add', '.');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'base');
  return dir;
}

/** A `kubectl` that records each call (argv, stdin) and answers as a cluster would. */
function recordingKubectl(): { bin: string; calls: () => { argv: string[]; stdin: string }[] } {
  const bin = tmp('ralph-fake-kubectl-');
  const log = path.join(bin, 'log');
  mkdirSync(log);
  writeFileSync(
    path.join(bin, 'kubectl'),
    `#!/bin/sh
n=$(ls "${log}" | wc -l)
printf '%s\\n' "$@" > "${log}/$n.argv"
cat > "${log}/$n.stdin"
case " $* " in
  *" get pods "*) printf 'ralph-pod-x\\tRunning\\t\\t\\n' ;;
  *" get jobs "*) printf 'agents\\tralph-old-2-1-1-aaaaaa\\t2.1\\n' ;;
esac
exit 0
`,
  );
  chmodSync(path.join(bin, 'kubectl'), 0o755);
  return {
    bin,
    calls: () =>
      readdirSync(log)
        .filter((f) => f.endsWith('.argv'))
        .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
        .map((f) => ({ argv: readFileSync(path.join(log, f), 'utf8').split('\n').slice(0, -1), stdin: readFileSync(path.join(log, f.replace('.argv', '.stdin')), 'latin1') })),
  };
}

describe('kubernetes runner: the Job from a pod template', () => {
  it('keeps what the user wrote and sets only what an attempt needs', () => {
    const job = jobManifest(parseJobTemplate(POD_TEMPLATE, 'pod.yaml'), input());
    const meta = job.metadata as { name: string; namespace: string; labels: Record<string, string> };
    const spec = job.spec as { backoffLimit: number; ttlSecondsAfterFinished: number; template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
    const pod = spec.template.spec as { serviceAccountName: string; nodeSelector: unknown; restartPolicy: string; containers: Record<string, unknown>[] };
    assert.equal(meta.namespace, 'agents');
    assert.equal(spec.template.metadata.labels.team, 'platform', "the pod template's labels stay the pod's");
    assert.equal(meta.labels['dev.ralph.task'], '2.1');
    assert.equal(spec.template.metadata.labels['dev.ralph.run'], '20260101-abc', 'the pod carries the labels too');
    assert.equal(pod.serviceAccountName, 'ralph-runner');
    assert.deepEqual(pod.nodeSelector, { pool: 'agents' });
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(spec.backoffLimit, 0);
    assert.equal(spec.ttlSecondsAfterFinished, 3600);
    const c = pod.containers[0] as { name: string; image: string; command: string[]; env: { name: string }[] };
    assert.equal(c.name, 'worker');
    assert.equal(c.image, 'registry.example/ralph-agent:1', 'the template image wins over the option');
    assert.deepEqual(c.command, input().command);
    assert.deepEqual(c.env[0], { name: 'NODE_OPTIONS', value: '--max-old-space-size=2048' });
  });

  it('takes a whole Job the user owns, and fills image and limits only when the template has none', () => {
    const text = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ignored\n  annotations: {owner: me}\nspec:\n  ttlSecondsAfterFinished: 60\n  activeDeadlineSeconds: 7200\n  template:\n    spec:\n      containers:\n        - name: a\n          resources: {limits: {memory: 1Gi}}\n`;
    const job = jobManifest(parseJobTemplate(text, 'job.yaml'), input({ image: 'node:20', cpus: 2, memory: '4g' }));
    const spec = job.spec as { ttlSecondsAfterFinished: number; activeDeadlineSeconds: number; template: { spec: { containers: { image: string; resources: { limits: Record<string, string> } }[] } } };
    assert.equal((job.metadata as { name: string }).name, input().name);
    assert.deepEqual((job.metadata as { annotations: unknown }).annotations, { owner: 'me' });
    assert.equal(spec.ttlSecondsAfterFinished, 60);
    assert.equal(spec.activeDeadlineSeconds, 7200);
    assert.equal(spec.template.spec.containers[0]?.image, 'node:20');
    assert.deepEqual(spec.template.spec.containers[0]?.resources.limits, { memory: '1Gi', cpu: '2' });
  });

  it('says file and line for a bad template', () => {
    const cases: [string, RegExp][] = [
      ['spec:\n  containers:\n    - name: a\n      image: [unclosed\n', /bad\.yaml:[45]: not valid YAML or JSON/],
      ['spec:\n  restartPolicy: OnFailure\n  containers: [{name: a, image: b}]\n', /bad\.yaml:2: restartPolicy must be Never/],
      ['spec:\n  containers:\n    - name: a\n      image: b\n      command: [sleep, "1"]\n', /bad\.yaml:5: the first container runs the agent/],
      ['spec:\n  containers: []\n', /bad\.yaml:2: spec.containers must be a list/],
      ['apiVersion: v1\nkind: Pod\nspec: {}\n', /bad\.yaml:2: kind must be Job/],
      ['{\n  "spec": {\n    "containers": [{"name": "a"}]\n    "x": 1\n  }\n}\n', /bad\.yaml:4: not valid YAML or JSON/],
    ];
    for (const [text, expected] of cases) assert.throws(() => parseJobTemplate(text, 'bad.yaml'), expected, text);
    const noImage = parseJobTemplate('\n\nspec:\n  containers:\n    - name: a\n', 'pod.yaml');
    assert.throws(() => jobManifest(noImage, input()), /pod\.yaml:5: the first container has no image/);
  });

  it('makes names DNS-1123 and label values valid whatever the task id', () => {
    for (const id of ['2.1', 'task one!', 'ÄÖ/ü', '-x-', 'a'.repeat(200)]) {
      const name = jobName('20260101T120000-9f8e', id, 12, 'c0ffee');
      assert.match(name, DNS_1123, name);
      assert.ok(name.length <= 56, `${name}: the Job's pods add 6 characters to 63`);
      assert.match(labelValue(id), LABEL_VALUE, labelValue(id));
      assert.ok(labelValue(id).length <= 63);
    }
    assert.equal(labelValue('2.1'), '2.1');
    assert.equal(labelValue('run:2.1#1:ab12'), 'run_2.1_1_ab12');
  });
});

describe('kubernetes runner: kubectl client-side dry run', function () {
  let stub: KubeApiStub | undefined;
  let home: string;
  const repo = path.resolve(__dirname, '..', '..');

  before(async function () {
    this.timeout(180_000);
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    } catch {
      console.log('    skipped: kubectl is not installed (Debian: apt-get install kubernetes-client)');
      this.skip();
    }
    const { swagger, why } = kubeSwagger(repo);
    if (swagger === undefined) {
      console.log(`    skipped: ${why}`);
      this.skip();
    }
    stub = await startKubeApiStub(swagger);
    home = tmp('ralph-kube-home-');
  });
  after(async () => {
    await stub?.close();
  });

  function kubectl(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: stub?.kubeconfig, HOME: home } }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      child.stdin?.end(stdin);
    });
  }

  it('accepts the Job Ralph makes for a task, and creates nothing', async () => {
    const job = jobManifest(parseJobTemplate(POD_TEMPLATE, 'pod.yaml'), input());
    const r = await kubectl(['create', '--dry-run=client', '--validate=strict', '-o', 'json', '-f', '-'], JSON.stringify(job));
    assert.equal(r.code, 0, r.stderr);
    const echoed = JSON.parse(r.stdout) as { kind: string; metadata: { name: string; namespace: string } };
    assert.equal(echoed.kind, 'Job');
    assert.equal(echoed.metadata.name, input().name);
    assert.equal(echoed.metadata.namespace, 'agents');
    assert.ok(stub?.requests.some((q) => q.url.startsWith('/openapi/v2')), 'kubectl read the schema, so it validated');
    assert.deepEqual(stub?.requests.filter((q) => q.method !== 'GET'), [], 'a client dry run sends nothing to create');
  });

  it('is really checked: kubectl rejects a field the schema does not have, and a wrong type', async () => {
    const job = jobManifest(parseJobTemplate(POD_TEMPLATE.replace('      env:', '      colour: blue\n      env:'), 'pod.yaml'), input());
    const r = await kubectl(['create', '--dry-run=client', '--validate=strict', '-o', 'json', '-f', '-'], JSON.stringify(job));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "colour" in io\.k8s\.api\.core\.v1\.Container/);
    const typed = jobManifest(parseJobTemplate('spec:\n  activeDeadlineSeconds: soon\n  containers: [{name: a, image: b}]\n', 'pod.yaml'), input());
    const t = await kubectl(['create', '--dry-run=client', '--validate=strict', '-o', 'json', '-f', '-'], JSON.stringify(typed));
    assert.match(t.stderr, /invalid type for io\.k8s\.api\.core\.v1\.PodSpec\.activeDeadlineSeconds: got "string", expected "integer"/);
  });
});

describe('kubernetes runner: the launcher', function () {
  this.timeout(60_000);
  let savedPath: string | undefined;
  let fake: ReturnType<typeof recordingKubectl>;
  beforeEach(() => {
    savedPath = process.env.PATH;
    fake = recordingKubectl();
    process.env.PATH = `${fake.bin}${path.delimiter}${process.env.PATH ?? ''}`;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(fake.bin, { recursive: true, force: true });
  });

  it('applies the Job on stdin, copies the code in, starts the follower; no credential value anywhere', async () => {
    const cwd = worktree();
    const dir = tmp('ralph-kube-task-');
    const template = path.join(dir, 'pod.yaml');
    writeFileSync(template, POD_TEMPLATE);
    const promptFile = path.join(dir, 'prompt.md');
    writeFileSync(promptFile, 'do task 2.1\n');
    const launcher = new KubernetesLauncher(parseRunnerSpec('kubernetes@prod,slots=4'), { network: 'on', passEnv: ['EXTRA_TOKEN'], jobTemplate: template, jobSecret: 'team-keys' });
    const launchInput: LaunchInput = {
      command: 'claude',
      args: ['-p', '--output-format', 'stream-json'],
      env: { ...process.env, ANTHROPIC_API_KEY: SECRET_VALUE, EXTRA_TOKEN: SECRET_VALUE, RALPH_TASK_ID: '2.1', CLAUDE_CODE_MAX_RETRIES: '2' },
      passNames: ['ANTHROPIC_API_KEY', 'RALPH_TASK_ID', 'CLAUDE_CODE_MAX_RETRIES'],
      fixedNames: ['RALPH_TASK_ID', 'CLAUDE_CODE_MAX_RETRIES'],
      cwd,
      promptFile,
      promptOnStdin: true,
      request: { task: fakeTask('2.1'), attempt: 1, prompt: 'do task 2.1', specDir: dir, progressFile: path.join(cwd, '.progress-task-2.1.md'), cwd, runId: '20260101-abc' },
      agentId: '20260101-abc:2.1#1:ab12',
    };
    const launched = await launcher.launch(launchInput);
    const calls = fake.calls();
    const verbs = calls.map((c) => c.argv.slice(4, 6).join(' '));
    assert.deepEqual(verbs, ['apply -f', 'get pods', 'exec -i', 'exec ralph-pod-x']);
    for (const c of calls) assert.deepEqual(c.argv.slice(0, 4), ['--context', 'prod', '--namespace', 'agents'], c.argv.join(' '));
    const manifest = JSON.parse(calls[0]?.stdin ?? '{}') as { spec: { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } } };
    const env = manifest.spec.template.spec.containers[0]?.env ?? [];
    assert.deepEqual(env.find((e) => e.name === 'ANTHROPIC_API_KEY'), { name: 'ANTHROPIC_API_KEY', valueFrom: { secretKeyRef: { name: 'team-keys', key: 'ANTHROPIC_API_KEY', optional: true } } });
    assert.ok(env.some((e) => e.name === 'EXTRA_TOKEN' && e.valueFrom !== undefined), 'pass-env goes by the Secret too');
    assert.equal(env.find((e) => e.name === 'CLAUDE_CODE_MAX_RETRIES')?.value, '2', "a preset's setting is plain");
    assert.equal(env.find((e) => e.name === 'RALPH_BRANCH')?.value, 'task-2.1');
    for (const c of calls) {
      assert.ok(!c.argv.join(' ').includes(SECRET_VALUE), `a credential value in kubectl's argv: ${c.argv.join(' ')}`);
      assert.ok(!c.stdin.includes(SECRET_VALUE), `a credential value in what kubectl was given: ${c.argv.join(' ')}`);
    }
    assert.ok(!launched.args.join(' ').includes(SECRET_VALUE));
    assert.ok(calls[2]?.stdin.includes('do task 2.1'), 'the prompt file goes into the pod');
    assert.deepEqual(calls[3]?.argv.slice(4), ['exec', 'ralph-pod-x', '-c', 'worker', '--', 'touch', '/ralph/in/ready']);
    assert.deepEqual(launched.args.slice(2), ['ralph-follow', JSON.stringify(['--context', 'prod', '--namespace', 'agents']), 'ralph-pod-x', 'worker']);

    const report = await launched.finish({ exitCode: 0, signal: null, cancelled: false, timedOut: false } as never);
    const after = fake.calls().slice(4).map((c) => c.argv.slice(4, 6).join(' '));
    assert.deepEqual(after, ['cp -c', 'exec ralph-pod-x', 'delete job']);
    assert.ok(fake.calls().at(-1)?.argv.includes('--wait=false'));
    assert.deepEqual(report, {}, 'nothing came out (this kubectl copies nothing): no Verify result, nothing lost');
    rmSync(cwd, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('a resumed run deletes the Jobs labelled with the killed run', async () => {
    const stopped = await deleteRunJobs(new KubeCtl('prod'), '20260101-abc');
    const calls = fake.calls();
    assert.deepEqual(calls[0]?.argv.slice(0, 6), ['--context', 'prod', 'get', 'jobs', '--all-namespaces', '-l']);
    assert.deepEqual(calls[1]?.argv, ['--context', 'prod', '--namespace', 'agents', 'delete', 'job', '-l', 'dev.ralph.run=20260101-abc', '--ignore-not-found', '--wait=false', '--cascade=foreground']);
    assert.deepEqual(stopped, [{ pid: 0, container: 'job/ralph-old-2-1-1-aaaaaa', taskId: '2.1' }]);
  });
});
