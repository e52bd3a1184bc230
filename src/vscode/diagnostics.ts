// The planner's diagnostics (cycles, unknown dependencies, duplicate ids, [P] tasks whose files
// overlap, malformed fields) in the Problems panel, for every spec of the workspace, updated with
// each re-plan. A diagnostic that names other tasks links to their lines.

import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { Diagnostic, Plan, Range } from '../core/model';
import type { SpecEntry, SpecRegistry } from './specs';

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  // Drawn as dots under the text with its quick fixes; VS Code keeps hints out of the Problems panel.
  hint: vscode.DiagnosticSeverity.Hint,
} as const;

export function toDiagnostic(uri: vscode.Uri, plan: Plan, d: Diagnostic): vscode.Diagnostic {
  const out = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
  out.source = 'ralph';
  out.code = d.code;
  // Quick links to the other tasks the message names (the other end of an overlap, a cycle, the
  // first of two duplicate ids).
  const related: vscode.DiagnosticRelatedInformation[] = [];
  const seen = new Set<string>();
  for (const task of plan.spec.tasks) {
    if (seen.has(task.id) || task.id === d.taskId) continue;
    const mentioned = new RegExp(`(^|[^\\w.])${task.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w]|\\.(?!\\d))`).test(d.message);
    if (!mentioned) continue;
    seen.add(task.id);
    related.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(task.ranges.id)), `task ${task.id}: ${task.title}`));
  }
  if (d.code === 'duplicate-id' && d.taskId !== undefined) {
    const first = plan.spec.tasks.find((t) => t.id === d.taskId);
    if (first && first.ranges.id.start.line !== d.range.start.line) {
      related.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(first.ranges.id)), `first task ${first.id}`));
    }
  }
  if (related.length > 0) out.relatedInformation = related.slice(0, 10);
  return out;
}

export class PlanDiagnostics extends Disposable {
  private readonly collection = this.track(vscode.languages.createDiagnosticCollection('ralph'));

  constructor(private readonly specs: SpecRegistry) {
    super();
    this.trackAll(
      specs.onDidChangePlan((entry) => this.update(entry)),
      specs.onDidChangeSpecs(() => this.prune()),
    );
  }

  update(entry: SpecEntry): void {
    const plan = entry.plan;
    if (!plan) return;
    this.collection.set(entry.uri, plan.diagnostics.map((d) => toDiagnostic(entry.uri, plan, d)));
  }

  private prune(): void {
    const live = new Set(this.specs.all().map((e) => e.uri.toString()));
    this.collection.forEach((uri) => {
      if (!live.has(uri.toString())) this.collection.delete(uri);
    });
  }
}
