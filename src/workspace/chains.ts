import type { CheckpointFile } from '../formats/checkpointFiles';
import type { EvalDir } from './evalDir';
import type { Experiment } from './experimentDir';
import type { ResumeReference } from '../formats/resumeReference';
import type { RunStatus } from './runStatus';
import type { TicScale } from '../tic/ticScales';
import { firstStepYear, trainingStepYears, type TicStrategy } from '../tic/ticTimeline';

/**
 * A chain: the training steps of one strategy × filtering × scale (contracts §1.7), one entry per step. Continual
 * chains (cumulative, sequential) have the 7 steps 2016…2022, empty where nothing was found; an oracle chain has
 * the years it trained (normally only 2022). Both continual chains start from the same 2016 model (§1.7): a chain
 * without its own 2016 experiment shows its sibling's, marked `shared` (the one its 2017 step resumed from when
 * the resume path says so).
 */
export interface Chain {
  /** `tic_medium/basic/cumulative` (`unknown` for an unknown scale or filtering). */
  readonly key: string;
  readonly strategy: TicStrategy;
  readonly scale: TicScale | null;
  readonly filtering: string | null;
  readonly steps: readonly ChainStep[];
  /** The latest year with an experiment; the next step trains lastYear + 1. */
  readonly lastYear: number | null;
}

export interface ChainStep {
  readonly year: number;
  /** The experiment's dir (the key into the workspace's experiments), null for a missing step. */
  readonly experiment: string | null;
  readonly expName: string | null;
  /** The 2016 step of the sibling chain (continual chains share their first step). */
  readonly shared: boolean;
  /** What the next step resumes from: `checkpoints/epoch_latest.pt`, else the highest `epoch_N.pt`. */
  readonly finalCheckpoint: CheckpointFile | null;
  readonly status: RunStatus | null;
  readonly statusReason: string | null;
  /** The evaluation of this step's checkpoint, when found. */
  readonly eval: ChainStepEval | null;
  /** params.txt `resume`: what this step was initialised from. */
  readonly resumedFrom: ResumeReference | null;
  /**
   * For continued steps: whether `resume` names the chain's previous step (its experiment, or the published
   * checkpoint of that year). For from-scratch steps: null when there is no resume, false when there is one.
   */
  readonly resumeMatchesChain: boolean | null;
  /** Other experiments that identify as the same chain and year (reruns); the chosen one is finished first. */
  readonly alternatives: readonly string[];
}

export interface ChainStepEval {
  readonly dir: string;
  readonly evalYears: readonly number[];
  readonly tasks: number;
  readonly checkpointFile: string | null;
  readonly matchedBy: EvalMatch['matchedBy'];
}

export interface EvalMatch {
  readonly evalDir: string;
  /** The experiment dir it evaluates, null when none matched. */
  readonly experiment: string | null;
  /**
   * - `sameDir`: eval_results.jsonl inside the experiment folder (evaluate.py's default --output_dir);
   * - `infoCheckpoint`: its info.pkl names `…/{exp_name}/checkpoints/…`;
   * - `name`: its folder is named like the experiment (`eval_results/{exp_name}/`).
   */
  readonly matchedBy: 'sameDir' | 'infoCheckpoint' | 'name' | null;
}

export interface Unchained {
  readonly experiment: string;
  readonly name: string;
  readonly reason: string;
}

export interface ChainModel {
  readonly chains: readonly Chain[];
  readonly unchained: readonly Unchained[];
  readonly evalMatches: readonly EvalMatch[];
}

export function buildChains(experiments: readonly Experiment[], evalDirs: readonly EvalDir[]): ChainModel {
  const evalMatches = matchEvalDirs(experiments, evalDirs);
  const evalByExperiment = pickEvalPerExperiment(evalMatches, evalDirs, experiments);

  const unchained: Unchained[] = [];
  const groups = new Map<
    string,
    { strategy: TicStrategy; scale: TicScale | null; filtering: string | null; byYear: Map<number, Experiment[]> }
  >();
  for (const exp of experiments) {
    const id = exp.identity;
    if (id === null) {
      unchained.push({ experiment: exp.dir, name: exp.name, reason: exp.unchainedReason ?? 'no chain rule fits' });
      continue;
    }
    const key = chainKey(id.scale, id.filtering, id.strategy);
    let group = groups.get(key);
    if (!group) {
      group = { strategy: id.strategy, scale: id.scale, filtering: id.filtering, byYear: new Map() };
      groups.set(key, group);
    }
    const list = group.byYear.get(id.year) ?? [];
    list.push(exp);
    group.byYear.set(id.year, list);
  }

  const byDir = new Map(experiments.map((e) => [e.dir, e]));
  const chains: Chain[] = [];
  for (const [key, group] of groups) {
    const chosen = new Map<number, { exp: Experiment; alternatives: string[]; shared: boolean }>();
    for (const [year, list] of group.byYear) {
      const [best, ...rest] = [...list].sort(preferredFirst);
      chosen.set(year, { exp: best!, alternatives: rest.map((e) => e.dir), shared: false });
    }
    if (group.strategy !== 'oracle' && !chosen.has(firstStepYear)) {
      const shared = sharedFirstStep(group, groups, chosen.get(firstStepYear + 1)?.exp ?? null);
      if (shared) chosen.set(firstStepYear, { exp: shared, alternatives: [], shared: true });
    }
    const years = group.strategy === 'oracle' ? [...chosen.keys()].sort((a, b) => a - b) : [...trainingStepYears];
    const steps = years.map((year): ChainStep => {
      const entry = chosen.get(year);
      if (!entry) return emptyStep(year);
      const exp = entry.exp;
      const fromScratch = group.strategy === 'oracle' || year === firstStepYear;
      const previous = chosen.get(year - 1)?.exp ?? null;
      return {
        year,
        experiment: exp.dir,
        expName: exp.name,
        shared: entry.shared,
        finalCheckpoint: exp.finalCheckpoint,
        status: exp.status.status,
        statusReason: exp.status.reason,
        eval: evalByExperiment.get(exp.dir) ?? null,
        resumedFrom: exp.resume,
        resumeMatchesChain: fromScratch
          ? exp.resume === null
            ? null
            : false
          : resumeMatches(exp.resume, previous, year - 1, group.filtering, group.strategy),
        alternatives: entry.alternatives,
      };
    });
    const present = steps.filter((s) => s.experiment !== null && byDir.has(s.experiment));
    chains.push({
      key,
      strategy: group.strategy,
      scale: group.scale,
      filtering: group.filtering,
      steps,
      lastYear: present.length === 0 ? null : present[present.length - 1]!.year,
    });
  }
  chains.sort((a, b) => a.key.localeCompare(b.key));
  return { chains, unchained, evalMatches };
}

export function chainKey(scale: string | null, filtering: string | null, strategy: TicStrategy): string {
  return `${scale ?? 'unknown'}/${filtering ?? 'unknown'}/${strategy}`;
}

function emptyStep(year: number): ChainStep {
  return {
    year,
    experiment: null,
    expName: null,
    shared: false,
    finalCheckpoint: null,
    status: null,
    statusReason: null,
    eval: null,
    resumedFrom: null,
    resumeMatchesChain: null,
    alternatives: [],
  };
}

const statusRank: Readonly<Record<RunStatus, number>> = { finished: 0, incomplete: 1, failed: 2, notStarted: 3 };

/** Finished before incomplete before failed; then more epochs; then the newer log. */
function preferredFirst(a: Experiment, b: Experiment): number {
  return (
    statusRank[a.status.status] - statusRank[b.status.status] ||
    b.status.epochsDone - a.status.epochsDone ||
    (b.status.logModifiedMs ?? 0) - (a.status.logModifiedMs ?? 0) ||
    a.dir.localeCompare(b.dir)
  );
}

function sharedFirstStep(
  group: { strategy: TicStrategy; scale: TicScale | null; filtering: string | null },
  groups: ReadonlyMap<string, { strategy: TicStrategy; byYear: Map<number, Experiment[]> }>,
  next: Experiment | null,
): Experiment | null {
  const siblings: Experiment[] = [];
  for (const strategy of ['cumulative', 'sequential'] as const) {
    if (strategy === group.strategy) continue;
    const sibling = groups.get(chainKey(group.scale, group.filtering, strategy));
    siblings.push(...(sibling?.byYear.get(firstStepYear) ?? []));
  }
  if (siblings.length === 0) return null;
  const named = next?.resume?.expName;
  return siblings.find((e) => e.name === named) ?? [...siblings].sort(preferredFirst)[0] ?? null;
}

function resumeMatches(
  ref: ResumeReference | null,
  previous: Experiment | null,
  previousYear: number,
  filtering: string | null,
  strategy: TicStrategy,
): boolean {
  if (ref === null) return false;
  if (ref.huggingFace !== null) {
    const hfStrategy =
      previousYear === firstStepYear ? ref.huggingFace.strategy !== 'oracle' : ref.huggingFace.strategy === strategy;
    return (
      ref.huggingFace.year === previousYear &&
      hfStrategy &&
      (filtering === null || ref.huggingFace.filtering === filtering)
    );
  }
  return previous !== null && ref.expName === previous.name;
}

function matchEvalDirs(experiments: readonly Experiment[], evalDirs: readonly EvalDir[]): EvalMatch[] {
  const byDir = new Map(experiments.map((e) => [e.dir, e]));
  const byName = new Map<string, Experiment>();
  for (const e of experiments) if (!byName.has(e.name)) byName.set(e.name, e);
  return evalDirs.map((ev): EvalMatch => {
    const same = byDir.get(ev.dir);
    if (same) return { evalDir: ev.dir, experiment: same.dir, matchedBy: 'sameDir' };
    const viaInfo = ev.checkpointExperiment === null ? undefined : byName.get(ev.checkpointExperiment);
    if (viaInfo) return { evalDir: ev.dir, experiment: viaInfo.dir, matchedBy: 'infoCheckpoint' };
    const viaName = byName.get(ev.name);
    if (viaName) return { evalDir: ev.dir, experiment: viaName.dir, matchedBy: 'name' };
    return { evalDir: ev.dir, experiment: null, matchedBy: null };
  });
}

/** One eval per experiment: the one that scored the final checkpoint, then the one with more tasks. */
function pickEvalPerExperiment(
  matches: readonly EvalMatch[],
  evalDirs: readonly EvalDir[],
  experiments: readonly Experiment[],
): Map<string, ChainStepEval> {
  const evalByDir = new Map(evalDirs.map((e) => [e.dir, e]));
  const expByDir = new Map(experiments.map((e) => [e.dir, e]));
  const out = new Map<string, { ev: EvalDir; match: EvalMatch; score: number }>();
  for (const match of matches) {
    if (match.experiment === null || match.matchedBy === null) continue;
    const ev = evalByDir.get(match.evalDir)!;
    const exp = expByDir.get(match.experiment)!;
    const scoresFinal = ev.checkpointFile === null || ev.checkpointFile === exp.finalCheckpoint?.name;
    const score = (scoresFinal ? 1_000_000 : 0) + ev.records.length;
    const current = out.get(match.experiment);
    if (!current || score > current.score) out.set(match.experiment, { ev, match, score });
  }
  return new Map(
    [...out].map(([dir, { ev, match }]) => [
      dir,
      {
        dir: ev.dir,
        evalYears: ev.evalYears,
        tasks: ev.records.length,
        checkpointFile: ev.checkpointFile,
        matchedBy: match.matchedBy!,
      },
    ]),
  );
}
