import * as vscode from 'vscode';
import { isFinalStatus, type RunRecord } from '../../runs/model/runRecord';
import { slurmStateMeaning } from '../../runs/model/slurmJobState';
import { describeRunFailure } from '../common/errors';
import {
  newestFirst,
  runAccessibleText,
  runDescription,
  rowBudget,
  runTooltipMarkdown,
  shortRunLabel,
  uniqueRunLabels,
  type RunProgress,
} from '../runs/runRows';
import type { RunsService } from '../runs/runsService';

export interface RunNode {
  kind: 'run';
  id: string;
}

/** A run waiting in the GPU queue: it has no record yet, only a ticket. */
export interface QueuedNode {
  kind: 'queued';
  ticket: string;
  label: string;
  gpus: readonly number[];
}

export function isQueuedNode(value: unknown): value is QueuedNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'queued';
}

export function isRunNode(value: unknown): value is RunNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'run';
}

const statusIcons: Record<RunRecord['status'], [string, string | undefined]> = {
  queued: ['clock', undefined],
  running: ['sync~spin', 'charts.blue'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  stopped: ['debug-stop', undefined],
  lost: ['question', 'list.warningForeground'],
};

/** Why a Slurm run that ended is not moving on: auto-resume submits only from a trusted window (SlurmAutoResume.ended). */
function waitsForTrust(record: RunRecord): boolean {
  const slurm = record.scheduler === 'slurm' ? record.slurm : undefined;
  const ended = slurm?.state !== undefined && slurmStateMeaning(slurm.state).phase === 'ended';
  return ended && slurm?.autoResume === true && !isFinalStatus(record.status) && !vscode.workspace.isTrusted;
}

/** A row whose run streams its log is given again at most this often (ms): each time closes its open hover. */
const liveRowMs = 5000;

/**
 * What a row shows, to eyes and to screen readers: when this is the same, giving the row again would change nothing
 * but close its hover. (The accessible name says more than the description: a Slurm job's state and reason.)
 */
function signature(item: vscode.TreeItem): string {
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip;
  const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '';
  const spoken = item.accessibilityInformation?.label;
  return JSON.stringify([item.label, item.description, icon, item.contextValue, tooltip, spoken]);
}

/**
 * The Runs view: the runs TiC Studio started in this workspace, newest first (the GPU queue's waiting runs above
 * them), each with a short description (live epoch, loss and throughput while it trains) and its details in the
 * tooltip.
 */
export class RunsTree implements vscode.TreeDataProvider<RunNode | QueuedNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The same node object per run across refreshes, and the rows as last shown (ids and statuses in order). */
  private readonly nodes = new Map<string, RunNode>();
  private shape = '';
  /** The tooltip last given per run (see tooltip()). */
  private readonly tooltips = new Map<string, vscode.MarkdownString>();
  /** Per run: what its row showed when last given to VS Code, and when (see schedule()). */
  private readonly shown = new Map<string, { signature: string; at: number }>();
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;
  private deferred: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly runs: RunsService) {
    this.subscription = runs.onDidChange(() => this.schedule());
    // Elapsed time moves on while a run is running.
    this.ticker = setInterval(() => this.runs.runs.some((r) => r.status === 'running') && this.schedule(), 5000);
  }

  /**
   * A refresh of the whole tree drops VS Code's handles of its rows until the rows are fetched again, and an inline
   * action clicked in that moment arrives without its run (Stop then opened its picker instead). So when the rows
   * are the same runs in the same states, only the rows whose text changed are refreshed. VS Code closes a row's
   * open hover each time it renders the row again, so a row is not refreshed when nothing it shows changed, nor
   * more than once every few seconds while its run streams its log (the next change or tick brings it up to date).
   */
  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const shape = this.rows()
        .map((n) => (n.kind === 'run' ? `${n.id}:${this.status(n.id)}` : `q:${n.ticket}`))
        .join('|');
      if (shape === this.shape) {
        const now = Date.now();
        const stale: RunNode[] = [];
        let wait: number | undefined;
        for (const node of this.nodes.values()) {
          const last = this.shown.get(node.id);
          if (last && last.signature === signature(this.item(node))) continue;
          const left = last ? last.at + liveRowMs - now : 0;
          if (left <= 0) stale.push(node);
          else wait = Math.min(wait ?? left, left);
        }
        if (stale.length > 0) this.changed.fire(stale);
        // A row held back comes up to date once its time has come, even if nothing else changes meanwhile.
        if (wait !== undefined)
          this.deferred ??= setTimeout(() => ((this.deferred = undefined), this.schedule()), wait);
      } else {
        this.shape = shape;
        this.changed.fire(undefined);
      }
    }, 300);
  }

  private status(id: string): string {
    return this.runs.runs.find((r) => r.id === id)?.status ?? 'gone';
  }

  getChildren(node?: RunNode | QueuedNode): (RunNode | QueuedNode)[] {
    return node ? [] : this.rows();
  }

  private rows(): (RunNode | QueuedNode)[] {
    const queued: QueuedNode[] = (this.runs.queue?.queued() ?? []).map((q) => ({
      kind: 'queued',
      ticket: q.ticket,
      label: q.label,
      gpus: q.gpus,
    }));
    const records = newestFirst(this.runs.runs);
    for (const id of this.nodes.keys())
      if (!records.some((r) => r.id === id)) {
        this.nodes.delete(id);
        this.tooltips.delete(id);
        this.shown.delete(id);
      }
    const runNodes = records.map((r): RunNode => {
      let existing = this.nodes.get(r.id);
      if (!existing) {
        existing = { kind: 'run', id: r.id };
        this.nodes.set(r.id, existing);
      }
      return existing;
    });
    return [...queued, ...runNodes];
  }

  getTreeItem(node: RunNode | QueuedNode): vscode.TreeItem {
    const item = this.item(node);
    if (node.kind === 'run') this.shown.set(node.id, { signature: signature(item), at: Date.now() });
    return item;
  }

  private item(node: RunNode | QueuedNode): vscode.TreeItem {
    if (node.kind === 'queued') {
      const label = shortRunLabel({ kind: node.label.startsWith('train ') ? 'train' : 'eval', label: node.label });
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
      item.id = `queued:${node.ticket}`;
      const gpus = `GPU${node.gpus.length === 1 ? '' : 's'} ${node.gpus.join(', ')}`;
      item.description = `waiting for ${gpus}`;
      item.tooltip = `${node.label}: queued until ${gpus} ${node.gpus.length === 1 ? 'is' : 'are'} free.`;
      item.iconPath = new vscode.ThemeIcon('clock');
      item.contextValue = 'run queued local';
      item.accessibilityInformation = { label: `${node.label}, queued, waiting for ${gpus}` };
      return item;
    }
    const record = this.runs.runs.find((r) => r.id === node.id);
    if (!record) return new vscode.TreeItem(node.id);
    const label = uniqueRunLabels(this.runs.runs).get(record.id) ?? shortRunLabel(record);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${record.id}`;
    const progress = record.kind === 'train' ? this.runs.progress(record) : undefined;
    const now = Date.now();
    item.description = waitsForTrust(record)
      ? 'waiting for workspace trust'
      : runDescription(record, progress, now, label, rowBudget);
    const [icon, color] = statusIcons[record.status];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.tooltip = this.tooltip(record, label, progress, now);
    // A job waiting in Slurm's queue can be cancelled too.
    const slurm = record.scheduler === 'slurm';
    const going = record.status === 'running' || (slurm && record.status === 'queued');
    item.contextValue = `run ${going ? 'running' : 'ended'} ${slurm ? 'slurm' : 'local'}${record.outputDir ? ' output' : ''}`;
    item.command = { command: 'ticStudio.showRunLog', title: 'Show Run Log', arguments: [node] };
    item.accessibilityInformation = { label: runAccessibleText(record, label, progress) };
    return item;
  }

  /**
   * The run's tooltip: the same MarkdownString object as long as its text is the same, so that a refresh of the row
   * (every second while the run logs) leaves an open hover alone; its text changes with the epoch, not the step.
   */
  private tooltip(
    record: RunRecord,
    label: string,
    progress: RunProgress | undefined,
    now: number,
  ): vscode.MarkdownString {
    const trust = waitsForTrust(record) ? 'Resubmitted once the workspace is trusted.' : undefined;
    const failure = record.failure ? describeRunFailure(record.failure) : undefined;
    const text = runTooltipMarkdown(
      record,
      label,
      progress,
      now,
      [failure, trust].filter(Boolean).join(' ') || undefined,
    );
    const cached = this.tooltips.get(record.id);
    if (cached?.value === text) return cached;
    const markdown = new vscode.MarkdownString(text);
    this.tooltips.set(record.id, markdown);
    return markdown;
  }

  dispose(): void {
    clearInterval(this.ticker);
    if (this.timer) clearTimeout(this.timer);
    if (this.deferred) clearTimeout(this.deferred);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
