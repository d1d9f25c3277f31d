import * as vscode from 'vscode';
import { registerCheckpointCommands } from './commands/checkpointCommands';
import { registerHubCommands } from './commands/hubCommands';
import { registerRunCommands, runsStatusBar } from './commands/runCommands';
import { DisposableStore } from './disposableStore';
import { CheckpointInspectorProvider } from './editors/checkpointInspector';
import { commandIds, viewIds } from './ids';
import { createLogger } from './logger';
import { HubService } from './hub/hubService';
import { DashboardPanel } from './panels/dashboardPanel';
import { RunsService } from './runs/runsService';
import { CheckpointsTree } from './views/checkpointsTree';
import { ExperimentsTree } from './views/experimentsTree';
import { RunsTree } from './views/runsTree';

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

  const runs = store.add(new RunsService(vscode.workspace.workspaceFolders?.[0]?.uri, log));
  store.add(
    vscode.window.createTreeView(viewIds.experiments, {
      treeDataProvider: store.add(new ExperimentsTree(runs)),
      showCollapseAll: true,
    }),
  );
  store.add(vscode.window.createTreeView(viewIds.runs, { treeDataProvider: store.add(new RunsTree(runs)) }));
  store.add(runsStatusBar(runs));
  void runs.start();
  const hub = store.add(new HubService(context.secrets, log));
  const checkpoints = store.add(new CheckpointsTree(hub));
  store.add(
    vscode.window.createTreeView(viewIds.checkpoints, { treeDataProvider: checkpoints, showCollapseAll: true }),
  );
  void hub.refresh();
  store.add(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('ticStudio.hub')) void hub.refresh();
    }),
  );

  store.add(DashboardPanel.registerSerializer(context.extensionUri, log));
  store.add(
    vscode.commands.registerCommand(commandIds.openDashboard, () => DashboardPanel.show(context.extensionUri, log)),
  );
  store.add(
    vscode.commands.registerCommand(commandIds.refreshViews, async () => {
      await Promise.all([runs.rescan(), hub.refresh()]);
    }),
  );
  store.add(vscode.commands.registerCommand(commandIds.showLog, () => log.show(true)));
  store.add(CheckpointInspectorProvider.register(context.extensionUri, log));
  for (const command of registerCheckpointCommands(context.extensionUri, log, hub)) store.add(command);
  for (const command of registerHubCommands(hub, context.secrets)) store.add(command);
  for (const command of registerRunCommands(runs)) store.add(command);

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
