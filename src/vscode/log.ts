// One LogOutputChannel ("Ralph") behind a small class: component tags, stacks for errors.

import * as vscode from 'vscode';

export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;

  constructor(name = 'Ralph') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  trace(component: string, message: string): void {
    this.channel.trace(`[${component}] ${message}`);
  }
  info(component: string, message: string): void {
    this.channel.info(`[${component}] ${message}`);
  }
  warn(component: string, message: string): void {
    this.channel.warn(`[${component}] ${message}`);
  }
  error(component: string, message: string, error?: unknown): void {
    const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error !== undefined ? `\n${String(error)}` : '';
    this.channel.error(`[${component}] ${message}${detail}`);
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
