import * as vscode from 'vscode';
import { catalogReach, type CatalogReach } from '../../hub/catalogReach';
import type { HubErrorReason } from '../../hub/core/hubError';
import type { CatalogFile, CatalogRepo } from '../../hub/hubCatalog';
import { commandIds, viewIds } from '../common/ids';
import { progressText, type HubService } from '../hub/hubService';
import { publishedRepoMethod } from '../../tic/publishedRepoMethod';

/** A checkpoint file of a Hub repo as the tree and its commands see it. */
export interface HubCheckpointNode {
  kind: 'hubCheckpoint';
  repo: string;
  file: CatalogFile;
}

export interface HubRepoNode {
  kind: 'hubRepo';
  repo: CatalogRepo;
}

interface MessageNode {
  kind: 'message';
  text: string;
  icon: string;
  tooltip?: string;
  /** Runs on click (an action row of the offline banner, or the fix a message names). */
  command?: vscode.Command;
  description?: string;
}

export type CheckpointsNode = HubRepoNode | HubCheckpointNode | MessageNode;

/** Set while the Hub cannot be reached (the palette offers Retry then). */
export const hubUnreachableContextKey = 'ticStudio.hubUnreachable';

/**
 * The banner above the tree (TreeView.message) when the view does not show the live Hub, or undefined. One line for
 * the whole view: each repo row then only says what it has, never the same connection error six times.
 */
export function hubBanner(reach: CatalogReach): string | undefined {
  if (reach.kind === 'unreachable') return 'Hugging Face Hub unreachable — showing cached checkpoints only.';
  if (reach.kind === 'offlineMode')
    return 'Hugging Face offline mode is on (HF_HUB_OFFLINE) — showing cached checkpoints only.';
  return undefined;
}

/**
 * The actions under the banner. TreeView.message is plain text (no links, no buttons), so they are the view's first
 * rows rather than view title actions: title actions show only while the pointer is over the view and as bare
 * icons, where a newcomer who just met "unreachable" would not find them; rows are always visible, read by screen
 * readers in order after the banner, reachable with the keyboard, and take their words from the situation.
 */
function offlineActions(reach: CatalogReach): MessageNode[] {
  const openCache: MessageNode = {
    kind: 'message',
    text: 'Open Cache Folder',
    icon: 'folder-opened',
    tooltip: 'The Hugging Face cache folder this view lists (the one Python uses too).',
    command: { command: commandIds.openHubCache, title: 'Open Cache Folder' },
  };
  if (reach.kind === 'offlineMode') return [openCache];
  return [
    {
      kind: 'message',
      text: 'Retry',
      icon: 'refresh',
      tooltip: `Ask the Hub again.\nLast answer: ${reach.kind === 'unreachable' ? reach.detail : ''}`,
      command: { command: commandIds.retryHub, title: 'Retry' },
    },
    {
      kind: 'message',
      text: 'Use a Mirror…',
      icon: 'globe',
      tooltip: 'Download from another Hugging Face endpoint (saved in your user settings).',
      command: { command: commandIds.useHubMirror, title: 'Use a Mirror…' },
    },
    openCache,
  ];
}

/** The same, shorter, for the repo row's description. */
const repoProblemShort: Partial<Record<HubErrorReason, string>> = {
  unauthorized: 'needs a token',
  forbidden: 'no access',
  notFound: 'not found',
  badResponse: 'unexpected answer',
};

/** A repo's listing failure in a few words (the full message is the row's tooltip and in the log). */
const repoProblem: Partial<Record<HubErrorReason, string>> = {
  network: 'Hub unreachable',
  unauthorized: 'Needs a Hugging Face token',
  forbidden: 'No access with this token',
  notFound: 'Not found on the Hub',
  badResponse: 'Unexpected answer from the Hub',
};

export function isHubCheckpointNode(value: unknown): value is HubCheckpointNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'hubCheckpoint';
}

/** Said on the rows whose context menu can resume from them (an oracle cannot be continued, only evaluated). */
const actionsHint = 'Right-click to resume training from it, continue the chain from it, or evaluate it.';

function continuable(repo: string): boolean {
  return publishedRepoMethod(repo)?.strategy !== 'oracle';
}

function formatSize(bytes: number): string {
  return bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(2)} GB`
    : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(1)} MB`
      : `${Math.round(bytes / 1e3)} kB`;
}

/**
 * The Checkpoints view: the published apple/TiC-CLIP repos (and the user's extra repos) → training years, each
 * with its state: remote, downloading n %, partial (resumable), cached.
 */
export class CheckpointsTree implements vscode.TreeDataProvider<CheckpointsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private readonly view: vscode.TreeView<CheckpointsNode>;
  private timer: NodeJS.Timeout | undefined;

  /** The provider and its view (the banner is the view's, so the tree owns both). */
  constructor(private readonly hub: HubService) {
    this.view = vscode.window.createTreeView(viewIds.checkpoints, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions = [
      this.view,
      // Progress arrives often; repaint the tree at most twice a second.
      hub.onDidChange(() => {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.changed.fire();
        }, 500);
      }),
    ];
  }

  private reach(): CatalogReach {
    const state = this.hub.catalog;
    return state.kind === 'ready' ? catalogReach(state.repos) : { kind: 'online' };
  }

  getChildren(node?: CheckpointsNode): CheckpointsNode[] {
    if (!node) {
      const state = this.hub.catalog;
      const reach = this.reach();
      // Set here, where the rows are made, so the banner and the rows never disagree. TreeView.message wraps where
      // a row would be cut off: a whole-catalog failure (an endpoint that is not a URL) is said there, in full.
      this.view.message =
        state.kind === 'error' ? `The Hugging Face Hub could not be listed: ${state.message}` : hubBanner(reach);
      void vscode.commands.executeCommand('setContext', hubUnreachableContextKey, reach.kind === 'unreachable');
      if (state.kind === 'loading')
        return [{ kind: 'message', text: 'Loading the Hugging Face Hub catalog…', icon: 'loading~spin' }];
      if (state.kind === 'error')
        return offlineActions({ kind: 'unreachable', detail: state.message }).filter(
          (a) => a.command?.command !== commandIds.openHubCache,
        );
      return [
        ...(reach.kind === 'online' ? [] : offlineActions(reach)),
        ...state.repos.map((repo): CheckpointsNode => ({ kind: 'hubRepo', repo })),
      ];
    }
    if (node.kind === 'hubRepo') {
      const files = node.repo.files
        .filter((f) => f.kind === 'checkpoint')
        .sort((a, b) => (a.year ?? 0) - (b.year ?? 0));
      if (files.length === 0) return [this.emptyRepoMessage(node.repo)];
      return files.map((file) => ({ kind: 'hubCheckpoint', repo: node.repo.repo, file }));
    }
    return [];
  }

  /** What a repo without checkpoint rows says: a few words, the full story in the tooltip. */
  private emptyRepoMessage(repo: CatalogRepo): MessageNode {
    if (repo.offline)
      return {
        kind: 'message',
        text: 'Nothing cached yet',
        icon: 'cloud',
        tooltip: repo.error
          ? `Its checkpoints are listed once the Hub can be reached (Retry at the top of this view).\n${repo.error.message}`
          : 'Offline mode lists only what the cache holds.',
      };
    if (repo.error)
      return {
        kind: 'message',
        text: repoProblem[repo.error.reason] ?? 'Could not be listed',
        icon: 'warning',
        tooltip: repo.error.message,
        ...(repo.error.reason === 'unauthorized'
          ? { command: { command: commandIds.setHubToken, title: 'Set Hugging Face Token' } }
          : {}),
      };
    return {
      kind: 'message',
      text: 'No checkpoints in this repo',
      icon: 'info',
      tooltip: 'It has no checkpoints/YEAR.pt files.',
    };
  }

  getTreeItem(node: CheckpointsNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.tooltip = node.tooltip;
      item.description = node.description;
      item.command = node.command;
      // Read as what it says (an action row: its name), not as its tooltip.
      item.accessibilityInformation = {
        label: node.description === undefined ? node.text : `${node.text}, ${node.description}`,
      };
      return item;
    }
    if (node.kind === 'hubRepo') {
      const r = node.repo;
      // The published apple/TiC-CLIP-* repos by what tells them apart, "basic · cumulative" (the full name and the
      // commit in the tooltip and the accessible label): a row and its state that fit the default side bar.
      const published = /^apple\/TiC-CLIP-([A-Za-z]+)-([A-Za-z]+)$/.exec(r.repo);
      const label = published ? `${published[1]} · ${published[2]}` : r.repo;
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `hub:${r.repo}`;
      const first = r.years[0];
      const last = r.years[r.years.length - 1];
      const years =
        first === undefined
          ? r.offline
            ? 'not cached'
            : 'no years'
          : first === last
            ? `${first}`
            : `${first}–${last}`;
      // Offline, the banner says why once; a repo row says what it has (and a problem of its own, briefly).
      const problem =
        r.error && r.error.reason !== 'network' ? (repoProblemShort[r.error.reason] ?? 'not listed') : null;
      item.description = [years, problem].filter((x) => x).join(' · ');
      item.tooltip = r.error
        ? `${r.repo}\n${r.offline ? 'Listed from the local cache. ' : ''}${r.error.message}`
        : `${r.repo} @ ${r.commit ?? r.revision}${r.offline ? '\nListed from the local cache.' : ''}`;
      item.iconPath = new vscode.ThemeIcon(r.offline || r.error ? 'debug-disconnect' : 'repo');
      item.contextValue = 'hubRepo';
      item.accessibilityInformation = { label: `${r.repo}, ${item.description}` };
      return item;
    }
    const { file, repo } = node;
    const active = this.hub.activeDownload(repo, file.path);
    const item = new vscode.TreeItem(String(file.year ?? file.path), vscode.TreeItemCollapsibleState.None);
    item.id = `hub:${repo}:${file.path}`;
    let state: string;
    if (active) {
      const p = active.progress;
      const percent = p && p.total > 0 ? Math.floor((100 * p.bytesDone) / p.total) : 0;
      state = `downloading ${percent} %`;
      item.iconPath = new vscode.ThemeIcon('sync~spin');
      item.contextValue = 'hubCheckpoint.downloading';
      item.tooltip = p ? progressText(p) : 'starting…';
    } else if (file.cached) {
      state = 'cached';
      item.iconPath = new vscode.ThemeIcon('pass-filled');
      item.contextValue = 'hubCheckpoint.cached';
      item.tooltip = `${file.localPath ?? ''}${continuable(repo) ? `\n${actionsHint}` : ''}`;
      item.command = { command: 'ticStudio.inspectCheckpoint', title: 'Inspect Checkpoint', arguments: [node] };
    } else if (file.partialBytes > 0) {
      state = `partial ${Math.floor((100 * file.partialBytes) / Math.max(file.size, 1))} %`;
      item.iconPath = new vscode.ThemeIcon('debug-pause');
      item.contextValue = 'hubCheckpoint.partial';
      item.tooltip = `${formatSize(file.partialBytes)} of ${formatSize(file.size)} downloaded; Download resumes it.`;
    } else {
      state = 'remote';
      item.iconPath = new vscode.ThemeIcon('cloud');
      item.contextValue = 'hubCheckpoint.remote';
      item.tooltip = `${repo}/${file.path}${file.sha256 ? `\nsha256 ${file.sha256}` : ''}${continuable(repo) ? `\n${actionsHint}` : ''}`;
    }
    item.description = `${formatSize(file.size)} · ${state}`;
    // Without this, screen readers (and VS Code's aria-label) read the tooltip instead of year and state.
    item.accessibilityInformation = { label: `${item.label}, ${item.description}` };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
    this.changed.dispose();
  }
}
