// Mermaid flowchart syntax for text the author wrote: labels, node ids. Everything the author
// wrote (titles, ids, phase names) reaches a diagram only inside quoted labels with mermaid's
// entity codes, so no title can end a label, add a link or a click handler, or inject markup.
// Pure and dependency-free: the DAG page bundles it.

// Everything that means something to mermaid's lexer or to HTML, as mermaid entity codes
// (`#quot;`, or `#<decimal>;`).
const ENTITY = /["#<>`[\]|;&{}%\\]/g;

/** Text as the inside of a quoted mermaid label: one line, every special character as an entity. */
export function escapeLabel(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f\u2028\u2029\s]+/g, ' ')
    .trim()
    .replace(ENTITY, (c) => (c === '"' ? '#quot;' : `#${c.charCodeAt(0)};`));
}

/** At most `limit` characters (code points), cut with an ellipsis. */
export function shorten(text: string, limit: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= limit ? chars.join('') : `${chars.slice(0, limit - 1).join('').trimEnd()}…`;
}

/**
 * A mermaid node id for a task id: `t_` and the id with dots as underscores for ordinary ids
 * (`1.2` → `t_1_2`); any other id becomes `t__` and its characters, each that is not a letter or
 * digit as `_` and four hex digits. Distinct task ids give distinct node ids, and none is a
 * mermaid keyword.
 */
export function mermaidNodeId(taskId: string): string {
  if (/^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$/.test(taskId)) return `t_${taskId.replace(/\./g, '_')}`;
  let body = '';
  for (let i = 0; i < taskId.length; i++) {
    const c = taskId[i] as string;
    body += /[A-Za-z0-9]/.test(c) ? c : `_${taskId.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return `t__${body}`;
}

/** A task node's text: id and title, and whether the task is optional (Kiro `- [ ]* 2.3`). */
export function taskLabel(id: string, title: string, optional: boolean): string {
  return `${id} ${title}${optional ? ' (optional)' : ''}`;
}
