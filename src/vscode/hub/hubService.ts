import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { downloadToCache, type DownloadResult } from '../../hub/downloadToCache';
import type { DownloadProgress } from '../../hub/downloadProgress';
import { listHubCatalog, type CatalogRepo } from '../../hub/hubCatalog';
import { HubError } from '../../hub/core/hubError';
import { resolveHubSettings, type HubSettings } from '../../hub/hubSettings';
import type { Logger } from '../common/logger';
import { readHubSettings } from '../common/settings';
import { readHubMachineSettings } from './hubMachineSettings';

/** Where the token set with "TiC Studio: Set Hugging Face Token" lives (VS Code SecretStorage, never settings). */
export const hubTokenSecretKey = 'ticStudio.hub.token';

export type CatalogState =
  { kind: 'loading' } | { kind: 'ready'; repos: CatalogRepo[] } | { kind: 'error'; message: string };

/** One download the window is running: its progress, and how to cancel it (the partial file is kept). */
export interface ActiveDownload {
  repo: string;
  path: string;
  progress: DownloadProgress | undefined;
  cancel(): void;
}

export function downloadKey(repo: string, path: string): string {
  return `${repo}::${path}`;
}

/**
 * The Hub catalog and downloads for this window: settings, token lookup (HF_TOKEN, the token file, then
 * SecretStorage), the live catalog, and the downloads in flight with their progress.
 */
export class HubService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private state: CatalogState = { kind: 'loading' };
  private readonly active = new Map<string, ActiveDownload>();
  private refreshing: Promise<void> | undefined;
  /** Warnings already shown this session (a Hub answer that keeps being wrong is shown once, then only logged). */
  private readonly shownWarnings = new Set<string>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: Logger,
  ) {}

  get catalog(): CatalogState {
    return this.state;
  }

  activeDownload(repo: string, path: string): ActiveDownload | undefined {
    return this.active.get(downloadKey(repo, path));
  }

  async settings(): Promise<HubSettings & { connections: number; extraRepos: string[] }> {
    const user = readHubSettings();
    // The endpoint and the cache folder come from user or machine settings only (never a workspace's).
    const machine = readHubMachineSettings();
    if (machine.ignored.length > 0)
      this.warnOnce(
        `TiC Studio ignores ${machine.ignored.join(' and ')}: the Hub endpoint and the cache folder are taken from your user settings only, so a workspace cannot redirect your token or your downloads.`,
      );
    const resolved = await resolveHubSettings({
      env: process.env,
      homeDir: homedir(),
      endpoint: machine.endpoint,
      cacheDir: machine.cacheDir,
      suppliedToken: async () => this.secrets.get(hubTokenSecretKey),
    });
    return { ...resolved, connections: user.connections, extraRepos: user.extraRepos };
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    if (this.state.kind !== 'ready') {
      this.state = { kind: 'loading' };
      this.changed.fire();
    }
    try {
      const s = await this.settings();
      const repos = await listHubCatalog(
        { extraRepos: s.extraRepos, offline: s.offline },
        { endpoint: s.endpoint, fetch: globalThis.fetch, token: s.token, cacheDir: s.cacheDir },
      );
      for (const r of repos.filter((x) => x.error))
        this.log.warn(`Hub: ${r.repo}: ${r.error?.reason}: ${r.error?.message}`);
      for (const r of repos) for (const w of r.warnings) this.warnOnce(`Hub: ${w}`);
      this.state = { kind: 'ready', repos };
    } catch (error) {
      this.state = { kind: 'error', message: error instanceof Error ? error.message : String(error) };
      this.log.error(`Hub catalog: ${this.state.message}`);
    }
    this.changed.fire();
  }

  /**
   * Downloads one file into the shared Hugging Face cache with a cancellable progress notification. Resolves to
   * the result, or undefined when cancelled or failed (the user has been told which, and the partial file kept).
   */
  async download(repo: string, path: string): Promise<DownloadResult | undefined> {
    const key = downloadKey(repo, path);
    const running = this.active.get(key);
    if (running) {
      void vscode.window.showInformationMessage(`${repo}/${path} is already downloading.`);
      return undefined;
    }
    const abort = new AbortController();
    const entry: ActiveDownload = { repo, path, progress: undefined, cancel: () => abort.abort() };
    this.active.set(key, entry);
    this.changed.fire();
    const name = `${repo.split('/').pop()}/${path}`;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Downloading ${name}`, cancellable: true },
        async (report, token) => {
          token.onCancellationRequested(() => abort.abort());
          const s = await this.settings();
          let reported = 0;
          const result = await downloadToCache(
            { repo, path },
            { endpoint: s.endpoint, fetch: globalThis.fetch, token: s.token, cacheDir: s.cacheDir },
            {
              connections: s.connections,
              signal: abort.signal,
              offline: s.offline,
              onProgress: (p) => {
                entry.progress = p;
                const percent = p.total > 0 ? (100 * p.bytesDone) / p.total : 0;
                report.report({ increment: percent - reported, message: progressText(p) });
                reported = percent;
                this.changed.fire();
              },
            },
          );
          this.log.info(
            `Hub: ${repo}/${path} → ${result.localPath} (${result.source}, ${result.transferred} bytes transferred, resumed from ${result.resumedFrom}).`,
          );
          for (const w of result.warnings) this.warnOnce(`Hugging Face cache: ${w}`);
          return result;
        },
      );
    } catch (error) {
      const reason = HubError.is(error) ? error.reason : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      if (reason === 'cancelled') {
        void vscode.window.showInformationMessage(
          `Download of ${name} cancelled; the partial file is kept and the next download resumes it.`,
        );
      } else if (reason === 'network') {
        // The reason in words; the connection's own error code stays in the log.
        this.log.error(`Hub: ${repo}/${path}: ${reason}: ${message}`);
        void vscode.window
          .showErrorMessage(
            `Download of ${name} stopped: the Hugging Face Hub could not be reached. What was received is kept, and Retry resumes it.`,
            'Retry',
          )
          .then((action) => (action === 'Retry' ? this.download(repo, path) : undefined));
      } else {
        this.log.error(`Hub: ${repo}/${path}: ${reason}: ${message}`);
        void vscode.window.showErrorMessage(`Download of ${name} failed: ${message}`);
      }
      return undefined;
    } finally {
      this.active.delete(key);
      await this.refresh();
    }
  }

  /** Logged every time, shown as a notification once per session. */
  private warnOnce(message: string): void {
    this.log.warn(message);
    if (this.shownWarnings.has(message)) return;
    this.shownWarnings.add(message);
    void vscode.window.showWarningMessage(message);
  }

  dispose(): void {
    for (const d of this.active.values()) d.cancel();
    this.changed.dispose();
  }
}

export function progressText(p: DownloadProgress): string {
  const gb = (n: number): string => `${(n / 1e9).toFixed(2)} GB`;
  if (p.phase === 'waiting') return 'waiting for another download of the same file';
  if (p.phase === 'verifying') return 'verifying sha256';
  const rate = p.bytesPerSecond > 0 ? ` · ${(p.bytesPerSecond / 1e6).toFixed(1)} MB/s` : '';
  const eta = p.etaSeconds !== undefined ? ` · ${Math.ceil(p.etaSeconds)} s left` : '';
  return `${gb(p.bytesDone)} of ${gb(p.total)}${rate}${eta}`;
}
