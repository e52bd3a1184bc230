import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TASK_STATUSES } from '../../src/core/status';
import { STATUS_STYLES, toMermaid } from '../../src/core/mermaid';
import { mermaidNodeId } from '../../src/core/mermaidSyntax';
import { planSpec } from '../../src/core/plan';
import { phase, spec, task } from './builders';
import { loadMermaid } from './mermaid-in-node';

const HOSTILE_TITLES = [
  'Close the label"] --> evil["pwned',
  'Arrow --> somewhere and -.- dotted',
  '<script>alert(1)</script> & <img src=x onerror=alert(2)>',
  'click t_1 call alert() "x"',
  '%% a comment %%{init: {"theme":"dark"}}%%',
  'end',
  'Backticks `code` and **bold**',
  'semi; colon | pipe {curly} [square] (round) #hash \\ backslash',
  'line one\nline two\r\nline three\u2028four',
  'subgraph X\nend\nstyle t_1 fill:#f00',
];

function hostilePlan() {
  return planSpec(
    spec([
      phase('Phase 1: "quoted"] --> x', '1'),
      ...HOSTILE_TITLES.map((title, i) => task(`1.${i + 1}`, { title, markers: i < 2 ? ['P'] : [] })),
    ]),
  );
}

/** The quoted label of every node line, by node id. */
function labels(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(t_\w+)\["(.*)"\]$/.exec(line);
    if (m) found.set(m[1] as string, m[2] as string);
  }
  return found;
}

describe('mermaidNodeId', () => {
  it('keeps ordinary ids readable and safe', () => {
    const ids = ['1.2', 'T014', 'VE1', '2', 'end', 'click'].map(mermaidNodeId);
    assert.deepEqual(ids, ['t_1_2', 't_T014', 't_VE1', 't_2', 't_end', 't_click'], JSON.stringify(ids));
  });

  it('encodes any other character and never maps two ids to one node', () => {
    const tricky = ['1_2', '1.2', '1-2', '1--2', 'CONTENT_HASH--T01', 'a b', 'a"b', '1..2', '.1', '1.', 'é', '_', '__', '_005f', '1_002e2'];
    const nodeIds = tricky.map(mermaidNodeId);
    assert.equal(new Set(nodeIds).size, tricky.length, JSON.stringify(nodeIds));
    for (const n of nodeIds) assert.match(n, /^t_[A-Za-z0-9_]+$/, n);
    assert.equal(mermaidNodeId('CONTENT_HASH--T01'), 't__CONTENT_005fHASH_002d_002dT01');
  });
});

describe('toMermaid', () => {
  it('draws phases, parallel groups, dependencies, conflicts and statuses', () => {
    const plan = planSpec(
      spec([
        phase('Phase 1: Make it work', '1'),
        task('1.1', { done: true }),
        task('1.2', { markers: ['P'], files: ['src/a.ts'] }),
        task('1.3', { markers: ['P'], files: ['src/a.ts'] }),
        phase('Phase 2: Polish', '2'),
        task('2.1', { title: 'A title that is far too long to show in a node of the graph' }),
      ]),
    );
    const text = toMermaid(plan, { statuses: { '1.2': 'running', '1.3': 'failed', '2.1': 'not-a-status' } });
    const lines = text.trimEnd().split('\n');
    const structure = lines.filter((l) => !/^\s*(classDef|class|linkStyle)\b/.test(l));
    assert.deepEqual(
      structure,
      [
        'flowchart TD',
        '  subgraph p_0["Phase 1: Make it work"]',
        '    t_1_1["1.1 Task 1.1"]',
        '    subgraph g_0["Parallel group 1"]',
        '      t_1_2["1.2 Task 1.2"]',
        '      t_1_3["1.3 Task 1.3"]',
        '    end',
        '  end',
        '  subgraph p_1["Phase 2: Polish"]',
        '    t_2_1["2.1 A title that is far too long to show in…"]',
        '  end',
        '  t_1_1 --> t_1_2',
        '  t_1_1 --> t_1_3',
        '  t_1_2 --> t_2_1',
        '  t_1_3 --> t_2_1',
        '  t_1_2 -.- t_1_3',
      ],
      text,
    );
    for (const name of ['pending', 'running', 'succeeded', 'failed', 'blocked', 'done']) {
      assert.ok(lines.some((l) => l.startsWith(`  classDef ${name} `)), `classDef ${name} missing:\n${text}`);
    }
    const classLines = lines.filter((l) => /^\s*class /.test(l));
    assert.deepEqual(classLines, ['  class t_2_1 pending', '  class t_1_2 running', '  class t_1_3 failed', '  class t_1_1 done'], text);
    assert.deepEqual(lines.filter((l) => l.includes('linkStyle')), ['  linkStyle 4 stroke:#dc2626,stroke-dasharray:4 3'], text);
    assert.equal(toMermaid(plan, { direction: 'LR' }).split('\n')[0], 'flowchart LR');
    const title = labels(text).get('t_2_1') ?? '';
    assert.ok([...title.replace('2.1 ', '')].length <= 40, title);
  });

  it('keeps every hostile title inside its own label', () => {
    const plan = hostilePlan();
    const text = toMermaid(plan);
    const nodeLines = text.split('\n').filter((l) => /^\s*t_\w+\[/.test(l));
    assert.deepEqual(
      nodeLines.map((l) => l.trim()),
      [
        't_1_1["1.1 Close the label#quot;#93; --#62; evil#91;#quot;pwned"]',
        't_1_2["1.2 Arrow --#62; somewhere and -.- dotted"]',
        't_1_3["1.3 #60;script#62;alert(1)#60;/script#62; #38; #60;img src=x…"]',
        't_1_4["1.4 click t_1 call alert() #quot;x#quot;"]',
        't_1_5["1.5 #37;#37; a comment #37;#37;#123;init: #123;#quot;theme#quot;:#quot;dark#quot;#125;#125;…"]',
        't_1_6["1.6 end"]',
        't_1_7["1.7 Backticks #96;code#96; and **bold**"]',
        't_1_8["1.8 semi#59; colon #124; pipe #123;curly#125; #91;square#93; (ro…"]',
        't_1_9["1.9 line one line two line three four"]',
        't_1_10["1.10 subgraph X end style t_1 fill:#35;f00"]',
      ],
      text,
    );
    for (const [id, label] of labels(text)) assert.doesNotMatch(label, /["<>`\n]/, `${id}: ${label}`);
    // Nothing but our own lines: every line is one of the shapes toMermaid writes.
    for (const line of text.trimEnd().split('\n')) {
      assert.match(
        line,
        /^(flowchart TD|\s*end|\s*subgraph [pg]_\d+\["[^"]*"\]|\s*t_\w+\["[^"\n]*"\]|\s*t_\w+ (-->|-\.-) t_\w+|\s*classDef \w+ [^"]*|\s*class [\w,]+ \w+|\s*linkStyle [\d,]+ .*)$/,
        line,
      );
    }
  });

  it('styles every status a task can have, as the DAG page does', () => {
    // One task per status, each drawn with its status's class.
    const plan = planSpec(spec(TASK_STATUSES.map((_, i) => task(`${i + 1}`))));
    const statuses = Object.fromEntries(TASK_STATUSES.map((s, i) => [`${i + 1}`, s]));
    const lines = toMermaid(plan, { statuses }).trimEnd().split('\n');
    for (const [i, status] of TASK_STATUSES.entries()) {
      assert.ok(lines.includes(`  classDef ${status} ${STATUS_STYLES[status]}`), `no classDef for ${status}:\n${lines.join('\n')}`);
      assert.ok(lines.includes(`  class t_${i + 1} ${status}`), `task ${i + 1} is not drawn ${status}:\n${lines.join('\n')}`);
    }
    // The page colours the same statuses by CSS class.
    const css = readFileSync(join(__dirname, '..', '..', 'media', 'dag.css'), 'utf8');
    for (const status of TASK_STATUSES) assert.match(css, new RegExp(`\\.status-${status}\\b`), `media/dag.css has no .status-${status}`);
  });

  it('reads the state file’s `success` as succeeded', () => {
    const lines = toMermaid(planSpec(spec([task('1')])), { statuses: { '1': 'success' } }).split('\n');
    assert.ok(lines.includes('  class t_1 succeeded'), lines.join('\n'));
  });

  it('draws an empty plan as an empty flowchart', () => {
    const lines = toMermaid(planSpec(spec([]))).trimEnd().split('\n');
    assert.deepEqual(lines.filter((l) => !l.includes('classDef')), ['flowchart TD'], JSON.stringify(lines));
  });
});

describe('toMermaid through mermaid’s own parser', function () {
  // Loading mermaid and a DOM takes a few seconds on a loaded machine.
  this.timeout(60_000);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let mermaid: any;

  before(async () => {
    mermaid = await loadMermaid();
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  });

  after(() => {
    const g = globalThis as Record<string, unknown>;
    delete g.window;
    delete g.document;
  });

  it('parses the hostile diagram into exactly our nodes, with the titles as text', async () => {
    const plan = hostilePlan();
    const text = toMermaid(plan, { statuses: { '1.1': 'failed' } });
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const vertices: Map<string, { text: string; classes: string[] }> = diagram.db.getVertices();
    assert.deepEqual([...vertices.keys()], plan.taskIds.map(mermaidNodeId), JSON.stringify([...vertices.keys()]));
    const texts = [...vertices.values()].map((v) => v.text);
    assert.ok(texts[0]?.startsWith('1.1 Close the label'), JSON.stringify(texts));
    for (const t of texts) assert.doesNotMatch(t, /<script|<img/, t);
    const edges: { start: string; end: string }[] = diagram.db.getEdges();
    const dependencyCount = Object.values(plan.dependsOn).reduce((n, list) => n + list.length, 0);
    assert.equal(edges.length, dependencyCount + plan.conflicts.length, JSON.stringify(edges));
    const subgraphs: { title: string }[] = diagram.db.getSubGraphs();
    // Mermaid keeps entities as placeholders until it renders; the title is one piece of text.
    assert.deepEqual(subgraphs.map((s) => s.title.slice(0, 9)).sort(), ['Parallel ', 'Phase 1: '], JSON.stringify(subgraphs));
    for (const s of subgraphs) assert.doesNotMatch(s.title, /["<>]/, s.title);
  });

  it('parses an empty plan', async () => {
    const result = await mermaid.parse(toMermaid(planSpec(spec([]))));
    assert.equal(result?.diagramType, 'flowchart-v2', JSON.stringify(result));
  });

  it('rejects a label that was not escaped, so the test above can tell', async () => {
    await assert.rejects(mermaid.parse('flowchart TD\n  t_1["a"] --> evil["b"]"]\n'));
  });
});
