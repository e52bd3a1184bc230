// Quick fixes in tasks.md for a `[P]` that has no effect: mark a neighbour `[P]` too, or remove
// the marker. The edits come from core (parallelFixes.ts); this only hands them to the editor.

import * as vscode from 'vscode';
import { parallelMarkerFixes } from '../core/parallelFixes';
import { toRange } from './diagnostics';
import type { SpecRegistry } from './specs';

export class ParallelMarkerActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly specs: SpecRegistry) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !vscode.CodeActionKind.QuickFix.contains(context.only)) return [];
    // Edits computed from a plan of other text would land on the wrong characters: plan this text.
    const plan = this.specs.planNow(document)?.plan;
    if (!plan) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of plan.diagnostics) {
      if (d.code !== 'parallel-no-effect' || d.taskId === undefined) continue;
      const where = toRange(d.range);
      if (!where.intersection(range) && !range.contains(where)) continue;
      const shown = context.diagnostics.find((c) => c.source === 'ralph' && c.code === d.code && c.range.isEqual(where));
      for (const fix of parallelMarkerFixes(plan, d.taskId)) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) edit.replace(document.uri, toRange(e.range), e.newText);
        action.edit = edit;
        action.isPreferred = fix.preferred;
        if (shown) action.diagnostics = [shown];
        actions.push(action);
      }
    }
    return actions;
  }
}
