import * as vscode from 'vscode';

/** The "TiC Studio" output channel. Secrets never reach it: callers pass argv and env through redaction first. */
export type Logger = Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error' | 'debug' | 'show'>;

export function createLogger(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('TiC Studio', { log: true });
}
