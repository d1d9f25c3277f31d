import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isFinalStatus, isValidRunId, RunRecordError, type RunRecord } from '../runs/model/runRecord';
import { RunRecordStore, runRecordsDir } from '../runs/model/runRecordStore';
import { SlurmCommands } from '../runs/slurm/slurmCommands';
import { SlurmError } from '../runs/model/slurmError';
import { SlurmScheduler } from '../runs/slurm/slurmScheduler';
import { Supervisor } from '../runs/local/supervisor';
import { SupervisorError } from '../runs/local/supervisorError';
import { UsageError, type CliIo } from './common/cliIo';
import { terminalSafe } from './common/terminalSafe';

export const stopUsage = `Usage: tic-studio stop RUN_ID [WORKSPACE] [--json]

Stops a run TiC Studio started in a workspace (default: the current folder), as the Runs view's Stop does: for a
run on this machine SIGINT to its process group, SIGTERM after 10 s, SIGKILL after 10 s more, workers that left
the group included; for a Slurm job scancel. For a terminal whose VS Code window is gone.

Only a run TiC Studio can prove it started is signalled: its processes carry a secret that TiC Studio keeps in your
state folder (~/.local/state/tic-studio), never in the workspace, and its job ids are recorded there. A record
that fails the proof (copied from elsewhere, edited, or planted) is refused and nothing is signalled.
  --json   {id, status, stopSignals, exitCode, signal} or {id, refused, reason, message}

Exit status: 0 stopped (or it had already ended), 1 no such run or it could not be stopped, 2 usage,
3 refused: TiC Studio cannot prove the run is its own.`;

export async function stopCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [id, workspace, ...extra] = positionals;
  if (id === undefined) throw new UsageError('expects a RUN_ID (tic-studio runs lists them).');
  if (extra.length > 0) throw new UsageError('expects RUN_ID and at most one WORKSPACE folder (see --help).');
  if (!isValidRunId(id)) throw new UsageError(`'${terminalSafe(id)}' is not a run id (tic-studio runs lists them).`);
  const root = resolve(workspace ?? '.');
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const fail = (code: number, reason: string, message: string): number => {
    if (values.json) say(JSON.stringify({ id, refused: code === 3, reason, message }));
    else io.stderr.write(`tic-studio stop: ${terminalSafe(message)}\n`);
    return code;
  };

  const found = await new RunRecordStore(runRecordsDir(root)).read(id);
  if (found === undefined) return fail(1, 'notFound', `no run ${id} in ${root}/.tic-studio/runs.`);
  if (found instanceof RunRecordError) return fail(1, 'badRecord', `${found.path ?? id}: ${found.message}`);
  if (isFinalStatus(found.status)) return done(found, true);

  // Not trusted to start or submit anything (no window decided that); allowed to stop what it can prove is its own.
  const scheduler =
    found.scheduler === 'slurm'
      ? new SlurmScheduler({
          workspaceRoot: root,
          isTrusted: () => false,
          mayStop: () => true,
          commands: new SlurmCommands(),
        })
      : new Supervisor({ workspaceRoot: root, isTrusted: () => false, mayStop: () => true });
  // The schedulers' timers are unref'd (a window never waits for them); this command waits for the run to end.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    const next: Record<string, string> = {
      SIGINT: 'SIGTERM follows in 10 s if the run does not end',
      SIGTERM: 'SIGKILL follows in 10 s if the run does not end',
      SIGKILL: 'waiting for the processes to go',
    };
    const stopped =
      scheduler instanceof Supervisor
        ? await scheduler.stop(id, {
            // Progress goes to stderr, only once the run is proven to be ours (a refusal is one line).
            onSignal: (signal, pgid) => {
              if (!values.json) io.stderr.write(`sent ${signal} to process group ${pgid}; ${next[signal]}…\n`);
            },
          })
        : await scheduler.stop(id);
    return done(stopped, false);
  } catch (error) {
    if (SupervisorError.is(error, 'notOwned') || (error instanceof SlurmError && error.reason === 'notOwned'))
      return fail(3, 'notOwned', `refused to stop ${id}: ${error.message}`);
    if (SupervisorError.is(error, 'otherHost')) return fail(3, 'otherHost', `refused to stop ${id}: ${error.message}`);
    if (SupervisorError.is(error) || error instanceof SlurmError)
      return fail(1, error.reason, `could not stop ${id}: ${error.message}`);
    throw error;
  } finally {
    clearInterval(keepAlive);
    scheduler.dispose();
  }

  function done(record: RunRecord, already: boolean): number {
    if (values.json) {
      say(
        JSON.stringify({
          id: record.id,
          status: record.status,
          stopSignals: record.stopSignals ?? [],
          exitCode: record.exitCode ?? null,
          signal: record.signal ?? null,
        }),
      );
    } else if (already) {
      say(`${record.id} had already ended (${record.status}); nothing was signalled.`);
    } else {
      const signals = record.stopSignals?.length ? `: ${record.stopSignals.join(' → ')}` : '';
      say(`${terminalSafe(record.label)} (${record.id}) ${record.status}${signals}`);
    }
    return 0;
  }
}
