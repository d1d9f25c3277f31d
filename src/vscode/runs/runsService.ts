import * as vscode from 'vscode';
import type { RunRecord } from '../../runs/model/runRecord';
import { GpuQueue } from '../../runs/queue/gpuQueue';
import { schedulerOf, type RunScheduler } from '../../runs/runScheduler';
import { SlurmCommands } from '../../runs/slurm/slurmCommands';
import { SlurmScheduler } from '../../runs/slurm/slurmScheduler';
import { Supervisor } from '../../runs/local/supervisor';
import { scanWorkspace, type Workspace } from '../../workspace/workspaceScan';
import type { StepActivity } from '../../wire/timelineSteps';
import { describeRunFailure } from '../common/errors';
import type { Logger } from '../common/logger';
import { readRunSettings, readSlurmPolling } from '../common/settings';
import { LiveRunStats } from './liveRunStats';
import { SlurmResubmitPrompt } from './slurmResubmitPrompt';
import type { RunPlan } from '../../runs/model/runPlan';
import { removeEndedRecord } from '../../runs/runRecordKeeper';
import type { RunProgress } from './runRows';

/**
 * The experiments of the workspace (scanned, rescanned when results change) and the runs TiC Studio started,
 * supervised so they outlive the window: on activation it re-attaches to the runs still alive.
 */
export class RunsService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly logChunk = new vscode.EventEmitter<string>();
  /** A live training run wrote to its out.log (the path), as the supervisor streams it. */
  readonly onDidLogChunk = this.logChunk.event;
  private readonly disposables: vscode.Disposable[] = [];
  private scanned: Workspace | undefined;
  /** Why the last scan failed, shown in the Experiments view. */
  scanError: string | undefined;
  private records = new Map<string, RunRecord>();
  private readonly live = new Map<string, { stats: LiveRunStats; follow: { dispose(): void } }>();
  private scanTimer: NodeJS.Timeout | undefined;
  private liveTimer: NodeJS.Timeout | undefined;
  readonly supervisor: Supervisor | undefined;
  /** Runs submitted to Slurm (the `sbatch`/`squeue`/`scancel` of the extension host's PATH and SLURM_CONF). */
  readonly slurm: SlurmScheduler | undefined;
  /** The Slurm client commands of the extension host's environment (PATH, SLURM_CONF). */
  readonly slurmCommands = new SlurmCommands();
  /** Runs asking for busy GPUs wait here (in memory: a reload forgets the queue, not the running runs). */
  readonly queue: GpuQueue | undefined;
  /** Asks about a Slurm run auto-resume did not submit again (its script changed, or its job is not ours). */
  private readonly resubmitPrompt: SlurmResubmitPrompt | undefined;

  constructor(
    readonly root: vscode.Uri | undefined,
    readonly log: Logger,
  ) {
    if (!root) return;
    this.supervisor = new Supervisor({ workspaceRoot: root.fsPath, isTrusted: () => vscode.workspace.isTrusted });
    this.slurm = new SlurmScheduler({
      workspaceRoot: root.fsPath,
      isTrusted: () => vscode.workspace.isTrusted,
      commands: this.slurmCommands,
      ...readSlurmPolling(),
    });
    this.disposables.push({ dispose: () => this.supervisor?.dispose() }, { dispose: () => this.slurm?.dispose() });
    this.resubmitPrompt = new SlurmResubmitPrompt(this.slurm, log, (record) => this.onRun(record));
    this.disposables.push(this.resubmitPrompt);
    const supervisor = this.supervisor;
    this.queue = new GpuQueue({
      start: (plan) => supervisor.start(plan),
      waitForEnd: (id) => supervisor.waitForEnd(id),
    });
    this.disposables.push(this.queue.onDidChange(() => this.changed.fire()));
    this.disposables.push(
      this.supervisor.onDidChangeRun((record) => this.onRun(record)),
      this.slurm.onDidChangeRun((record) => this.onRun(record)),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(root, '**/{out.log,params.txt,eval_results.jsonl,*.pt}'),
    );
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => this.scheduleScan()),
      watcher.onDidDelete(() => this.scheduleScan()),
      watcher.onDidChange(() => this.scheduleScan()),
    );
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('ticStudio.runs')) this.scheduleScan();
      }),
    );
  }

  get workspace(): Workspace | undefined {
    return this.scanned;
  }

  get runs(): RunRecord[] {
    return [...this.records.values()].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  }

  liveStats(id: string): LiveRunStats | undefined {
    return this.live.get(id)?.stats;
  }

  /**
   * How far a training run got, as its log streamed in this window: the last step's epoch, loss and throughput, and
   * the epochs it trains (its logged parameters, else its experiment's params.txt). Undefined before its first step.
   */
  progress(record: RunRecord): RunProgress | undefined {
    const stats = this.live.get(record.id)?.stats;
    const last = stats?.lastStep;
    if (!stats || !last) return undefined;
    const scanned = record.outputDir
      ? this.scanned?.experiments.find((e) => e.dir === record.outputDir)?.epochs
      : undefined;
    return {
      epoch: last.epoch,
      epochs: stats.epochs ?? scanned ?? null,
      loss: stats.loss,
      samplesPerSecond: last.samplesPerSecond,
    };
  }

  /**
   * Removes the records of ended runs (and their console logs) from the workspace; a run still going, or a record
   * that changed meanwhile into something else, stays. Resolves with the runs removed.
   */
  async removeRecords(ids: readonly string[]): Promise<RunRecord[]> {
    const store = this.supervisor?.store;
    if (!store) return [];
    const removed: RunRecord[] = [];
    try {
      for (const id of ids) {
        const record = await removeEndedRecord(store, id);
        if (!record) continue;
        removed.push(record);
        this.records.delete(id);
        this.live.get(id)?.follow.dispose();
        this.live.delete(id);
      }
    } finally {
      this.changed.fire();
    }
    return removed;
  }

  /** What TiC Studio's own runs are doing to experiment folders, for the dashboard's timeline. */
  stepActivity(): StepActivity[] {
    const activity: StepActivity[] = [];
    for (const q of this.queue?.queued() ?? []) {
      if (q.outputDir) activity.push({ outputDir: q.outputDir, state: 'queued', progress: null });
    }
    const seen = new Set<string>();
    // Newest first: a failed run that was retried since is history, not the step's state.
    for (const record of this.runs) {
      if (record.kind !== 'train' || !record.outputDir || seen.has(record.outputDir)) continue;
      seen.add(record.outputDir);
      if (record.status === 'running') {
        const last = this.live.get(record.id)?.stats.lastStep ?? null;
        const epochs = this.scanned?.experiments.find((e) => e.dir === record.outputDir)?.epochs ?? null;
        const progress =
          last && epochs
            ? Math.min(1, (last.epoch * last.samplesPerEpoch + last.samplesSeen) / (epochs * last.samplesPerEpoch))
            : null;
        activity.push({ outputDir: record.outputDir, state: 'running', progress });
      } else if (record.status === 'queued') {
        // Waiting in Slurm's queue (a local run waits in the GPU queue above, before it has a record).
        activity.push({ outputDir: record.outputDir, state: 'queued', progress: null });
      } else if (record.status === 'failed') {
        activity.push({ outputDir: record.outputDir, state: 'failed', progress: null });
      }
    }
    return activity;
  }

  async start(): Promise<void> {
    await this.rescan();
    if (!this.supervisor) return;
    try {
      const reattached = [...(await this.supervisor.reattach()), ...((await this.slurm?.reattach()) ?? [])];
      for (const record of reattached) this.onRun(record);
      const { records } = await this.supervisor.store.list();
      for (const record of records) this.onRun(record);
      const going = reattached.filter((r) => r.status === 'running' || r.status === 'queued').length;
      if (going) this.log.info(`Re-attached to ${going} run(s) still going or waiting in Slurm.`);
    } catch (error) {
      this.log.error(
        `Could not read the runs of this workspace: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Reads the run records again: runs another window (or `tic-studio`) started or ended since this one looked. */
  async reloadRuns(): Promise<void> {
    if (!this.supervisor) return;
    const { records } = await this.supervisor.store.list();
    for (const record of records) this.onRun(record);
  }

  async rescan(): Promise<void> {
    if (!this.root) return;
    const settings = readRunSettings(this.root.fsPath);
    try {
      // The experiment folders our training runs write now: each is the attempt its step shows (chains.ts).
      const live = new Set(
        this.runs.flatMap((r) => (r.kind === 'train' && r.status === 'running' && r.outputDir ? [r.outputDir] : [])),
      );
      this.scanned = await scanWorkspace(this.root.fsPath, { checkout: settings.checkout, live });
      this.scanError = undefined;
    } catch (error) {
      this.scanError = error instanceof Error ? error.message : String(error);
      this.log.error(`Scanning the workspace failed: ${this.scanError}`);
    }
    this.changed.fire();
  }

  /**
   * A live run's new log lines refresh the views at most once a second: every line would rebuild the trees
   * several times a second, and a click on a row's inline action while its row is being replaced loses its target.
   */
  private liveChanged(): void {
    if (this.liveTimer) return;
    this.liveTimer = setTimeout(() => {
      this.liveTimer = undefined;
      this.changed.fire();
    }, 1000);
  }

  /**
   * One scan 400 ms after the first change, not after the last: a run appending to its out.log more often than
   * that would otherwise postpone the scan until it ends, and its new step would stay invisible while it trains.
   */
  private scheduleScan(): void {
    if (this.scanTimer) return;
    this.scanTimer = setTimeout(() => {
      this.scanTimer = undefined;
      void this.rescan();
    }, 400);
  }

  /** Starts a run now, or queues it while another run holds any of its GPUs (Slurm: submits it); resolves when it started. */
  async launch(plan: RunPlan, gpus: readonly number[] = []): Promise<RunRecord> {
    const submission = this.submit(plan, gpus);
    if (this.queue?.queued().some((q) => q.ticket === submission.id)) {
      void vscode.window.showInformationMessage(
        `${plan.label} is queued: it starts when GPU ${gpus.join(', ')} ${gpus.length === 1 ? 'is' : 'are'} free.`,
      );
    }
    return submission.started;
  }

  /** The queue's submit, with every start logged and shown (the chain schedule submits through this). */
  submit(
    plan: RunPlan,
    gpus: readonly number[],
  ): { id: string; started: Promise<RunRecord>; ended: Promise<RunRecord> } {
    if (!this.queue || !this.slurm)
      throw new Error('Open a folder first: runs are recorded in its .tic-studio/ folder.');
    let submission: { id: string; started: Promise<RunRecord>; ended: Promise<RunRecord> };
    if (plan.slurm !== undefined) {
      // Slurm queues it: TiC Studio's GPU queue is for this machine's GPUs only.
      const slurm = this.slurm;
      const started = slurm.start(plan);
      submission = {
        id: `slurm:${plan.id ?? plan.label}`,
        started,
        ended: started.then((r) => slurm.waitForEnd(r.id)),
      };
    } else {
      submission = this.queue.submit(plan, gpus);
    }
    void submission.started.then(
      (record) => {
        this.log.info(
          record.scheduler === 'slurm'
            ? `Submitted ${record.kind} run ${record.id} as Slurm job ${record.slurm?.jobId} (${record.slurm?.scriptPath})`
            : `Started ${record.kind} run ${record.id} (pid ${record.pid}): ${record.argv.join(' ')}`,
        );
        this.onRun(record);
      },
      () => undefined,
    );
    return submission;
  }

  /** Stops a local run (signals) or cancels a Slurm job (scancel); resolves with the final record. */
  async stop(id: string): Promise<RunRecord | undefined> {
    const known = this.records.get(id);
    const record = await (known ? this.schedulerOf(known) : this.supervisor)?.stop(id);
    if (record) this.onRun(record);
    return record;
  }

  /** The final record of a run, from whichever scheduler runs it. */
  async waitForEnd(record: RunRecord): Promise<RunRecord | undefined> {
    return this.schedulerOf(record)?.waitForEnd(record.id);
  }

  private schedulerOf(record: RunRecord): RunScheduler | undefined {
    return schedulerOf(record) === 'slurm' ? this.slurm : this.supervisor;
  }

  private onRun(record: RunRecord): void {
    const before = this.records.get(record.id)?.status;
    this.records.set(record.id, record);
    const scheduler = this.schedulerOf(record);
    if (record.status === 'running' && record.kind === 'train' && !this.live.has(record.id) && scheduler) {
      const stats = new LiveRunStats(() => this.liveChanged());
      // The run's own out.log has the train lines (rank 0); the console log has the same plus stdout.
      const follow = scheduler.follow(
        record.id,
        {
          onChunk: (text, source) => {
            if (source === 'console') stats.write(text);
            else if (record.outLogPath) this.logChunk.fire(record.outLogPath);
          },
        },
        { from: 'start' },
      );
      this.live.set(record.id, { stats, follow });
    }
    if (record.status !== 'running' && record.status !== 'queued') {
      this.live.get(record.id)?.follow.dispose();
      if (before === 'running' || (before === 'queued' && record.scheduler === 'slurm')) {
        this.scheduleScan();
        this.announceEnd(record);
      }
    }
    this.changed.fire();
  }

  private announceEnd(record: RunRecord): void {
    if (this.resubmitPrompt && SlurmResubmitPrompt.wantsAnswer(record)) void this.resubmitPrompt.ask(record);
    else if (record.status === 'succeeded') void vscode.window.showInformationMessage(`${record.label} finished.`);
    else if (record.status === 'failed')
      void vscode.window
        .showErrorMessage(
          `${record.label} failed: ${record.failure ? describeRunFailure(record.failure) : `exit ${record.exitCode ?? record.signal}`}`,
          'Show Log',
        )
        .then((a) => a && vscode.commands.executeCommand('ticStudio.showRunLog', record.id));
  }

  dispose(): void {
    if (this.scanTimer) clearTimeout(this.scanTimer);
    if (this.liveTimer) clearTimeout(this.liveTimer);
    for (const { follow } of this.live.values()) follow.dispose();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.logChunk.dispose();
  }
}
