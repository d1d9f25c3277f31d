import * as vscode from 'vscode';
import { isFinalStatus, type RunRecord } from '../../runs/model/runRecord';
import { slurmStateMeaning } from '../../runs/model/slurmJobState';
import { describeRunFailure } from '../common/errors';
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

function elapsed(record: RunRecord, now: number): string {
  const start = Date.parse(record.startedAt ?? record.createdAt);
  const end = record.endedAt ? Date.parse(record.endedAt) : now;
  const s = Math.max(0, Math.round((end - start) / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m ${s % 60}s`
      : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** `Slurm job 123` · `RUNNING on gpu[01-02]` / `PENDING (Priority)` · `restart 1`. */
function slurmParts(record: RunRecord, slurm: NonNullable<RunRecord['slurm']>): string[] {
  const parts = [slurm.jobId ? `Slurm job ${slurm.jobId}` : 'Slurm: submitting'];
  if (slurm.state) {
    const where = slurm.nodes ? ` on ${slurm.nodes}` : slurm.reason ? ` (${slurm.reason})` : '';
    parts.push(`${slurm.state}${where}`);
  }
  if (slurm.resubmits > 0) parts.push(`resubmitted ${slurm.resubmits}×`);
  if (slurm.restarts) parts.push(`requeued ${slurm.restarts}×`);
  if (slurm.pollError) parts.push('⚠ squeue failed');
  // Auto-resume submits only from a trusted window (SlurmAutoResume.ended): say why the run is not moving on.
  const ended = slurm.state !== undefined && slurmStateMeaning(slurm.state).phase === 'ended';
  if (ended && slurm.autoResume && !isFinalStatus(record.status) && !vscode.workspace.isTrusted)
    parts.push('resubmitted once the workspace is trusted');
  return parts;
}

/** The Runs view: the runs TiC Studio started in this workspace, running first, with live loss and throughput. */
export class RunsTree implements vscode.TreeDataProvider<RunNode | QueuedNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The same node object per run across refreshes, and the rows as last shown (ids and statuses in order). */
  private readonly nodes = new Map<string, RunNode>();
  private shape = '';
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly runs: RunsService) {
    this.subscription = runs.onDidChange(() => this.schedule());
    // Elapsed time moves on while a run is running.
    this.ticker = setInterval(() => this.runs.runs.some((r) => r.status === 'running') && this.schedule(), 5000);
  }

  /**
   * A refresh of the whole tree drops VS Code's handles of its rows until the rows are fetched again, and an inline
   * action clicked in that moment arrives without its run (Stop then opened its picker instead). So when the rows
   * are the same runs in the same states, only those rows are refreshed (live loss, elapsed time).
   */
  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const shape = this.rows()
        .map((n) => (n.kind === 'run' ? `${n.id}:${this.status(n.id)}` : `q:${n.ticket}`))
        .join('|');
      if (shape === this.shape) {
        this.changed.fire([...this.nodes.values()]);
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
    const order: Record<RunRecord['status'], number> = {
      running: 0,
      queued: 1,
      failed: 2,
      lost: 3,
      stopped: 4,
      succeeded: 5,
    };
    const records = [...this.runs.runs].sort((a, b) => order[a.status] - order[b.status]);
    for (const id of this.nodes.keys()) if (!records.some((r) => r.id === id)) this.nodes.delete(id);
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
    if (node.kind === 'queued') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.id = `queued:${node.ticket}`;
      item.description = `queued · waiting for GPU ${node.gpus.join(', ')}`;
      item.iconPath = new vscode.ThemeIcon('clock');
      item.contextValue = 'run queued';
      item.accessibilityInformation = { label: `${node.label}, ${item.description}` };
      return item;
    }
    const record = this.runs.runs.find((r) => r.id === node.id);
    if (!record) return new vscode.TreeItem(node.id);
    const item = new vscode.TreeItem(
      `${record.label}${record.simulated ? ' (simulated)' : ''}`,
      vscode.TreeItemCollapsibleState.None,
    );
    item.id = `run:${record.id}`;
    const parts: string[] = [record.status];
    const slurm = record.scheduler === 'slurm' ? record.slurm : undefined;
    if (slurm) parts.push(...slurmParts(record, slurm));
    parts.push(elapsed(record, Date.now()));
    const live = this.runs.liveStats(record.id);
    if (live?.lastStep) {
      const s = live.lastStep;
      parts.push(`epoch ${s.epoch + 1} ${s.percent}%`);
      if (live.loss !== null) parts.push(`loss ${live.loss.toFixed(4)}`);
      parts.push(`${Math.round(s.samplesPerSecond)} samples/s`);
    }
    item.description = parts.join(' · ');
    const [icon, color] = statusIcons[record.status];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.tooltip = [
      `${record.kind} run ${record.id}${record.simulated ? ' (simulated: the demo stand-in, not the real trainer)' : ''}`,
      slurm
        ? `Slurm job ${slurm.jobIds.join(' → ') || '(not submitted)'}${slurm.partition ? ` · partition ${slurm.partition}` : ''} · ${slurm.nodesRequested} node(s) × ${slurm.gpusPerNode} GPU(s)${slurm.autoResume ? ` · auto-resume (${slurm.resubmits}/${slurm.maxResubmits})` : ''}\nscript ${slurm.scriptPath}`
        : `pid ${record.pid ?? '-'} · ${record.host}`,
      slurm?.pollError ? `squeue: ${slurm.pollError}` : '',
      record.failure ? describeRunFailure(record.failure) : '',
      record.argv.join(' '),
    ]
      .filter(Boolean)
      .join('\n');
    // A job waiting in Slurm's queue can be cancelled too.
    const going = record.status === 'running' || (slurm !== undefined && record.status === 'queued');
    item.contextValue = `run ${going ? 'running' : 'ended'}${slurm ? ' slurm' : ''}`;
    item.command = { command: 'ticStudio.showRunLog', title: 'Show Run Log', arguments: [node] };
    item.accessibilityInformation = { label: `${item.label}, ${item.description}` };
    return item;
  }

  dispose(): void {
    clearInterval(this.ticker);
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
