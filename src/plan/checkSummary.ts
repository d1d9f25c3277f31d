import { basename, dirname } from 'node:path';
import type { PlanProblem, PlanProblemReason } from './planProblem';

/**
 * The checks of a plan as the launch preview lists them, one line each: the same problem for several years (or
 * months) is one line naming them; in a simulation, the checks the demo stand-in does not need fold into one line
 * naming what was not checked; a step without `epoch_latest.pt` that resumes from an older epoch's file is said.
 * Lines start with ⚠ (a warning) or ✗ (an error); `people` rewrites a planner sentence for a dialog.
 */
export function summarizeChecks(
  problems: readonly PlanProblem[],
  options: {
    readonly simulated: boolean;
    readonly checkpoint?: string | null;
    readonly people?: (s: string) => string;
  },
): string[] {
  const people = options.people ?? ((s: string) => s);
  const lines: string[] = [];
  const epoch = options.checkpoint ? /^epoch_(\d+)\.pt$/.exec(basename(options.checkpoint)) : null;
  if (epoch && options.checkpoint)
    lines.push(
      `⚠ The step it continues from has no final checkpoint (epoch_latest.pt): using epoch_${epoch[1]}.pt, the last epoch it saved.`,
    );
  const notNeeded = new Set<string>();
  const grouped = new Map<string, { mark: string; what: string; dir: string; names: string[] }>();
  for (const p of problems) {
    const mark = p.severity === 'error' ? '✗' : '⚠';
    if (options.simulated && p.severity === 'error' && !simulationBlocking.has(p.reason)) {
      notNeeded.add(checked[p.reason] ?? 'other checks');
      continue;
    }
    const per = perStep[p.reason];
    if (per !== undefined && p.path !== undefined) {
      const dir = dirname(p.path.replace(/\/+$/, ''));
      const key = `${mark}${p.reason}${dir}`;
      const group = grouped.get(key) ?? { mark, what: per, dir, names: [] };
      group.names.push(basename(p.path.replace(/\/+$/, '')));
      if (!grouped.has(key)) {
        grouped.set(key, group);
        lines.push(key);
      }
      continue;
    }
    lines.push(`${mark} ${people(plainer[p.reason]?.(p) ?? p.message)}`);
  }
  const out = lines.map((line) => {
    const group = grouped.get(line);
    return group ? `${group.mark} ${group.what} ${group.names.join(', ')} in ${group.dir}.` : line;
  });
  if (notNeeded.size > 0) out.push(`Not checked, as the simulation does not need them: ${[...notNeeded].join(', ')}.`);
  return out;
}

/** What stays blocking in a simulation: the problems that would lose or corrupt results (as forSimulation). */
export const simulationBlocking: ReadonlySet<PlanProblemReason> = new Set<PlanProblemReason>([
  'experimentExists',
  'evalOutputHasOtherResults',
]);

/** What a check looks at, for the one line of checks a simulation skips. */
const checked: Partial<Record<PlanProblemReason, string>> = {
  checkoutNotFound: 'the ml-tic-clip checkout',
  checkpointNotFound: 'the checkpoint',
  checkpointUnreadable: 'the checkpoint',
  notOpenClipCheckpoint: 'the checkpoint',
  architectureUnknown: "the checkpoint's model",
  architectureMismatch: "the checkpoint's model",
  dataDirNotFound: 'the data folders',
  dataDirHasNoShards: 'the data folders',
  imagenetValNotFound: 'the ImageNet val folder',
  unknownTaskGroup: 'the task groups',
};

/** Problems about one year's (or month's) folder: one line for all of them. */
const perStep: Partial<Record<PlanProblemReason, string>> = {
  dataDirNotFound: 'No data folder for',
  dataDirHasNoShards: 'No .tar shards in the folders',
};

/** Sentences that name command-line options, said without them. */
const plainer: Partial<Record<PlanProblemReason, (p: PlanProblem) => string>> = {
  experimentExists: (p) =>
    `${p.path ?? 'The experiment folder'} already exists: OpenCLIP would train nothing and still print "Done training.". Choose another experiment name.`,
  checkoutNotFound: (p) =>
    `${p.path ?? 'The ml-tic-clip checkout'} not found: choose an ml-tic-clip checkout (TiC Studio: Choose ml-tic-clip Checkout…).`,
  restartsReuseExperiment: () =>
    'Automatic restarts are on: a restart after the first log line would find its own experiment folder and train nothing.',
};
