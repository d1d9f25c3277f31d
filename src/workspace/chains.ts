import type { CheckpointFile } from '../formats/checkpointFiles';
import type { EvalDir } from './evalDir';
import type { Experiment } from './experimentDir';
import type { ResumeReference } from '../formats/resumeReference';
import type { RunStatus } from './runStatus';
import type { TicScale } from '../tic/ticScales';
import { firstStepYear, trainingStepYears, type TicStrategy } from '../tic/ticTimeline';
import type { TicTimescale } from '../tic/ticTimeStep';
import { previousMonth, ticMonths } from '../tic/ticMonths';
import { lineagePaths, type LineagePath, type StepSeed } from './chainPaths';
import { buildLineage, type LineageParent, type LineageProblem, type LineageRoot } from './lineage';
import { attemptBase, attemptNumber, nameVariant, paramsDifference } from './variantNames';

export type { LineageRoot } from './lineage';

/**
 * A chain: one lineage of checkpoints (contracts §1.8): a root-to-leaf path of the lineage forest (lineage.ts)
 * within one strategy × filtering × scale, one entry per step. Continual chains (cumulative, sequential) have the
 * 7 steps 2016…2022, empty where nothing was found; an oracle chain has the years it trained (normally only 2022).
 * Where a step has several children the chains fork: each path is its own chain, a **variant**; the steps before
 * the fork appear in every variant's `steps` (so its matrices are its own lineage's) and are marked `inherited` in
 * all but the first (main) variant. Both continual chains start from the same 2016 model (§1.7): a step taken from
 * the sibling strategy's experiments is marked `shared`.
 *
 * A **monthly chain** (`timescale: 'monthly'`, contracts §1.8) is the lineage of monthly steps branched off a yearly
 * step or a published checkpoint (`branch`): its steps are months (`year` holds `YYYYMM`), every TiC month from its
 * first to its last, empty where nothing was trained; the yearly steps it stands on are not among them. Monthly
 * chains are listed apart (`ChainModel.monthlyChains`), so what reads years keeps reading only years.
 */
export interface Chain {
  /**
   * Unique per chain: the group key (`tic_medium/basic/cumulative`) for the main lineage of its group; for the
   * other variants `{group}@{the exp name of its first own step}` (stable while the chain grows).
   */
  readonly key: string;
  /**
   * `tic_medium/basic/cumulative` (`unknown` for an unknown scale or filtering): the chains of one method; monthly
   * chains' groups end `/monthly`.
   */
  readonly group: string;
  readonly strategy: TicStrategy;
  /** Yearly steps, or monthly ones (then each step's `year` is a `YYYYMM` month). */
  readonly timescale: TicTimescale;
  /**
   * For a monthly chain: the yearly step it branched off: the experiment (and the yearly chain holding it, when one
   * does), or the published checkpoint (`published`: its repo). Null for yearly chains and unknown branches.
   */
  readonly branch: ChainBranch | null;
  readonly scale: TicScale | null;
  readonly filtering: string | null;
  /** The variant's name; null while its group has only this chain (nothing to tell apart). */
  readonly variant: string | null;
  /** Where the name came from: the user's rename, the exp names' suffix, params.txt keys that differ, a default. */
  readonly variantSource: 'user' | 'suffix' | 'params' | 'default' | null;
  /**
   * For people: `tic_medium/basic/cumulative`, or `tic_medium/basic/cumulative · lr1e4`; a monthly chain
   * `tic_medium/basic/sequential · monthly` (`… · monthly · from 2019` among several).
   */
  readonly label: string;
  /** The chain (key) and the year of the last step it shares with it; null for a main lineage or its own root. */
  readonly forkedFrom: { readonly chain: string; readonly year: number } | null;
  /** What the lineage's first step was initialised from. */
  readonly root: LineageRoot;
  /** Exp names of the present steps in order (a published step: `apple/TiC-CLIP-…:checkpoints/2016.pt`). */
  readonly lineage: readonly string[];
  /** Some steps were placed by the name rules, without a readable lineage (no params.txt, no log header). */
  readonly guessed: boolean;
  readonly steps: readonly ChainStep[];
  /** The latest year with an experiment; the next step trains lastYear + 1. */
  readonly lastYear: number | null;
}

export interface ChainBranch {
  readonly year: number;
  readonly chain: string | null;
  readonly expName: string | null;
  readonly published: string | null;
}

/** A published checkpoint standing as a step of a lineage rooted at it. */
export interface PublishedStep {
  readonly repo: string;
  readonly year: number;
  /** The file the lineage's first experiment resumed from (only for the root year; null for earlier years). */
  readonly path: string | null;
}

export interface ChainStep {
  readonly year: number;
  /** The experiment's dir (the key into the workspace's experiments), null for a missing or published step. */
  readonly experiment: string | null;
  readonly expName: string | null;
  /** The 2016 step of the sibling chain (continual chains share their first step). */
  readonly shared: boolean;
  /** A step before this chain's fork: it belongs to the chain in `forkedFrom`, where the tree shows it. */
  readonly inherited: boolean;
  /** The published checkpoint this lineage stands on for this year (experiment is then null). */
  readonly published: PublishedStep | null;
  /** Placed by the name rules: the experiment has no readable lineage. */
  readonly byNameRules: boolean;
  /** What the next step resumes from: `checkpoints/epoch_latest.pt`, else the highest `epoch_N.pt`. */
  readonly finalCheckpoint: CheckpointFile | null;
  readonly status: RunStatus | null;
  readonly statusReason: string | null;
  /** The evaluation of this step's checkpoint, when found. */
  readonly eval: ChainStepEval | null;
  /** params.txt `resume` (or the first start's, for a `--resume latest` restart): what this step started from. */
  readonly resumedFrom: ResumeReference | null;
  /**
   * For continued steps: whether `resume` names the chain's previous step (its experiment, or the published
   * checkpoint of that year). For from-scratch steps: null when there is no resume, false when there is one.
   */
  readonly resumeMatchesChain: boolean | null;
  /**
   * Other attempts at this step (same parent, same year, same name but for a `_runN` suffix: contracts §1.8), the
   * newest first; `experiment` is the attempt the chain shows (`attempts` says why and how they ended).
   */
  readonly alternatives: readonly string[];
  /**
   * Every attempt at this step in the order they were started (`number` 1, 2, …), the shown one among them
   * (`shown`); empty while the step has a single attempt.
   */
  readonly attempts: readonly StepAttempt[];
  /**
   * The attempt whose `checkpoints/results.jsonl` (the zero-shot evaluations training wrote) counts for this step:
   * the shown attempt's, else the newest other attempt's that has one (an attempt without results does not hide an
   * earlier attempt's). Null for a step without an experiment.
   */
  readonly zeroShotFrom: string | null;
  /** Experiments (dirs) that resumed from this step's checkpoint, in any chain: a launch from it forks. */
  readonly children: readonly string[];
}

/** One attempt at a step (contracts §1.8). */
export interface StepAttempt {
  /** The experiment folder. */
  readonly experiment: string;
  readonly expName: string;
  /** 1 for the attempt started first. */
  readonly number: number;
  /** The attempt the chain shows as the step (`ChainStep.experiment`). */
  readonly shown: boolean;
  /** A run of TiC Studio is writing it now (`BuildChainsOptions.live`). */
  readonly live: boolean;
  readonly status: RunStatus;
  /** The epoch (from 1) its log last trained in, else its highest saved epoch; null before any. */
  readonly lastEpoch: number | null;
  /** params.txt `epochs`. */
  readonly epochsPlanned: number | null;
}

export interface ChainStepEval {
  /**
   * The attempt whose evaluation this is: the shown one's (`ChainStep.experiment`), else the newest other attempt's
   * that was evaluated.
   */
  readonly experiment: string;
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
  /** The yearly chains. */
  readonly chains: readonly Chain[];
  /** The monthly chains (steps are months). */
  readonly monthlyChains: readonly Chain[];
  readonly unchained: readonly Unchained[];
  readonly evalMatches: readonly EvalMatch[];
  /** Lineages that could not be followed: a parent not in the workspace, a loop, two steps of one year. */
  readonly problems: readonly LineageProblem[];
}

export interface BuildChainsOptions {
  /** The user's variant names by chain key (variantNamesFile.ts). */
  readonly variantNames?: ReadonlyMap<string, string>;
  /**
   * Experiment folders a run of TiC Studio is writing now (the runs service knows): such an attempt is the one its
   * step shows, whatever the other attempts did.
   */
  readonly live?: ReadonlySet<string>;
}

/**
 * Groups the experiments into chains (contracts §1.8): the lineage forest (lineage.ts) per strategy × filtering ×
 * scale, each root-to-leaf path one chain (chainPaths.ts). Experiments with no readable lineage are placed by the
 * name rules (as the child of the group's preferred step of the year before), and their steps say so. Oracles are
 * not lineages (each trains from scratch): one oracle chain per name variant, the years it trained.
 */
export function buildChains(
  given: readonly Experiment[],
  evalDirs: readonly EvalDir[],
  options: BuildChainsOptions = {},
): ChainModel {
  const evalMatches = matchEvalDirs(given, evalDirs);
  const evalByExperiment = pickEvalPerExperiment(evalMatches, evalDirs, given);
  const lineage = buildLineage(given);
  const problems: LineageProblem[] = [...lineage.problems];
  const experiments = inheritIdentity(given, lineage.parentOf);

  const unchained: Unchained[] = [];
  const groups = new Map<string, Group>();
  for (const exp of experiments) {
    const id = exp.identity;
    if (id === null) {
      unchained.push({ experiment: exp.dir, name: exp.name, reason: exp.unchainedReason ?? 'no chain rule fits' });
      continue;
    }
    const key = groupKey(id.scale, id.filtering, id.strategy, id.timescale);
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        strategy: id.strategy,
        timescale: id.timescale,
        scale: id.scale,
        filtering: id.filtering,
        members: [],
      };
      groups.set(key, group);
    }
    group.members.push(exp);
  }

  const byDir = new Map(experiments.map((e) => [e.dir, e]));
  const { parentOf, guessed } = placeUnknown(experiments, lineage.parentOf, groups);
  const childrenOf = new Map<string, string[]>();
  for (const exp of [...experiments].sort((a, b) => a.name.localeCompare(b.name))) {
    const parent = parentOf.get(exp.dir);
    if (parent?.kind === 'experiment') childrenOf.set(parent.dir, [...(childrenOf.get(parent.dir) ?? []), exp.dir]);
  }
  const live = options.live ?? new Set<string>();
  const orderAttempts = (attempts: readonly Experiment[]): Experiment[] =>
    attemptsShownFirst(attempts, live, (e) => (childrenOf.get(e.dir)?.length ?? 0) > 0);
  const context: StepContext = { byDir, evalByExperiment, childrenOf, guessed, live };

  const chains: Chain[] = [];
  const monthlyChains: Chain[] = [];
  const sorted = [...groups.values()].sort((a, b) => a.key.localeCompare(b.key));
  // Yearly chains first: a monthly chain's branch names the yearly chain holding its parent step.
  const ordered = [
    ...sorted.filter((g) => g.timescale === 'yearly'),
    ...sorted.filter((g) => g.timescale === 'monthly'),
  ];
  for (const group of ordered) {
    const paths: LineagePath[] =
      group.strategy === 'oracle'
        ? oraclePaths(group.members, orderAttempts)
        : lineagePaths({ members: group.members, parentOf, childrenOf, byDir, orderAttempts });
    const keys = paths.map((path, i) => pathKey(group, path, i));
    const drafts = paths.map((_, i) => draftChain(group, paths, i, keys, context, problems, chains));
    (group.timescale === 'monthly' ? monthlyChains : chains).push(
      ...nameVariants(drafts, options.variantNames ?? new Map()),
    );
  }
  return { chains, monthlyChains, unchained, evalMatches, problems };
}

interface Group {
  readonly key: string;
  readonly strategy: TicStrategy;
  readonly timescale: TicTimescale;
  readonly scale: TicScale | null;
  readonly filtering: string | null;
  readonly members: Experiment[];
}

interface StepContext {
  readonly byDir: ReadonlyMap<string, Experiment>;
  readonly evalByExperiment: ReadonlyMap<string, ChainStepEval>;
  readonly childrenOf: ReadonlyMap<string, readonly string[]>;
  readonly guessed: ReadonlySet<string>;
  readonly live: ReadonlySet<string>;
}

/** A chain before its variant name: the key of a variant still needs the whole group's paths. */
interface Draft extends Omit<Chain, 'variant' | 'variantSource' | 'label'> {
  readonly ownExperiments: readonly Experiment[];
  readonly forkSibling: Experiment | null;
}

export function chainKey(scale: string | null, filtering: string | null, strategy: TicStrategy): string {
  return `${scale ?? 'unknown'}/${filtering ?? 'unknown'}/${strategy}`;
}

/** The group of a step: its chain key, with `/monthly` for monthly steps. */
function groupKey(
  scale: string | null,
  filtering: string | null,
  strategy: TicStrategy,
  timescale: TicTimescale,
): string {
  return `${chainKey(scale, filtering, strategy)}${timescale === 'monthly' ? '/monthly' : ''}`;
}

/**
 * A step whose own files leave the scale or filtering unknown (a variant's lr hides the scale's geometry, a name
 * without `basic`/`bestpool`) continues its parent's: the parent experiment's identity, or the published repo's
 * filtering. Parents first, so a whole lineage inherits from its root.
 */
function inheritIdentity(
  experiments: readonly Experiment[],
  parentOf: ReadonlyMap<string, LineageParent>,
): Experiment[] {
  const byDir = new Map(experiments.map((e) => [e.dir, e]));
  const resolved = new Map<string, Experiment>();
  const resolve = (exp: Experiment, depth: number): Experiment => {
    const done = resolved.get(exp.dir);
    if (done) return done;
    const id = exp.identity;
    let result = exp;
    if (id !== null && (id.scale === null || id.filtering === null) && depth < 64) {
      const parent = parentOf.get(exp.dir);
      const from = parent?.kind === 'experiment' ? byDir.get(parent.dir) : undefined;
      const parentId = from ? resolve(from, depth + 1).identity : null;
      const publishedFiltering = parent?.kind === 'published' ? /TiC-CLIP-(\w+)-/.exec(parent.repo)?.[1] : undefined;
      const scale = id.scale ?? parentId?.scale ?? null;
      const filtering = id.filtering ?? parentId?.filtering ?? publishedFiltering ?? null;
      if (scale !== id.scale || filtering !== id.filtering) {
        const notes = [
          ...id.notes,
          `scale and filtering as its lineage's (${scale ?? 'unknown'}, ${filtering ?? 'unknown'})`,
        ];
        result = { ...exp, identity: { ...id, scale, filtering, notes } };
      }
    }
    resolved.set(exp.dir, result);
    return result;
  };
  return experiments.map((e) => resolve(e, 0));
}

/**
 * The parent of each experiment whose lineage nobody wrote down (no params.txt, no log header), by the name rules:
 * the first step and oracles are roots; any other step continues the group's preferred step of the nearest earlier
 * year (the sibling strategy's 2016 step when the group has none), as TiC Studio grouped chains before lineages.
 */
function placeUnknown(
  experiments: readonly Experiment[],
  known: ReadonlyMap<string, LineageParent>,
  groups: ReadonlyMap<string, Group>,
): { parentOf: Map<string, LineageParent>; guessed: Set<string> } {
  const parentOf = new Map(known);
  const guessed = new Set<string>();
  const ordered = experiments.filter((e) => e.identity !== null).sort((a, b) => a.identity!.year - b.identity!.year);
  for (const exp of ordered) {
    if (parentOf.get(exp.dir)?.kind !== 'unknown') continue;
    const id = exp.identity!;
    guessed.add(exp.dir);
    if (id.strategy === 'oracle' || id.firstStep) {
      parentOf.set(exp.dir, { kind: 'scratch' });
      continue;
    }
    const group = groups.get(groupKey(id.scale, id.filtering, id.strategy, id.timescale));
    let pick: Experiment | undefined;
    if (id.timescale === 'monthly') {
      // The group's nearest earlier month; a first month without a readable lineage stays a root (branch unknown).
      for (let month = previousMonth(id.year); month !== null && pick === undefined; month = previousMonth(month)) {
        pick = [...(group?.members ?? []).filter((e) => e.identity!.year === month)].sort(mainFirst)[0];
      }
      if (pick !== undefined) parentOf.set(exp.dir, { kind: 'experiment', dir: pick.dir, matchedBy: 'name' });
      continue;
    }
    for (let year = id.year - 1; year >= firstStepYear && pick === undefined; year--) {
      let candidates = (group?.members ?? []).filter((e) => e.identity!.year === year);
      if (candidates.length === 0 && year === firstStepYear) {
        const sibling = groups.get(
          chainKey(id.scale, id.filtering, id.strategy === 'cumulative' ? 'sequential' : 'cumulative'),
        );
        candidates = (sibling?.members ?? []).filter((e) => e.identity!.firstStep);
      }
      pick = [...candidates].sort(mainFirst)[0];
    }
    if (pick !== undefined) parentOf.set(exp.dir, { kind: 'experiment', dir: pick.dir, matchedBy: 'name' });
  }
  return { parentOf, guessed };
}

/** A name without a variant first, then the preferred run. */
function mainFirst(a: Experiment, b: Experiment): number {
  return Number(nameVariant(a.name) !== null) - Number(nameVariant(b.name) !== null) || preferredFirst(a, b);
}

/** Oracles train from scratch: one chain per name variant, one step per year, the runs of a year its attempts. */
function oraclePaths(
  members: readonly Experiment[],
  orderAttempts: (attempts: readonly Experiment[]) => Experiment[],
): LineagePath[] {
  const byVariant = new Map<string, Experiment[]>();
  for (const exp of [...members].sort(mainFirst)) {
    const variant = nameVariant(exp.name) ?? '';
    byVariant.set(variant, [...(byVariant.get(variant) ?? []), exp]);
  }
  return [...byVariant.values()].map((list) => {
    const byYear = new Map<number, Experiment[]>();
    for (const exp of list) byYear.set(exp.identity!.year, [...(byYear.get(exp.identity!.year) ?? []), exp]);
    const seeds = [...byYear.entries()]
      .sort(([a], [b]) => a - b)
      .map(([year, attempts]): StepSeed => {
        const [chosen, ...alternatives] = orderAttempts(attempts);
        return { kind: 'node', node: { year, chosen: chosen!, alternatives, parent: { kind: 'scratch' } } };
      });
    return { seeds, firstOwn: 0, forkedFrom: null, root: { kind: 'scratch' } };
  });
}

/**
 * A chain's key: the group's for its main lineage (the first path), else `{group}@{exp name of its first own
 * step}`; a second tree may start with another group's or a published step, so the first own experiment is looked
 * for. The name without its attempt marker (`_run2`): a retry of that step, shown instead, keeps the key (and the
 * user's name for the variant).
 */
function pathKey(group: Group, path: LineagePath, index: number): string {
  const firstOwnSeed = path.seeds.slice(path.firstOwn).find((seed) => seed.kind === 'node');
  const firstOwnNode = firstOwnSeed?.kind === 'node' ? firstOwnSeed.node : null;
  return index === 0 || firstOwnNode === null ? group.key : `${group.key}@${attemptBase(firstOwnNode.chosen.name)}`;
}

function draftChain(
  group: Group,
  paths: readonly LineagePath[],
  index: number,
  keys: readonly string[],
  context: StepContext,
  problems: LineageProblem[],
  yearlyChains: readonly Chain[],
): Draft {
  const full = paths[index]!;
  const monthly = group.timescale === 'monthly';
  const path = monthly ? monthlyPart(full) : full;
  const key = keys[index]!;
  // Two monthly lineages that only share the yearly step they branched off are siblings, not a fork.
  const forked = monthly && path.forkedFrom !== null && path.forkedFrom.year < 100000 ? null : path.forkedFrom;

  // One seed per year; a lineage that trains a year twice keeps the later step and says so.
  const byYear = new Map<number, { seed: StepSeed; inherited: boolean }>();
  path.seeds.forEach((seed, i) => {
    const year = seedYear(seed);
    const earlier = byYear.get(year);
    if (earlier && earlier.seed.kind !== 'published') {
      const dir = seed.kind === 'node' ? seed.node.chosen.dir : seed.kind === 'foreign' ? seed.exp.dir : '';
      problems.push({
        dir,
        message: `${seedName(seed)} trains ${year} again on top of ${seedName(earlier.seed)}: only the later step is shown in its chain.`,
      });
    }
    byYear.set(year, { seed, inherited: forked !== null && i < path.firstOwn });
  });
  const present = [...byYear.keys()].sort((a, b) => a - b);
  const years =
    group.strategy === 'oracle'
      ? present
      : monthly
        ? ticMonths.filter((m) => m >= present[0]! && m <= present[present.length - 1]!)
        : [...trainingStepYears];
  const steps = years.map((year): ChainStep => {
    const entry = byYear.get(year);
    if (!entry) return emptyChainStep(year);
    const previousSeed = monthly ? full.seeds[full.seeds.indexOf(entry.seed) - 1] : byYear.get(year - 1)?.seed;
    return stepOf(group, entry.seed, entry.inherited, previousSeed ?? null, context);
  });
  const own = path.seeds.slice(path.firstOwn).flatMap((s) => (s.kind === 'node' ? [s.node.chosen] : []));
  const trained = steps.filter((s) => s.experiment !== null);
  const forkSiblingSeed =
    forked === null
      ? undefined
      : paths[forked.path]?.seeds.find((s) => seedYear(s) === seedYear(path.seeds[path.firstOwn]!));
  return {
    key,
    group: group.key,
    strategy: group.strategy,
    timescale: group.timescale,
    branch: monthly ? branchOf(full, yearlyChains) : null,
    scale: group.scale,
    filtering: group.filtering,
    forkedFrom: forked === null ? null : { chain: keys[forked.path]!, year: forked.year },
    root: full.root,
    lineage: full.seeds.map(seedName),
    guessed: steps.some((s) => s.byNameRules),
    steps,
    lastYear: trained.length === 0 ? null : trained[trained.length - 1]!.year,
    ownExperiments: own,
    forkSibling: forkSiblingSeed?.kind === 'node' ? forkSiblingSeed.node.chosen : null,
  };
}

function stepOf(
  group: Group,
  seed: StepSeed,
  inherited: boolean,
  previousSeed: StepSeed | null,
  context: StepContext,
): ChainStep {
  if (seed.kind === 'published') {
    return {
      ...emptyChainStep(seed.year),
      inherited,
      published: { repo: seed.repo, year: seed.year, path: seed.path },
    };
  }
  const exp = seed.kind === 'node' ? seed.node.chosen : seed.exp;
  const alternatives = seed.kind === 'node' ? seed.node.alternatives : [];
  // The shown attempt's results, else the newest other attempt's that has some (alternatives are newest first).
  const evaluated = [exp, ...alternatives].find((e) => context.evalByExperiment.has(e.dir));
  const zeroShot = [exp, ...alternatives].find((e) => e.files.resultsJsonl !== null) ?? exp;
  const fromScratch = group.strategy === 'oracle' || exp.identity?.firstStep === true;
  const year = seedYear(seed);
  const previous =
    previousSeed?.kind === 'node'
      ? previousSeed.node.chosen
      : previousSeed?.kind === 'foreign'
        ? previousSeed.exp
        : null;
  return {
    year,
    experiment: exp.dir,
    expName: exp.name,
    shared: seed.kind === 'foreign',
    inherited,
    published: null,
    byNameRules: context.guessed.has(exp.dir),
    finalCheckpoint: exp.finalCheckpoint,
    status: exp.status.status,
    statusReason: exp.status.reason,
    eval: evaluated === undefined ? null : context.evalByExperiment.get(evaluated.dir)!,
    resumedFrom: exp.origin,
    resumeMatchesChain: fromScratch
      ? exp.origin === null
        ? null
        : false
      : group.timescale === 'monthly'
        ? monthlyResumeMatches(exp.origin, previous, previousSeed?.kind === 'published' ? previousSeed.year : null)
        : resumeMatches(exp.origin, previous, year - 1, group.filtering, group.strategy),
    alternatives: alternatives.map((e) => e.dir),
    attempts: alternatives.length === 0 ? [] : stepAttempts(exp, alternatives, context.live),
    zeroShotFrom: zeroShot.dir,
    children: [exp, ...alternatives].flatMap((e) => context.childrenOf.get(e.dir) ?? []),
  };
}

/**
 * Names the variants of one group: while it has one chain, none; else the user's name, else the exp names' suffix
 * (`…_2017_lr1e4` → `lr1e4`), else for a monthly chain where it branched off (`from 2019`, `from published 2022`),
 * else for the main lineage `baseline`, for a lineage on a published checkpoint
 * `from published YEAR`, else the method keys its params.txt changes against the chain it forked from
 * (`lr 1e-4`), else `variant N`. Names are made unique within the group.
 */
function nameVariants(keyed: readonly Draft[], userNames: ReadonlyMap<string, string>): Chain[] {
  if (keyed.length === 1) {
    const { ownExperiments: _o, forkSibling: _f, ...chain } = keyed[0]!;
    return [{ ...chain, variant: null, variantSource: null, label: groupLabel(chain) }];
  }
  const used = new Set<string>();
  return keyed.map((draft, i) => {
    const { ownExperiments, forkSibling, ...chain } = draft;
    const user = userNames.get(chain.key);
    const suffix = ownExperiments.map((e) => nameVariant(e.name)).find((v) => v !== null) ?? null;
    const firstOwn = ownExperiments[0] ?? null;
    let variant: string;
    let source: Chain['variantSource'];
    if (user !== undefined) [variant, source] = [user, 'user'];
    else if (suffix !== null) [variant, source] = [suffix, 'suffix'];
    else if (chain.branch !== null && chain.forkedFrom === null)
      [variant, source] = [
        `from ${chain.branch.published !== null ? 'published ' : ''}${chain.branch.year}`,
        'default',
      ];
    else if (i === 0) [variant, source] = ['baseline', 'default'];
    else if (chain.root.kind === 'published' && chain.forkedFrom === null)
      [variant, source] = [`from published ${chain.root.year}`, 'default'];
    else {
      const diff = paramsDifference(
        firstOwn?.params ?? null,
        (forkSibling ?? keyed[0]!.ownExperiments[0])?.params ?? null,
      );
      [variant, source] = diff !== null ? [diff, 'params'] : [`variant ${i + 1}`, 'default'];
    }
    let unique = variant;
    for (let n = 2; used.has(unique); n++) unique = `${variant} (${n})`;
    used.add(unique);
    return { ...chain, variant: unique, variantSource: source, label: `${groupLabel(chain)} · ${unique}` };
  });
}

/** `tic_medium/basic/cumulative`, or `tic_medium/basic/sequential · monthly` for a monthly group. */
function groupLabel(chain: Pick<Chain, 'scale' | 'filtering' | 'strategy' | 'timescale'>): string {
  const key = chainKey(chain.scale, chain.filtering, chain.strategy);
  return chain.timescale === 'monthly' ? `${key} · monthly` : key;
}

function seedYear(seed: StepSeed): number {
  return seed.kind === 'node' ? seed.node.year : seed.kind === 'foreign' ? seed.exp.identity!.year : seed.year;
}

function seedName(seed: StepSeed): string {
  if (seed.kind === 'node') return seed.node.chosen.name;
  if (seed.kind === 'foreign') return seed.exp.name;
  return `${seed.repo}:checkpoints/${seed.year}.pt`;
}

/** A step nothing was found for (also what tests build chains from). */
export function emptyChainStep(year: number): ChainStep {
  return {
    year,
    experiment: null,
    expName: null,
    shared: false,
    inherited: false,
    published: null,
    byNameRules: false,
    finalCheckpoint: null,
    status: null,
    statusReason: null,
    eval: null,
    resumedFrom: null,
    resumeMatchesChain: null,
    alternatives: [],
    attempts: [],
    zeroShotFrom: null,
    children: [],
  };
}

/**
 * The attempts at one step (contracts §1.8), the one the chain shows first, then the others newest first. Shown:
 * an attempt a run of TiC Studio is writing now; else the attempt the lineage went on from (a later step resumed
 * from its checkpoint); else the newest attempt that started (its log has a line or it saved a checkpoint), but a
 * newest one that failed does not hide an earlier attempt that finished. An attempt still training on a cluster
 * is the newest one, so it is shown from its first log line, before it saves a checkpoint.
 */
function attemptsShownFirst(
  attempts: readonly Experiment[],
  live: ReadonlySet<string>,
  continued: (exp: Experiment) => boolean,
): Experiment[] {
  const newestFirst = [...attempts].sort(startedEarlierFirst).reverse();
  const started = newestFirst.filter((e) => e.status.status !== 'notStarted');
  const newest = started[0] ?? newestFirst[0]!;
  const shown =
    newestFirst.find((e) => live.has(e.dir)) ??
    newestFirst.find(continued) ??
    (newest.status.status === 'failed' ? started.find((e) => e.status.status === 'finished') : undefined) ??
    newest;
  return [shown, ...newestFirst.filter((e) => e !== shown)];
}

/**
 * Start order: by when the attempt's out.log was last written (params.txt's time without a log), then by the
 * attempt number in its name (`_run3` after `_run2` after none). Attempts at one step run one after the other,
 * so the log written last is the attempt started last; the time is a stat the scan already has (a long log's
 * first lines, where its start time is, are not read), evaluating a checkpoint does not change it (it does change
 * the folder's time: evaluate.py may write into the experiment folder), and copies that keep times keep it.
 */
function startedEarlierFirst(a: Experiment, b: Experiment): number {
  const written = (e: Experiment): number => e.status.logModifiedMs ?? e.files.paramsTxt?.modifiedMs ?? 0;
  return written(a) - written(b) || attemptNumber(a.name) - attemptNumber(b.name) || a.dir.localeCompare(b.dir);
}

function stepAttempts(shown: Experiment, others: readonly Experiment[], live: ReadonlySet<string>): StepAttempt[] {
  return [shown, ...others].sort(startedEarlierFirst).map((e, i): StepAttempt => ({
    experiment: e.dir,
    expName: e.name,
    number: i + 1,
    shown: e === shown,
    live: live.has(e.dir),
    status: e.status.status,
    lastEpoch:
      e.status.lastStep !== null ? e.status.lastStep.epoch + 1 : e.status.epochsDone > 0 ? e.status.epochsDone : null,
    epochsPlanned: e.status.epochsPlanned,
  }));
}

/**
 * How an attempt went, for people: `running`, `finished`, `failed at epoch 3`, `stopped at epoch 2`, `stopped
 * before its first step`, `not started`. An attempt that is not shown and has no end in its log was stopped (a
 * newer attempt was started after it); the shown one without an end may still be running (`training`).
 */
export function attemptState(attempt: StepAttempt): string {
  const at = attempt.lastEpoch === null ? null : `at epoch ${attempt.lastEpoch}`;
  switch (attempt.status) {
    case 'finished':
      return 'finished';
    case 'failed':
      return at === null ? 'failed' : `failed ${at}`;
    case 'notStarted':
      return 'not started';
    case 'incomplete':
      if (attempt.live) return at === null ? 'running' : `running, ${at.replace('at ', '')}`;
      if (attempt.shown) return at === null ? 'training' : `training, ${at.replace('at ', '')}`;
      return at === null ? 'stopped before its first step' : `stopped ${at}`;
  }
}

/** `attempt 1 · stopped at epoch 2`. */
export function attemptLabel(attempt: StepAttempt): string {
  return `attempt ${attempt.number} · ${attemptState(attempt)}`;
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

/**
 * A monthly step continues the step before it in its lineage: the previous month, or for its first month the
 * yearly experiment or published checkpoint it branched off.
 */
function monthlyResumeMatches(
  ref: ResumeReference | null,
  previous: Experiment | null,
  publishedYear: number | null,
): boolean {
  if (ref === null) return false;
  if (ref.huggingFace !== null) return publishedYear !== null && ref.huggingFace.year === publishedYear;
  return previous !== null && ref.expName === previous.name;
}

/** A monthly path without the yearly steps it stands on (`firstOwn` and the fork re-indexed). */
function monthlyPart(path: LineagePath): LineagePath {
  const isMonth = (seed: StepSeed): boolean => seedYear(seed) >= 100000;
  const seeds = path.seeds.filter(isMonth);
  const firstOwn = path.seeds.slice(0, path.firstOwn).filter(isMonth).length;
  return { ...path, seeds, firstOwn };
}

/** The yearly step a monthly path starts from: the last yearly seed before its first month. */
function branchOf(path: LineagePath, yearlyChains: readonly Chain[]): ChainBranch | null {
  const firstMonth = path.seeds.findIndex((seed) => seedYear(seed) >= 100000);
  const seed = firstMonth > 0 ? path.seeds[firstMonth - 1]! : undefined;
  if (seed === undefined) return null;
  if (seed.kind === 'published') return { year: seed.year, chain: null, expName: null, published: seed.repo };
  const exp = seed.kind === 'node' ? seed.node.chosen : seed.exp;
  const holds = (c: Chain): boolean =>
    c.steps.some((s) => s.experiment === exp.dir || s.alternatives.includes(exp.dir));
  const owner = yearlyChains.find((c) => holds(c) && c.steps.every((s) => s.experiment !== exp.dir || !s.inherited));
  return {
    year: seedYear(seed),
    chain: (owner ?? yearlyChains.find(holds))?.key ?? null,
    expName: exp.name,
    published: null,
  };
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
        experiment: dir,
        dir: ev.dir,
        evalYears: ev.evalYears,
        tasks: ev.records.length,
        checkpointFile: ev.checkpointFile,
        matchedBy: match.matchedBy!,
      },
    ]),
  );
}
