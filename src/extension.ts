// The extension's composition root; features arrive with the VS Code issue.
export function activate(): void {}
export function deactivate(): void {}
