import type * as vscode from 'vscode';
import { activateTicStudio, type TicStudioApi } from './vscode/activate';
import { version } from './shared/version';

/** The composition root: builds the services and hands them to src/vscode/. */
export function activate(context: vscode.ExtensionContext): TicStudioApi {
  return activateTicStudio(context, version);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
