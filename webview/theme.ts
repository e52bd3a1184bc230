// Theme: VS Code puts `vscode-light` / `vscode-dark` / `vscode-high-contrast(-light)` on the body
// and the colours in CSS variables. Mermaid computes its palette from concrete colours, so the
// variables are read and passed where they parse; our own CSS colours the statuses.

import mermaid from 'mermaid';
import { MERMAID_LIMITS } from '../src/core/graphDraw';
import { dagLayoutOf, type DagLayout } from '../src/shared/protocol';
import { RALPH_LAYOUT, registerRalphLayout } from './layout/mermaidLayout';
import { page } from './page';

function cssColour(name: string): string | undefined {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return /^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\))$/.test(value) ? value : undefined;
}

export function themeConfig(): { theme: 'base' | 'default' | 'dark'; themeVariables: Record<string, string | boolean>; key: string } {
  const classes = document.body.classList;
  const dark = classes.contains('vscode-dark') || (classes.contains('vscode-high-contrast') && !classes.contains('vscode-high-contrast-light'));
  const background = cssColour('--vscode-editor-background');
  const foreground = cssColour('--vscode-editor-foreground');
  const fontFamily = getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim();
  const variables: Record<string, string | boolean> = { darkMode: dark };
  if (fontFamily !== '') variables.fontFamily = fontFamily;
  const key = `${document.body.className}|${background}|${foreground}|${fontFamily}`;
  if (background === undefined || foreground === undefined) return { theme: dark ? 'dark' : 'default', themeVariables: variables, key };
  const border = cssColour('--vscode-contrastBorder') ?? cssColour('--vscode-editorWidget-border') ?? foreground;
  return {
    theme: 'base',
    themeVariables: {
      ...variables,
      background,
      primaryColor: cssColour('--vscode-editorWidget-background') ?? background,
      primaryTextColor: foreground,
      primaryBorderColor: border,
      lineColor: cssColour('--vscode-editorLineNumber-foreground') ?? foreground,
      clusterBkg: cssColour('--vscode-sideBar-background') ?? background,
      clusterBorder: border,
      titleColor: foreground,
      edgeLabelBackground: background,
    },
    key,
  };
}

/** The layout the host asked for on <body data-layout> (`ralph.dag.layout`). */
export function pageLayout(): DagLayout {
  return dagLayoutOf(document.body.dataset.layout);
}

export function configureMermaid(): void {
  const { theme, themeVariables, key } = themeConfig();
  page.themeKey = key;
  registerRalphLayout();
  mermaid.initialize({
    startOnLoad: false,
    // Our own layered layout (webview/layout/): ranks from the plan, no search; mermaid draws.
    // `ralph.dag.layout: dagre` puts mermaid's own back.
    layout: pageLayout() === 'dagre' ? 'dagre' : RALPH_LAYOUT,
    securityLevel: 'strict',
    // Our own message replaces mermaid's error diagram.
    suppressErrorRendering: true,
    // Above every view graphDraw.ts lets through (DAG_LIMITS); see MERMAID_LIMITS.
    maxEdges: MERMAID_LIMITS.maxEdges,
    maxTextSize: MERMAID_LIMITS.maxTextSize,
    theme,
    themeVariables,
    // HTML labels: mermaid decodes our entity codes (`#60;`) into text there, while its SVG text
    // labels would show them as written.
    flowchart: { htmlLabels: true, useMaxWidth: false, curve: 'basis', nodeSpacing: 30, rankSpacing: 40 },
  });
}
