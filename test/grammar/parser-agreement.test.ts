// The highlighting must show what Ralph reads: on every fixture, the task ids and markers the
// grammar scopes are exactly the ones src/core/parse finds, at the same places.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseMarkdownSpec } from '../../src/core/parse/markdown';
import { FIXTURES, type Line, ROOT, type Token, dump, tokenize } from './tokenize';

const FIXTURE_FILES = [
  ...['specum.md', 'speckit.md', 'kiro.md', 'kiro-flat.md', 'shapes.md', 'bodies.md', 'negatives.md'].map((f) => join(FIXTURES, f)),
  join(ROOT, 'examples', 'demo-spec', 'tasks.md'),
];

const MARKER_SCOPE: Record<string, string> = {
  P: 'keyword.control.parallel.ralph',
  VERIFY: 'support.function.verify.ralph',
  SEQUENTIAL: 'storage.modifier.sequential.ralph',
};
const TAG_SCOPE = 'entity.other.attribute-name.tag.ralph';
const LABEL_SCOPE = 'support.type.property-name.field.ralph';

/** The id token of a task line: a task id that is neither in a title nor in a dependency list. */
const isHeadId = (t: Token) =>
  t.scopes.includes('constant.numeric.task-id.ralph') && !t.scopes.some((s) => s.startsWith('meta.paragraph.') || s.startsWith('meta.dependency.'));

function spans(line: Line, predicate: (t: Token) => boolean): string[] {
  return line.tokens.filter(predicate).map((t) => `${line.index + 1}:${t.start}-${t.end}`);
}

describe('grammar agrees with the parser', () => {
  for (const file of FIXTURE_FILES) {
    describe(relative(ROOT, file), () => {
      const text = readFileSync(file, 'utf8');
      const spec = parseMarkdownSpec(text, { path: file });
      let lines: Line[];
      before(async () => {
        lines = await tokenize(text);
      });

      it('scopes as task ids exactly the ids the parser reads', () => {
        const expected = spec.tasks.map((t) => `${t.ranges.id.start.line + 1}:${t.ranges.id.start.character}-${t.ranges.id.end.character}`);
        const found = lines.flatMap((l) => spans(l, isHeadId));
        assert.deepEqual(found, expected, `ids: ${spec.tasks.map((t) => t.id).join(', ')}`);
      });

      it('scopes the optional star exactly on the tasks the parser reads as optional', () => {
        const expected = spec.tasks.filter((t) => t.optional).map((t) => `${t.ranges.checkbox.end.line + 1}:${t.ranges.checkbox.end.character}-${t.ranges.checkbox.end.character + 1}`);
        const found = lines.flatMap((l) => spans(l, (t) => t.scopes.includes('keyword.other.optional.ralph')));
        assert.deepEqual(found, expected, `optional: ${spec.tasks.filter((t) => t.optional).map((t) => t.id).join(', ')}`);
      });

      it('scopes as markers exactly the markers the parser reads, each with its scope', () => {
        const expected = spec.tasks.flatMap((t) => t.markers.map((m) => `${m.range.start.line + 1}:${m.range.start.character}`));
        const found = lines.flatMap((l) => spans(l, (t) => t.scopes.includes('punctuation.definition.tag.begin.ralph')).map((s) => s.replace(/-\d+$/, '')));
        assert.deepEqual(found, expected);
        for (const task of spec.tasks) {
          for (const marker of task.markers) {
            const line = lines[marker.range.start.line]!;
            const scope = MARKER_SCOPE[marker.name] ?? TAG_SCOPE;
            const covering = line.tokens.filter((t) => t.start < marker.range.end.character && t.end > marker.range.start.character);
            const wrong = covering.filter((t) => !t.scopes.includes(scope));
            assert.ok(covering.length > 0 && wrong.length === 0, `${task.id} [${marker.name}] should be ${scope}\n${dump(line)}`);
          }
        }
      });

      it('scopes as field labels exactly the fields the parser reads, task by task', () => {
        const firstLines = spec.tasks.map((t) => t.ranges.line.start.line);
        const found = new Map<string, string[]>();
        for (const line of lines) {
          for (const token of line.tokens.filter((t) => t.scopes.includes(LABEL_SCOPE))) {
            // A label belongs to the last task that starts on or above its line.
            const owner = spec.tasks[firstLines.filter((l) => l <= line.index).length - 1]?.id ?? '(no task)';
            found.set(owner, [...(found.get(owner) ?? []), token.text.trim().toLowerCase()]);
          }
        }
        const expected: Record<string, string[]> = {};
        for (const task of spec.tasks) {
          const labels = Object.keys(task.fields).sort();
          if (labels.length > 0) expected[task.id] = labels;
        }
        const actual = Object.fromEntries([...found].map(([id, labels]) => [id, labels.sort()]));
        assert.deepEqual(actual, expected);
      });
    });
  }
});
