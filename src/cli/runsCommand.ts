import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunRecord } from '../runs/model/runRecord';
import { SlurmCommands } from '../runs/slurm/slurmCommands';
import { SlurmScheduler } from '../runs/slurm/slurmScheduler';
import { Supervisor } from '../runs/local/supervisor';
import { UsageError, type CliIo } from './common/cliIo';
import { table } from './common/table';
import type { Workspace } from '../workspace/workspaceScan';
import { scanCliWorkspace } from './common/cliWorkspace';

export const runsUsage = `Usage: tic-studio runs [WORKSPACE] [--json]

The training and evaluation runs TiC Studio started in a workspace (its .tic-studio/runs/ records; default: the
current folder), newest first, with their state: local runs and Slurm jobs. Runs that ended while no VS Code
window was open are brought up to date from their exit files, and Slurm runs with one squeue look (the same checks
a window does when it opens); nothing is started, submitted or cancelled.
  --json   [{id, kind, label, status, scheduler, slurm, simulated, pid, host, startedAt, endedAt, exitCode, signal,
           failure, argv, cwd, logPath, outputDir, chain: {key, variant, label, lineage, forkedFrom, year} | null}]:
           chain is the lineage whose step the run trained or evaluated (null before the step is on disk)`;

export async function runsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 1) throw new UsageError('expects at most one WORKSPACE folder (see --help).');
  const root = resolve(positionals[0] ?? '.');
  // Never trusted: this command only reads (and updates records of runs that already ended).
  const supervisor = new Supervisor({ workspaceRoot: root, isTrusted: () => false });
  const slurm = new SlurmScheduler({ workspaceRoot: root, isTrusted: () => false, commands: new SlurmCommands() });
  try {
    await supervisor.reattach();
    const look = await slurm.refresh();
    if (look.error)
      io.stderr.write(`tic-studio runs: Slurm did not answer; its runs show their last known state: ${look.error}\n`);
    const { records, problems } = await supervisor.store.list();
    for (const p of problems) io.stderr.write(`tic-studio runs: ${p.path}: ${p.error.message}\n`);
    const runs = [...records].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (values.json) {
      const workspace = await scanCliWorkspace(root);
      io.stdout.write(
        `${JSON.stringify(
          runs.map((r) => summary(r, workspace)),
          null,
          2,
        )}\n`,
      );
    } else io.stdout.write(describe(root, runs));
    return 0;
  } finally {
    supervisor.dispose();
    slurm.dispose();
  }
}

/**
 * The chain (lineage) a run trained or evaluated a step of: the one that owns the step (not a variant that only
 * inherits it), found by the run's output folder; null when the workspace has no such step (yet).
 */
function chainOf(r: RunRecord, workspace: Workspace): Record<string, unknown> | null {
  const dir = r.outputDir;
  if (dir === undefined) return null;
  for (const chain of [...workspace.chains, ...workspace.monthlyChains]) {
    const step = chain.steps.find((s) => !s.inherited && !s.shared && (s.experiment === dir || s.eval?.dir === dir));
    if (step) {
      return {
        key: chain.key,
        variant: chain.variant,
        label: chain.label,
        lineage: chain.lineage,
        forkedFrom: chain.forkedFrom,
        year: step.year,
      };
    }
  }
  return null;
}

function summary(r: RunRecord, workspace: Workspace): Record<string, unknown> {
  return {
    id: r.id,
    kind: r.kind,
    label: r.label,
    status: r.status,
    scheduler: r.scheduler ?? 'local',
    slurm: r.slurm ?? null,
    simulated: r.simulated,
    pid: r.pid ?? null,
    host: r.host,
    startedAt: r.startedAt ?? null,
    endedAt: r.endedAt ?? null,
    exitCode: r.exitCode ?? null,
    signal: r.signal ?? null,
    failure: r.failure ?? null,
    argv: r.argv,
    cwd: r.cwd,
    logPath: r.logPath,
    outputDir: r.outputDir ?? null,
    chain: chainOf(r, workspace),
  };
}

function describe(root: string, runs: RunRecord[]): string {
  if (runs.length === 0) return `No runs recorded in ${root}/.tic-studio/runs.\n`;
  return table(
    ['id', 'kind', 'status', 'where', 'started', 'label'],
    runs.map((r) => [
      r.id,
      r.kind,
      `${r.status}${r.failure ? ` (${r.failure.reason})` : ''}`,
      r.scheduler === 'slurm'
        ? `slurm ${r.slurm?.jobId ?? '-'} ${r.slurm?.state ?? ''}${r.slurm?.nodes ? ` ${r.slurm.nodes}` : ''}`.trim()
        : r.host,
      r.startedAt ?? '-',
      `${r.label}${r.simulated ? ' (simulated)' : ''}`,
    ]),
  );
}
