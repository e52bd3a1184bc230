// The raw log of an attempt: every line as printed, stderr marked, bounded with the middle left out.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RawLog } from '../../src/node/executor/rawLog';

describe('RawLog', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ralph-rawlog-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps stdout lines as they were and marks stderr; never overwrites an earlier log', () => {
    const a = RawLog.create(dir, '1.2.1');
    a.header('claude', ['-p'], '/wt');
    a.line('stdout', '{"type":"result"}');
    a.line('stderr', 'warning: x');
    a.footer('exit 0: succeeded');
    a.close();
    const b = RawLog.create(dir, '1.2.1');
    b.close();
    assert.notEqual(a.file, b.file, 'a resumed attempt gets a file of its own');
    const text = fs.readFileSync(a.file, 'utf8');
    assert.match(text, /^# ralph: .* \["claude","-p"\] in \/wt\n\{"type":"result"\}\n\[stderr\] warning: x\n# ralph: exit 0: succeeded\n$/, text);
  });

  it('stays within its limit on a flood, keeping the start and the end and saying what it left out', () => {
    const log = RawLog.create(dir, 'flood', 2 * 1024 * 1024);
    for (let i = 0; i < 60_000; i++) log.line('stdout', `line ${i} ${'x'.repeat(60)}`);
    log.footer('exit 0');
    log.close();
    const text = fs.readFileSync(log.file, 'utf8');
    assert.ok(text.length <= 2 * 1024 * 1024 + 4096, `bounded: ${text.length}`);
    assert.match(text, /^line 0 x/, 'the start is kept');
    assert.match(text, /\nline 59999 x+\n# ralph: exit 0\n$/, 'the end is kept');
    assert.match(text, /# ralph: … \d+ bytes of output left out here/, 'the cut is said');
  });
});
