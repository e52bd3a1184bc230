// JSON task manifest → Spec. jsonc-parser keeps offsets, so every task points at the line of its
// object and every problem at the line where it is; comments and trailing commas are tolerated
// because hand-edited manifests have them.

import { getNodeValue, type Node } from 'jsonc-parser';
import type { CheckState, Diagnostic, Risk, Spec, Task } from '../model';
import { compareDiagnostics, range } from '../model';
import { expandBraces } from './paths';
import { screenTaskFiles } from './taskFiles';
import { offsetRanges, parseEstimateMinutes } from './values';
import { readJsonTree } from './jsonTree';

export function parseManifest(text: string, options: { readonly path: string }): Spec {
  const { position, spanOf, lineOf, lineCount } = offsetRanges(text);

  const diagnostics: Diagnostic[] = [];
  const spec = (tasks: Task[]): Spec => ({
    path: options.path,
    format: 'manifest',
    phases: [],
    tasks,
    diagnostics: diagnostics.sort(compareDiagnostics),
    lineCount,
  });

  const tree = readJsonTree(text, { position, spanOf });
  if ('problem' in tree) {
    diagnostics.push({ severity: 'error', code: 'malformed-input', ...tree.problem });
    return spec([]);
  }
  const { root } = tree;

  let list: Node | undefined;
  if (root.type === 'array') list = root;
  else if (root.type === 'object') {
    const tasksProperty = property(root, 'tasks');
    if (tasksProperty?.type === 'array') list = tasksProperty;
  }
  if (!list) {
    diagnostics.push({
      severity: 'error',
      code: 'malformed-input',
      message: 'A task manifest is an object with a "tasks" array, or an array of tasks',
      range: lineOf(root.offset),
    });
    return spec([]);
  }

  const tasks: Task[] = [];
  for (const node of list.children ?? []) {
    const where = lineOf(node.offset);
    const problem = (message: string, at: Node = node, taskId?: string) =>
      diagnostics.push({
        severity: 'warning',
        code: 'malformed-field',
        message,
        range: lineOf(at.offset),
        ...(taskId !== undefined ? { taskId } : {}),
      });
    if (node.type !== 'object') {
      problem(`Task entry at line ${where.start.line + 1} should be an object, found ${node.type}`);
      continue;
    }
    const idNode = property(node, 'task_id');
    if (idNode?.type !== 'string' || !String(idNode.value).trim()) {
      problem(`Task at line ${where.start.line + 1} has no "task_id" (a non-empty string); it is skipped`, idNode ?? node);
      continue;
    }
    const id = String(idNode.value);

    const stringOf = (key: string): string | undefined => {
      const n = property(node, key);
      if (!n || n.type === 'null') return undefined;
      if (n.type === 'string') return String(n.value);
      problem(`Task ${id}: "${key}" should be a string, found ${n.type}`, n, id);
      return undefined;
    };
    const stringsOf = (key: string): string[] | undefined => {
      const n = property(node, key);
      if (!n || n.type === 'null') return undefined;
      if (n.type === 'array' && (n.children ?? []).every((c) => c.type === 'string')) {
        return (n.children ?? []).map((c) => String(c.value));
      }
      problem(`Task ${id}: "${key}" should be an array of strings`, n, id);
      return undefined;
    };

    const titleText = stringOf('title') ?? stringOf('name');
    const description = stringOf('description');
    const dependsOn = stringsOf('depends_on_tasks');
    const conflictsWith = stringsOf('conflicts_with') ?? [];
    const scopeNode = property(node, 'file_scope');
    const files = screenTaskFiles((stringsOf('file_scope') ?? []).flatMap(expandBraces), id, 'declared', lineOf((scopeNode ?? node).offset), diagnostics);
    const group = stringOf('parallelism_group');

    let parallelRequested = false;
    const parallelNode = property(node, 'parallel');
    if (parallelNode && parallelNode.type !== 'null') {
      if (parallelNode.type === 'boolean') parallelRequested = parallelNode.value === true;
      else problem(`Task ${id}: "parallel" should be true or false`, parallelNode, id);
    }

    let risk: Risk | undefined;
    const riskText = stringOf('risk');
    if (riskText !== undefined) {
      const lower = riskText.trim().toLowerCase();
      if (lower === 'low' || lower === 'medium' || lower === 'high') risk = lower;
      else problem(`Task ${id}: "risk" should be low, medium or high, found "${riskText}"`, property(node, 'risk'), id);
    }

    let estimateMinutes: number | undefined;
    for (const key of ['estimated_minutes', 'estimate_minutes', 'estimate']) {
      const n = property(node, key);
      if (!n || n.type === 'null') continue;
      const value = n.type === 'number' ? Number(n.value) : n.type === 'string' ? parseEstimateMinutes(String(n.value)) : undefined;
      if (value === undefined || !Number.isFinite(value) || value < 0) {
        problem(`Task ${id}: "${key}" should be minutes or a duration such as "15 mins", found ${JSON.stringify(getNodeValue(n))}`, n, id);
      } else {
        estimateMinutes = value;
      }
      break;
    }

    let check: CheckState = 'todo';
    const status = stringOf('status')?.toLowerCase();
    if (status && ['done', 'complete', 'completed', 'success', 'succeeded'].includes(status)) check = 'done';
    else if (status && ['in_progress', 'in-progress', 'running', 'started'].includes(status)) check = 'in-progress';

    // Scalar properties as written, so that consumers can tell `parallel: false` (must run
    // alone) from an absent `parallel`.
    const fields: Record<string, string> = {};
    for (const p of node.children ?? []) {
      const key = p.children?.[0];
      const value = p.children?.[1];
      if (key?.type !== 'string' || !value) continue;
      if (value.type === 'string' || value.type === 'number' || value.type === 'boolean') {
        fields[String(key.value)] = String(value.value);
      }
    }

    const idStart = position(idNode.offset + 1);
    const idEnd = position(idNode.offset + idNode.length - 1);
    const idRange =
      idStart.line === idEnd.line ? range(idStart.line, idStart.character, idEnd.line, idEnd.character) : lineOf(idNode.offset);
    const objectStart = position(node.offset);
    const objectEnd = position(node.offset + node.length);
    tasks.push({
      id,
      index: tasks.length,
      title: titleText ?? description ?? id,
      check,
      done: check === 'done',
      optional: false,
      markers: [],
      files,
      ...(description !== undefined ? { doText: description } : {}),
      requirements: [],
      ...(dependsOn !== undefined ? { declaredDependsOn: dependsOn } : {}),
      conflictsWith,
      ...(risk !== undefined ? { risk } : {}),
      parallelRequested,
      ...(group !== undefined ? { parallelismGroup: group } : {}),
      ...(estimateMinutes !== undefined ? { estimateMinutes } : {}),
      childIds: [],
      depth: 0,
      separatedFromPrevious: false,
      fields,
      text: text.slice(node.offset, node.offset + node.length),
      ranges: {
        line: where,
        checkbox: range(objectStart.line, objectStart.character, objectStart.line, objectStart.character),
        id: idRange,
        block: range(objectStart.line, objectStart.character, objectEnd.line, objectEnd.character),
      },
    });
  }
  return spec(tasks);
}

function property(object: Node, key: string): Node | undefined {
  for (const p of object.children ?? []) {
    if (p.type === 'property' && p.children?.[0]?.value === key) return p.children[1];
  }
  return undefined;
}
