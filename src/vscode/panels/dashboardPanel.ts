import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import {
  lossSeriesToBinary,
  parseDashboardMessage,
  ProtocolError,
  type DashboardToHost,
  type HostToDashboard,
  type LossQuery,
  type SnapshotWire,
} from '../../protocol/dashboardMessages';
import { exportBytes } from '../../protocol/exportPayload';
import { buildDashboardSnapshot } from '../../wire/dashboardSnapshot';
import { answerLossQuery } from '../../wire/lossAnswer';
import { lossChainInputs, type LossStore } from '../../wire/lossStore';
import type { Workspace } from '../../workspace/workspaceScan';
import type { Chain } from '../../workspace/chains';
import { formatTimeStep } from '../../tic/ticTimeStep';
import { version } from '../../shared/version';
import { DisposableStore } from '../common/disposableStore';
import { commandIds, webviewTypes } from '../common/ids';
import type { Logger } from '../common/logger';
import type { RunsService } from '../runs/runsService';
import { readFirstStepMode } from '../common/settings';
import { webviewHtml, webviewResourceRoots } from '../common/webviewHtml';
import { setTimeout as delay } from 'node:timers/promises';

export interface DashboardDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: Logger;
  readonly runs: RunsService;
  /** Parsed logs outlive the panel: reopening the dashboard does not parse them again. */
  readonly losses: LossStore;
  /** Shows a chain step in the Experiments view. */
  revealStep(chain: string, year: number): Promise<void>;
}

/** Live log growth is pushed at most this often (updates are batched, issue #7). */
const liveBatchMs = 150;
/** Snapshot rebuilds after workspace changes are coalesced. */
const snapshotDebounceMs = 250;
/** A snapshot slower than this is first sent without the protocol marks (sendSnapshot). */
const progressiveAfterMs = 400;

/**
 * The dashboard: one panel per window, restored after a reload by the serializer registered below. The host owns
 * the data (workspace scan, results matrices, parsed logs) and sends the webview a snapshot plus, on request, loss
 * series already downsampled to the chart's width. While a run writes its out.log (batched), the chains that grew
 * and that the chart shows are pushed with the notice, downsampled for the view the webview last reported
 * (`lossView`), as typed arrays: one hop, no request. Chains it does not show are only named (`lossesChanged`).
 */
export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly store = new DisposableStore();
  private ready = false;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private liveTimer: NodeJS.Timeout | undefined;
  private readonly grownLogs = new Set<string>();
  /** Per chain, its steps' out.logs at the last snapshot: a new step (a run just started) changes its curve. */
  private chainLogs = new Map<string, string>();
  private snapshotVersion = 0;
  /** The last snapshot sent (tests read the chain keys) and the workspace scan it was built from. */
  lastSnapshot: SnapshotWire | undefined;
  lastSnapshotScan: Workspace | undefined;
  /** The webview's last reported paint of a loss chart (request id and ms from request to pixels). */
  lastPaint: { requestId: number; ms: number } | undefined;
  /** The loss chart's view as the webview last reported it (null: no loss chart shown). */
  private liveView: LossQuery | null = null;

  static show(deps: DashboardDeps): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      webviewTypes.dashboard,
      'TiC Studio Dashboard',
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        retainContextWhenHidden: false,
        localResourceRoots: webviewResourceRoots(deps.extensionUri),
      },
    );
    return new DashboardPanel(panel, deps);
  }

  static registerSerializer(deps: DashboardDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(webviewTypes.dashboard, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(deps.extensionUri) };
        DashboardPanel.current?.dispose();
        new DashboardPanel(panel, deps);
      },
    });
  }

  /** Whether the webview has completed the ready handshake. */
  get isReady(): boolean {
    return this.ready;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: DashboardDeps,
  ) {
    DashboardPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'tic-studio.svg');
    panel.webview.html = webviewHtml(panel.webview, deps.extensionUri, 'dashboard', 'TiC Studio Dashboard', [
      'dashboard.css',
    ]);
    this.store.add(panel.onDidDispose(() => this.dispose()));
    this.store.add(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this.store.add(deps.runs.onDidChange(() => this.scheduleSnapshot()));
    this.store.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('ticStudio.dashboard')) this.scheduleSnapshot();
      }),
    );
    const root = deps.runs.root;
    if (root) {
      const watcher = this.store.add(
        vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(root, '**/out.log')),
      );
      this.store.add(watcher.onDidChange((uri) => this.logGrew(uri.fsPath)));
      this.store.add(watcher.onDidCreate((uri) => this.logGrew(uri.fsPath)));
    }
    // A live run's chunks arrive through the supervisor before the file watcher fires on some file systems.
    this.store.add(deps.runs.onDidLogChunk((outLogPath) => this.logGrew(outLogPath)));
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseDashboardMessage(raw);
    if (message instanceof ProtocolError) {
      this.deps.log.warn(`Dashboard: dropped a message from the webview (${message.detail}).`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.deps.log.error(
        `Dashboard: ${message.type} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private async handle(message: DashboardToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        // A new webview (first open, reload, shown again): it reports its view once it shows a chart.
        this.liveView = null;
        this.post({
          type: 'init',
          version,
          workspaceName: vscode.workspace.name ?? null,
          trusted: vscode.workspace.isTrusted,
        });
        await this.sendSnapshot();
        return;
      case 'log':
        this.deps.log[message.level](`Dashboard webview: ${message.text}`);
        return;
      case 'requestLosses': {
        const { requestId, type: _type, ...query } = message;
        await answerLossQuery(this.deps.losses, this.deps.runs.workspace, requestId, query, (m) => this.post(m));
        return;
      }
      case 'reveal':
        await this.deps.revealStep(message.chain, message.year);
        return;
      case 'evaluate':
        await this.evaluate(message.chain, message.year);
        return;
      case 'export':
        await this.export(message);
        return;
      case 'painted':
        this.lastPaint = { requestId: message.requestId, ms: message.ms };
        return;
      case 'lossView':
        this.liveView = message.query;
        return;
    }
  }

  private async evaluate(chainKey: string, year: number): Promise<void> {
    const chain = allChains(this.deps.runs.workspace).find((c) => c.key === chainKey);
    const step = chain?.steps.find((s) => s.year === year);
    if (!chain || !step) return;
    if (!step.finalCheckpoint && step.published) {
      // The lineage stands on a published checkpoint: evaluate that one (downloaded first when needed).
      const published = { kind: 'publishedYear', repo: step.published.repo, year: step.published.year };
      await vscode.commands.executeCommand(commandIds.evaluateCheckpoint, published);
      return;
    }
    if (!step.finalCheckpoint) {
      void vscode.window.showInformationMessage(
        `${chain.label} ${formatTimeStep(year)} has no checkpoint in this workspace to evaluate (download or train it first).`,
      );
      return;
    }
    await vscode.commands.executeCommand(commandIds.evaluateCheckpoint, { kind: 'step', chain, step });
  }

  private async export(message: Extract<DashboardToHost, { type: 'export' }>): Promise<void> {
    const bytes = exportBytes(message.format, message.data);
    if (bytes instanceof ProtocolError) {
      this.deps.log.warn(`Dashboard: refused an export (${bytes.detail}).`);
      this.post({ type: 'exported', requestId: message.requestId, path: null, error: bytes.detail });
      return;
    }
    const base = this.deps.runs.root ?? vscode.Uri.file(process.cwd());
    const name = message.name.toLowerCase().endsWith(`.${message.format}`)
      ? message.name
      : `${message.name}.${message.format}`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(base.fsPath, name)),
      filters: { [message.format.toUpperCase()]: [message.format] },
      title: 'Export from the TiC Studio Dashboard',
    });
    if (!target) {
      this.post({ type: 'exported', requestId: message.requestId, path: null, error: null });
      return;
    }
    try {
      await writeFile(target.fsPath, bytes);
      this.post({ type: 'exported', requestId: message.requestId, path: target.fsPath, error: null });
      void this.exportedNotice(target);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.post({ type: 'exported', requestId: message.requestId, path: null, error: text });
    }
  }

  /** Says where the export went, with the next step: open it, or show it in the Explorer (else copy its path). */
  private async exportedNotice(target: vscode.Uri): Promise<void> {
    const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
    const open = 'Open';
    const reveal = inWorkspace ? 'Reveal in Explorer' : 'Copy Path';
    const choice = await vscode.window.showInformationMessage(`Exported ${basename(target.fsPath)}.`, open, reveal);
    if (choice === open) await vscode.commands.executeCommand('vscode.open', target);
    else if (choice === 'Reveal in Explorer') await vscode.commands.executeCommand('revealInExplorer', target);
    else if (choice === 'Copy Path') await vscode.env.clipboard.writeText(target.fsPath);
  }

  private scheduleSnapshot(): void {
    if (!this.ready) return;
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(() => void this.sendSnapshot(), snapshotDebounceMs);
  }

  private async sendSnapshot(): Promise<void> {
    const mine = ++this.snapshotVersion;
    const runs = this.deps.runs;
    const scan = runs.workspace;
    const input = {
      workspace: scan,
      notice: !runs.root
        ? 'Open a folder with ml-tic-clip results (datacomp/results, datacomp/eval_results) to see its chains.'
        : runs.scanError
          ? `Could not scan the workspace: ${runs.scanError}`
          : runs.workspace
            ? null
            : 'Scanning the workspace…',
      firstStep: readFirstStepMode(),
      activity: runs.stepActivity(),
    };
    // The protocol guard reads every whole log the first time (a minute for 15 GB): when the full snapshot is not
    // there quickly, the timeline and matrices paint first without the protocol marks, which follow.
    const full = buildDashboardSnapshot(input);
    const late = await Promise.race([full.then(() => false), delay(progressiveAfterMs).then(() => true)]);
    if (late) {
      const quick = await buildDashboardSnapshot({ ...input, protocol: false });
      if (mine === this.snapshotVersion && this.ready) this.post({ type: 'snapshot', ...quick });
    }
    const snapshot = await full;
    if (mine !== this.snapshotVersion || !this.ready) return;
    this.deps.losses.retain(
      new Set((scan?.experiments ?? []).flatMap((e) => (e.files.outLog ? [e.files.outLog.path] : []))),
    );
    this.lastSnapshot = snapshot;
    this.lastSnapshotScan = scan;
    this.post({ type: 'snapshot', ...snapshot });
    const logs = new Map(
      lossChainInputs(
        scan,
        [...snapshot.chains, ...(snapshot.monthlyChains ?? [])].map((c) => c.key),
      ).map((c) => [c.key, c.steps.map((s) => s.outLog).join('\n')]),
    );
    const newCurves = [...logs].filter(([key, paths]) => this.chainLogs.get(key) !== paths).map(([key]) => key);
    const hadCurves = this.chainLogs.size > 0;
    this.chainLogs = logs;
    if (hadCurves && newCurves.length > 0) await this.announceLosses(newCurves, Date.now());
  }

  private logGrew(path: string): void {
    this.grownLogs.add(path);
    if (this.liveTimer) return;
    this.liveTimer = setTimeout(() => void this.flushLive(), liveBatchMs);
  }

  private async flushLive(): Promise<void> {
    this.liveTimer = undefined;
    const noticedAt = Date.now();
    const paths = [...this.grownLogs];
    this.grownLogs.clear();
    const changed = await this.deps.losses.refresh(paths);
    if (changed.length === 0 || !this.ready) return;
    const chains = allChains(this.deps.runs.workspace)
      .filter((c) => c.steps.some((s) => s.experiment !== null && changed.includes(join(s.experiment, 'out.log'))))
      .map((c) => c.key);
    if (chains.length > 0) await this.announceLosses(chains, noticedAt);
  }

  /**
   * Tells the webview that these chains' curves changed: those its loss chart shows come with their new points,
   * downsampled for its view (`lossesLive`); the others are only named (`lossesChanged`: it asks when it shows
   * them).
   */
  private async announceLosses(chains: readonly string[], noticedAt: number): Promise<void> {
    const view = this.liveView;
    const shown = view ? chains.filter((c) => view.chains.includes(c)) : [];
    const others = chains.filter((c) => !shown.includes(c));
    if (others.length > 0) this.post({ type: 'lossesChanged', chains: others });
    if (!view || shown.length === 0) return;
    const { chains: _chains, ...query } = view;
    try {
      const series = await this.deps.losses.query(lossChainInputs(this.deps.runs.workspace, shown), query);
      if (!this.ready) return;
      this.post({ type: 'lossesLive', view: query, noticedAt, series: series.map(lossSeriesToBinary) });
    } catch (error) {
      // Named instead: the webview asks for them, and that request's failure is logged as any other.
      this.deps.log.warn(`Dashboard: live losses failed: ${error instanceof Error ? error.message : String(error)}`);
      this.post({ type: 'lossesChanged', chains: shown });
    }
  }

  private post(message: HostToDashboard): void {
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.store.dispose();
    this.panel.dispose();
  }
}

/** The yearly chains, then the monthly ones: a chain key from the webview may name either. */
function allChains(workspace: Workspace | undefined): readonly Chain[] {
  return [...(workspace?.chains ?? []), ...(workspace?.monthlyChains ?? [])];
}
