import * as vscode from 'vscode';
import { registerCheckpointCommands } from './commands/checkpointCommands';
import { DisposableStore } from './disposableStore';
import { CheckpointInspectorProvider } from './editors/checkpointInspector';
import { commandIds, viewIds } from './ids';
import { createLogger } from './logger';
import { DashboardPanel } from './panels/dashboardPanel';
import { WelcomeTree } from './views/welcomeTree';

/** What activation hands to tests and to other extensions. */
export interface TicStudioApi {
  readonly version: string;
  /** Resolves when the dashboard webview has answered the ready handshake. */
  openDashboard(): Promise<{ ready: boolean }>;
}

export function activateTicStudio(context: vscode.ExtensionContext, version: string): TicStudioApi {
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const log = store.add(createLogger());
  log.info(`TiC Studio ${version} activated (workspace trusted: ${vscode.workspace.isTrusted}).`);

  const trees = [viewIds.experiments, viewIds.checkpoints, viewIds.runs].map((id) => {
    const tree = store.add(new WelcomeTree());
    store.add(vscode.window.createTreeView(id, { treeDataProvider: tree, showCollapseAll: true }));
    return tree;
  });

  store.add(DashboardPanel.registerSerializer(context.extensionUri, log));
  store.add(vscode.commands.registerCommand(commandIds.openDashboard, () => DashboardPanel.show(context.extensionUri, log)));
  store.add(vscode.commands.registerCommand(commandIds.refreshViews, () => trees.forEach((t) => t.refresh())));
  store.add(vscode.commands.registerCommand(commandIds.showLog, () => log.show(true)));
  store.add(CheckpointInspectorProvider.register(context.extensionUri, log));
  for (const command of registerCheckpointCommands(context.extensionUri, log)) store.add(command);

  return {
    version,
    async openDashboard() {
      const panel = DashboardPanel.show(context.extensionUri, log);
      for (let waited = 0; waited < 15000 && !panel.isReady; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { ready: panel.isReady };
    },
  };
}
