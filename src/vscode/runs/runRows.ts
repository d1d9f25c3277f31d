import { shellQuoteArgv } from '../../plan/commandPlan';
import type { RunRecord } from '../../runs/model/runRecord';

// How a run shows as a row of the Runs view: its label, its short description, its tooltip and where it sits.
// Plain functions of the record and its live progress (no vscode here): the tree only wraps them.

/** What the live log tells about a training run: the last step's epoch (0-based), loss and throughput. */
export interface RunProgress {
  readonly epoch: number;
  /** The epochs the run trains, from its parameters; null when unknown. */
  readonly epochs: number | null;
  readonly loss: number | null;
  readonly samplesPerSecond: number;
}

/** Newest first (by creation), whatever their state; the id breaks ties so the order never wobbles. */
export function newestFirst(records: readonly RunRecord[]): RunRecord[] {
  return [...records].sort((a, b) =>
    a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
  );
}

/**
 * A label short enough to leave room for the description at the side bar's default width: a training run is
 * named by its step (`2017 cumulative v2`, the kind shows in its tooltip); an evaluation of a checkpoint file by
 * the file's name, not its whole path.
 */
export function shortRunLabel(record: Pick<RunRecord, 'kind' | 'label'>): string {
  const label = record.label.trim();
  if (record.kind === 'train' && /^train\s+\S/.test(label)) return label.replace(/^train\s+/, '');
  const path = /^(eval|tasklist for)\s+(.*[/\\])([^/\\]+)$/.exec(label);
  return path ? `${path[1]} ${path[3]}` : label;
}

/**
 * Each run's label, unique in the view: runs that would show the same label are told apart by their order of
 * creation, `… #2` for the second (short: the row has little room). The oldest keeps the plain label, so a new run
 * never renames an old one.
 */
export function uniqueRunLabels(records: readonly RunRecord[]): Map<string, string> {
  const byLabel = new Map<string, RunRecord[]>();
  for (const record of records) {
    const label = shortRunLabel(record);
    byLabel.set(label, [...(byLabel.get(label) ?? []), record]);
  }
  const labels = new Map<string, string>();
  for (const [label, group] of byLabel) {
    const oldestFirst = newestFirst(group).reverse();
    oldestFirst.forEach((r, i) => labels.set(r.id, i === 0 ? label : `${label} #${i + 1}`));
  }
  return labels;
}

/** The run's number among the runs of its label (`#2` → 2), 1 for the first. */
export function runNumber(viewLabel: string): number {
  return Number(/ #(\d+)$/.exec(viewLabel)?.[1] ?? 1);
}

/**
 * What fits a row of the side bar at its default width next to the label and one inline action, in characters of
 * the description (a label's character is about 1.3 of them: the description's font is smaller). Measured in the
 * e2e walk: `2017 cumulative v2` with `E2/5 · 5.28` fits, with `E2/5 · 5.28 · 4.1k/s` it does not once the row
 * shows its Stop button.
 */
export const rowBudget = 39;

/** 4.4612 → `4.46`, 0.08123 → `0.0812`, 12.34 → `12.3`: three significant digits. */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  if (loss === 0) return '0';
  const abs = Math.abs(loss);
  return abs >= 100 ? loss.toFixed(0) : loss.toPrecision(3);
}

/** Samples per second: `950/s`, `4.1k/s`, `41k/s`, `1.2M/s`. */
export function formatRate(perSecond: number): string {
  const r = Math.max(0, perSecond);
  const scaled = (v: number, unit: string): string =>
    `${v < 10 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v)}${unit}/s`;
  if (r >= 999_500) return scaled(r / 1_000_000, 'M');
  if (r >= 999.5) return scaled(r / 1000, 'k');
  return r >= 10 ? `${Math.round(r)}/s` : `${Number(r.toFixed(1))}/s`;
}

/** A duration, coarse so that a row does not change every second: `45s`, `12m`, `2h 5m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** `E3/5` (the epoch in training, 1-based, of the epochs planned), `E3` when the plan is unknown. */
export function epochText(progress: Pick<RunProgress, 'epoch' | 'epochs'>): string {
  return `E${progress.epoch + 1}${progress.epochs !== null ? `/${progress.epochs}` : ''}`;
}

const stateWords: Record<RunRecord['status'], string> = {
  queued: 'queued',
  running: 'running',
  succeeded: 'finished',
  failed: 'failed',
  stopped: 'stopped',
  lost: 'lost',
};

function durationOf(record: RunRecord, now: number): number {
  const start = Date.parse(record.startedAt ?? record.createdAt);
  const end = record.endedAt ? Date.parse(record.endedAt) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? end - start : 0;
}

/**
 * The row's description, short and stable: a training run's `E3/5 · 4.46 · 4.1k/s` (epoch, last loss, samples
 * per second) while it trains, the throughput and then the loss left out when the label leaves no room for them
 * (`budget`); otherwise its state, with how long it ran (`finished · 38m`), where it stopped (`stopped at E2/5`)
 * or why it waits (`queued (Priority)`).
 */
export function runDescription(
  record: RunRecord,
  progress: RunProgress | undefined,
  now: number,
  label = '',
  budget = Infinity,
): string {
  const room = budget - Math.ceil(label.length * 1.3);
  // The longest that fits, else the shortest: each list goes from the most said to the least.
  const fit = (...candidates: string[]): string =>
    candidates.find((c) => c.length <= room) ?? candidates[candidates.length - 1]!;
  const state = stateWords[record.status];
  const slurm = record.scheduler === 'slurm' ? record.slurm : undefined;
  const warn = slurm?.pollError ? ' · ⚠ squeue failed' : '';
  if (record.status === 'queued')
    return fit(`${state}${slurm?.reason ? ` (${slurm.reason})` : ''}${warn}`, `${state}${warn}`, state);
  if (record.status === 'running') {
    if (progress) {
      const parts = [epochText(progress)];
      if (progress.loss !== null) parts.push(formatLoss(progress.loss));
      parts.push(formatRate(progress.samplesPerSecond));
      return fit(...parts.map((_, i) => parts.slice(0, parts.length - i).join(' · ') + warn));
    }
    const ran = durationOf(record, now);
    return fit(`${state}${ran >= 60_000 ? ` · ${formatDuration(ran)}` : ''}${warn}`, `${state}${warn}`, state);
  }
  if (record.status === 'lost') return state;
  if (progress && record.status !== 'succeeded') return fit(`${state} at ${epochText(progress)}`, state);
  return fit(`${state} · ${formatDuration(durationOf(record, now))}`, state);
}

/** `Slurm job 123` · `RUNNING on gpu[01-02]` / `PENDING (Priority)` · `resubmitted 1×` · `requeued 1×`. */
export function slurmParts(record: RunRecord): string[] {
  const slurm = record.scheduler === 'slurm' ? record.slurm : undefined;
  if (!slurm) return [];
  const parts = [slurm.jobId ? `Slurm job ${slurm.jobId}` : 'Slurm: submitting'];
  if (slurm.state) {
    const where = slurm.nodes ? ` on ${slurm.nodes}` : slurm.reason ? ` (${slurm.reason})` : '';
    parts.push(`${slurm.state}${where}`);
  }
  if (slurm.resubmits > 0) parts.push(`resubmitted ${slurm.resubmits}×`);
  if (slurm.restarts) parts.push(`requeued ${slurm.restarts}×`);
  if (slurm.pollError) parts.push('⚠ squeue failed');
  return parts;
}

/**
 * The row for screen readers (and its accessible name): the run's whole label, `(simulated)`, `(run 2)` for a `#2`
 * view tells it apart so, then its state, its Slurm job and, while it trains, its epoch, loss and throughput in words.
 */
export function runAccessibleText(record: RunRecord, viewLabel: string, progress: RunProgress | undefined): string {
  const n = runNumber(viewLabel);
  const nth = n > 1 ? ` (run ${n})` : '';
  const name = `${record.label}${record.simulated ? ' (simulated)' : ''}${nth}`;
  const parts: string[] = [record.status, ...slurmParts(record)];
  if (record.status === 'running' && progress) {
    parts.push(`epoch ${progress.epoch + 1}${progress.epochs !== null ? ` of ${progress.epochs}` : ''}`);
    if (progress.loss !== null) parts.push(`loss ${formatLoss(progress.loss)}`);
    parts.push(`${formatRate(progress.samplesPerSecond).replace('/s', '')} samples per second`);
  }
  return `${name}, ${parts.join(' · ')}`;
}

/** Markdown's special characters in text that is not ours (labels, paths, messages) shown as themselves. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, (c) => `\\${c}`);
}

/** A fenced code block that text holding backticks cannot close early. */
function codeBlock(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}sh\n${text}\n${fence}`;
}

const kindWords: Record<RunRecord['kind'], string> = {
  train: 'Training run',
  eval: 'Evaluation',
  tasklist: 'Task list for an evaluation',
};

/** `14:02`, or `Dec 7, 14:02` for another day than `now`'s (the window's time zone). */
export function formatClock(iso: string, now: number): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return time;
  return `${date.toLocaleString('en-US', { month: 'short', day: 'numeric' })}, ${time}`;
}

/**
 * The tooltip, as Markdown: what kind of run, when it ran, its epoch, where it runs and writes, why it failed, and its
 * command. Nothing in it moves with every log line (the loss and the throughput are the description's): the tree
 * keeps the same tooltip while this text is unchanged, so an open hover does not flicker.
 */
export function runTooltipMarkdown(
  record: RunRecord,
  label: string,
  progress: RunProgress | undefined,
  now: number,
  failure: string | undefined,
): string {
  const lines: string[] = [];
  const simulated = record.simulated ? ' · simulated by the demo stand-in, not the real program' : '';
  lines.push(`**${escapeMarkdown(label)}** · ${kindWords[record.kind]}${simulated}`);
  const n = runNumber(label);
  lines.push(escapeMarkdown(n > 1 ? `${record.label}, run ${n} of this step` : record.label));
  const started = record.startedAt ?? record.createdAt;
  const state = stateWords[record.status];
  if (record.status === 'queued') lines.push(`Queued since ${formatClock(record.createdAt, now)}`);
  else if (record.endedAt)
    lines.push(
      `${state[0]!.toUpperCase()}${state.slice(1)} at ${formatClock(record.endedAt, now)} after ${formatDuration(durationOf(record, now))} (started ${formatClock(started, now)})`,
    );
  else lines.push(`${state[0]!.toUpperCase()}${state.slice(1)} since ${formatClock(started, now)}`);
  if (progress) {
    const of = progress.epochs !== null ? ` of ${progress.epochs}` : '';
    lines.push(`${record.status === 'running' ? 'In' : 'Reached'} epoch ${progress.epoch + 1}${of}`);
  }
  const slurm = record.scheduler === 'slurm' ? record.slurm : undefined;
  if (slurm) {
    const jobs = slurm.jobIds.length > 0 ? `Slurm job ${slurm.jobIds.join(' → ')}` : 'Slurm job not submitted yet';
    const where = slurm.state
      ? ` · ${slurm.state}${slurm.nodes ? ` on ${slurm.nodes}` : slurm.reason ? ` (${slurm.reason})` : ''}`
      : '';
    lines.push(escapeMarkdown(`${jobs}${where}`));
    const shape = `${slurm.nodesRequested} node${slurm.nodesRequested === 1 ? '' : 's'} × ${slurm.gpusPerNode} GPU${slurm.gpusPerNode === 1 ? '' : 's'}`;
    const resume = slurm.autoResume ? ` · auto-resume (${slurm.resubmits} of ${slurm.maxResubmits})` : '';
    lines.push(escapeMarkdown(`${slurm.partition ? `Partition ${slurm.partition} · ` : ''}${shape}${resume}`));
    if (slurm.pollError) lines.push(`⚠ squeue failed: ${escapeMarkdown(slurm.pollError)}`);
  } else if (record.pid !== undefined) {
    lines.push(escapeMarkdown(`Process ${record.pid} on ${record.host}`));
  }
  if (failure) lines.push(`Failed: ${escapeMarkdown(failure)}`);
  if (record.outputDir) lines.push(`Output: ${escapeMarkdown(record.outputDir)}`);
  return `${lines.join('\n\n')}\n\n${codeBlock(runCommandLine(record))}`;
}

/** The command as people would type it: `cd <folder> && <argv, quoted where needed>`. */
export function runCommandLine(record: Pick<RunRecord, 'argv' | 'cwd'>): string {
  return `cd ${shellQuoteArgv([record.cwd])} && ${shellQuoteArgv(record.argv)}`;
}
