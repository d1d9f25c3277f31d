import * as vscode from 'vscode';
import type { CatalogFile, CatalogRepo } from '../../hub/hubCatalog';
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
}

export type CheckpointsNode = HubRepoNode | HubCheckpointNode | MessageNode;

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
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly hub: HubService) {
    // Progress arrives often; repaint the tree at most twice a second.
    this.subscription = hub.onDidChange(() => {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.changed.fire();
      }, 500);
    });
  }

  getChildren(node?: CheckpointsNode): CheckpointsNode[] {
    if (!node) {
      const state = this.hub.catalog;
      if (state.kind === 'loading')
        return [{ kind: 'message', text: 'Loading the Hugging Face Hub catalog…', icon: 'loading~spin' }];
      if (state.kind === 'error')
        return [
          { kind: 'message', text: `Could not list the Hub: ${state.message}`, icon: 'error', tooltip: state.message },
        ];
      return state.repos.map((repo) => ({ kind: 'hubRepo', repo }));
    }
    if (node.kind === 'hubRepo') {
      const files = node.repo.files
        .filter((f) => f.kind === 'checkpoint')
        .sort((a, b) => (a.year ?? 0) - (b.year ?? 0));
      if (files.length === 0) {
        const text = node.repo.error ? node.repo.error.message : 'No checkpoints/YEAR.pt files in this repo.';
        return [{ kind: 'message', text, icon: node.repo.error ? 'warning' : 'info', tooltip: text }];
      }
      return files.map((file) => ({ kind: 'hubCheckpoint', repo: node.repo.repo, file }));
    }
    return [];
  }

  getTreeItem(node: CheckpointsNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.tooltip = node.tooltip;
      return item;
    }
    if (node.kind === 'hubRepo') {
      const r = node.repo;
      const item = new vscode.TreeItem(r.repo, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `hub:${r.repo}`;
      const years = r.years.length ? `${r.years[0]}–${r.years[r.years.length - 1]}` : 'no years';
      item.description = `${years}${r.offline ? ' · offline (cache only)' : ''}${r.commit ? ` · ${r.commit.slice(0, 7)}` : ''}`;
      item.tooltip = r.error ? `${r.repo}\n${r.error.message}` : `${r.repo} @ ${r.commit ?? r.revision}`;
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
    this.subscription.dispose();
    this.changed.dispose();
  }
}
