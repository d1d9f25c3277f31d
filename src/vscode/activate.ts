import { registerVariantCommands } from './commands/variantCommands';
import { registerWandbCommands } from './commands/wandbCommands';
import { registerOnboarding } from './onboarding/walkthrough';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { registerCheckpointCommands } from './commands/checkpointCommands';
import { registerHubCommands } from './commands/hubCommands';
import { registerProbeCommands } from './commands/probeCommands';
import { registerRunCommands, runsStatusBar } from './commands/runCommands';
import { registerScriptPreview } from './runs/slurmPrompts';
import { registerCommandPreview } from './launch/commandPreview';
import { DisposableStore } from './common/disposableStore';
import { CheckpointInspectorProvider } from './editors/checkpointInspector';
import { commandIds, viewIds } from './common/ids';
import { createLogger } from './common/logger';
import { startHostProfile, startHostStallLog } from './common/hostStallLog';
import { HubService } from './hub/hubService';
import { LossStore } from '../wire/lossStore';
import { DashboardPanel, type DashboardDeps } from './panels/dashboardPanel';
import { RunsService } from './runs/runsService';
import { readProbeExportDirs } from './common/settings';
import { CheckpointsTree } from './views/checkpointsTree';
import { ExperimentsTree } from './views/experimentsTree';
import { RunsTree } from './views/runsTree';
import { formatTimeStep } from '../tic/ticTimeStep';

/** What activation hands to tests and to other extensions. */
export interface TicStudioApi {
  readonly version: string;
  /** Resolves when the dashboard webview has answered the ready handshake (and lists the chains it was sent). */
  openDashboard(): Promise<{ ready: boolean; chains: string[] }>;
}

export function activateTicStudio(context: vscode.ExtensionContext, version: string): TicStudioApi {
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const log = store.add(createLogger());
  log.info(`TiC Studio ${version} activated (workspace trusted: ${vscode.workspace.isTrusted}).`);
  store.add(startHostStallLog());
  store.add(startHostProfile());

  const runs = store.add(new RunsService(vscode.workspace.workspaceFolders?.[0]?.uri, log));
  const experimentsTree = store.add(new ExperimentsTree(runs));
  const experimentsView = store.add(
    vscode.window.createTreeView(viewIds.experiments, { treeDataProvider: experimentsTree, showCollapseAll: true }),
  );
  store.add(vscode.window.createTreeView(viewIds.runs, { treeDataProvider: store.add(new RunsTree(runs)) }));
  store.add(runsStatusBar(runs));
  store.add(registerScriptPreview());
  store.add(registerCommandPreview());
  void runs.start();
  const hub = store.add(new HubService(context.secrets, log));
  // The tree creates its view (it sets the view's offline banner).
  store.add(new CheckpointsTree(hub));
  void hub.refresh();
  store.add(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('ticStudio.hub')) void hub.refresh();
    }),
  );

  const losses = new LossStore();
  // A live log's newest lines reach the series cache at most every minute: write the rest when the window closes.
  store.add({ dispose: () => void losses.persist().catch(() => undefined) });
  const dashboard: DashboardDeps = {
    extensionUri: context.extensionUri,
    log,
    runs,
    losses,
    async revealStep(chainKey, year) {
      const node = experimentsTree.stepNode(chainKey, year);
      if (node) await experimentsView.reveal(node, { select: true, focus: true, expand: true });
      else
        void vscode.window.showInformationMessage(
          `${chainKey} has no ${formatTimeStep(year)} step in the Experiments view.`,
        );
    },
  };
  store.add(DashboardPanel.registerSerializer(dashboard));
  store.add(vscode.commands.registerCommand(commandIds.openDashboard, () => DashboardPanel.show(dashboard)));
  store.add(
    vscode.commands.registerCommand(commandIds.refreshViews, async () => {
      await Promise.all([runs.rescan(), runs.reloadRuns(), hub.refresh()]);
    }),
  );
  store.add(vscode.commands.registerCommand(commandIds.showLog, () => log.show(true)));
  store.add(CheckpointInspectorProvider.register(context.extensionUri, log));
  for (const command of registerCheckpointCommands(context.extensionUri, log, hub, runs)) store.add(command);
  for (const command of registerHubCommands(hub, context.secrets)) store.add(command);
  for (const command of registerRunCommands(runs, context.extensionUri, hub)) store.add(command);
  for (const command of registerVariantCommands(runs)) store.add(command);
  for (const command of registerWandbCommands(runs)) store.add(command);
  for (const disposable of registerOnboarding(runs, hub)) store.add(disposable);
  const probe = {
    extensionUri: context.extensionUri,
    log,
    cacheRoot: join(context.globalStorageUri.fsPath, 'probe-exports'),
    exportRoots: () => [
      join(context.globalStorageUri.fsPath, 'probe-exports'),
      ...readProbeExportDirs(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath),
    ],
  };
  for (const command of registerProbeCommands(probe)) store.add(command);

  return {
    version,
    async openDashboard() {
      const panel = DashboardPanel.show(dashboard);
      const current = () => panel.lastSnapshot !== undefined && panel.lastSnapshotScan === runs.workspace;
      for (let waited = 0; waited < 15000 && !(panel.isReady && runs.workspace && current()); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { ready: panel.isReady, chains: panel.lastSnapshot?.chains.map((c) => c.key) ?? [] };
    },
  };
}
