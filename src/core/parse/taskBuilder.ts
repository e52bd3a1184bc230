// A Task from a scanned task line and its parsed body: the title and markers of the line, the
// fields of the body (first of each label wins), and what they mean — files (declared, and for
// spec-kit those a title names), dependencies (a `(depends on: …)` clause and a Depends field),
// estimate, verify command, commit. Malformed Depends and Estimate values get a warning at the
// field. A body's facts are worked out once per cached parse, so an unchanged block costs nothing.

import type { Diagnostic, Marker, Range, SpecFormat, Task } from '../model';
import { range } from '../model';
import type { BodyField, ParsedBody } from './blockBody';
import { headingTitle } from './headingTasks';
import { pathsInProse, readFilesField } from './paths';
import type { TaskDraft } from './scanTypes';
import { placeInDocument, type TaskBody } from './taskBody';
import { screenTaskFiles } from './taskFiles';
import { readMarkers } from './taskLine';
import {
  codeSpans,
  extractDependsClause,
  extractVerifyCommand,
  parseDependsList,
  type DependsValue,
  parseEstimateMinutes,
  parseRequirementList,
} from './values';

/** What a parsed body says, in the terms of a Task. Computed once per cached body. */
interface BodyFacts {
  readonly fields: Readonly<Record<string, string>>;
  readonly fieldAt: Readonly<Record<string, BodyField>>;
  readonly files: readonly string[];
  readonly requirements: readonly string[];
  readonly verify?: string;
  readonly commit?: string;
  readonly doText?: string;
  readonly depends?: { readonly label: string; readonly value: DependsValue };
  readonly estimate?: { readonly label: string; readonly minutes?: number };
}

const factsOfBody = new WeakMap<ParsedBody, BodyFacts>();

function factsOf(parsed: ParsedBody): BodyFacts {
  const known = factsOfBody.get(parsed);
  if (known) return known;
  const fields: Record<string, string> = {};
  const fieldAt: Record<string, BodyField> = {};
  for (const field of parsed.fields) {
    if (field.label in fields) continue;
    fields[field.label] = field.value;
    fieldAt[field.label] = field;
  }
  const dependsLabel = ['depends', 'depends on', 'dependencies'].find((l) => l in fields);
  const estimateLabel = ['estimate', 'estimated', 'est'].find((l) => l in fields);
  const verify = fields.verify !== undefined ? extractVerifyCommand(fields.verify) : undefined;
  // "None" in a Commit field means the task commits nothing.
  const commit =
    fields.commit !== undefined && !/^(?:none|n\/a|-)\b/i.test(fields.commit)
      ? codeSpans(fields.commit)[0]?.trim() || fields.commit
      : undefined;
  const doText = fields.do ?? (parsed.details || undefined);
  const facts: BodyFacts = {
    fields,
    fieldAt,
    files: fields.files !== undefined ? readFilesField(fields.files) : [],
    requirements: fields.requirements !== undefined ? parseRequirementList(fields.requirements) : [],
    ...(verify !== undefined ? { verify } : {}),
    ...(commit !== undefined ? { commit } : {}),
    ...(doText !== undefined ? { doText } : {}),
    ...(dependsLabel !== undefined ? { depends: { label: dependsLabel, value: parseDependsList(fields[dependsLabel] ?? '') } } : {}),
    ...(estimateLabel !== undefined
      ? { estimate: { label: estimateLabel, minutes: parseEstimateMinutes(fields[estimateLabel] ?? '') } }
      : {}),
  };
  factsOfBody.set(parsed, facts);
  return facts;
}

export function buildTask(
  draft: TaskDraft,
  index: number,
  lines: readonly string[],
  format: SpecFormat,
  body: TaskBody,
  parsed: ParsedBody,
  diagnostics: Diagnostic[],
): Task {
  const lineText = lines[draft.line] ?? '';
  const { id, idStart, idEnd, checkboxStart, check, optional } = draft.match;
  const { markers: found, titleStart } = readMarkers(lineText, idEnd);
  const markers: Marker[] = found.map((m) => ({
    name: m.name,
    ...(m.arg !== undefined ? { arg: m.arg } : {}),
    range: range(draft.line, m.start, draft.line, m.end),
  }));
  const title = draft.heading ? headingTitle(lineText.slice(titleStart)) : lineText.slice(titleStart).trim();
  const facts = factsOf(parsed);
  const fieldRange = (label: string): Range => {
    const field = facts.fieldAt[label];
    if (!field) return range(draft.line, 0, draft.line, lineText.length);
    return { start: placeInDocument(body, lines, field.start), end: placeInDocument(body, lines, field.end) };
  };

  let files = screenTaskFiles(facts.files, id, 'declared', fieldRange('files'), diagnostics);
  if (format === 'spec-kit') {
    const named = screenTaskFiles(pathsInProse(title), id, 'described', range(draft.line, 0, draft.line, lineText.length), diagnostics);
    if (named.length) files = [...new Set([...files, ...named])];
  }

  let declaredDependsOn: readonly string[] | undefined = extractDependsClause(title);
  let dependsFrom: 'field' | 'clause' | undefined = declaredDependsOn ? 'clause' : undefined;
  if (facts.depends) {
    const { label, value } = facts.depends;
    if (value.kind === 'malformed') {
      diagnostics.push({
        severity: 'warning',
        code: 'malformed-field',
        message: `Task ${id}: "Depends" should list task ids (e.g. "1.2, 1.3") or "none", found "${facts.fields[label]}"`,
        range: fieldRange(label),
        taskId: id,
      });
    } else {
      const ids = value.kind === 'ids' ? value.ids : [];
      declaredDependsOn = declaredDependsOn ? [...new Set([...declaredDependsOn, ...ids])] : ids;
      dependsFrom = 'field';
    }
  }

  const estimateMinutes = facts.estimate?.minutes;
  if (facts.estimate && estimateMinutes === undefined) {
    diagnostics.push({
      severity: 'warning',
      code: 'malformed-field',
      message: `Task ${id}: "Estimate" should be a duration such as 15m, 1.5h, 90 min or 2 hours, found "${facts.fields[facts.estimate.label]}"`,
      range: fieldRange(facts.estimate.label),
      taskId: id,
    });
  }

  const lastLineText = lines[draft.lastLine] ?? '';
  const { fields } = facts;
  return {
    id,
    index,
    title,
    check,
    mark: draft.match.mark,
    done: check === 'done',
    optional,
    markers,
    files,
    ...(facts.verify !== undefined ? { verify: facts.verify } : {}),
    ...(facts.doText !== undefined ? { doText: facts.doText } : {}),
    ...(fields['done when'] !== undefined ? { doneWhen: fields['done when'] } : {}),
    ...(facts.commit !== undefined ? { commit: facts.commit } : {}),
    requirements: facts.requirements,
    ...(fields.design !== undefined ? { design: fields.design } : {}),
    ...(declaredDependsOn !== undefined ? { declaredDependsOn } : {}),
    ...(dependsFrom !== undefined ? { dependsFrom } : {}),
    conflictsWith: [],
    parallelRequested: markers.some((m) => m.name === 'P'),
    ...(estimateMinutes !== undefined ? { estimateMinutes } : {}),
    ...(draft.phaseIndex !== undefined ? { phaseIndex: draft.phaseIndex } : {}),
    ...(draft.parent ? { parentId: draft.parent.match.id } : {}),
    childIds: draft.childIds,
    depth: draft.depth,
    separatedFromPrevious: draft.separated,
    fields,
    text: lines.slice(draft.line, draft.lastLine + 1).join('\n'),
    ranges: {
      line: range(draft.line, 0, draft.line, lineText.length),
      checkbox: range(draft.line, checkboxStart, draft.line, checkboxStart + 3),
      id: range(draft.line, idStart, draft.line, idEnd),
      block: range(draft.line, 0, draft.lastLine, lastLineText.length),
    },
  };
}
