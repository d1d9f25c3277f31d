import { basename, dirname, join, resolve } from 'node:path';
import { parseResumeReference } from '../formats/resumeReference';
import { formatTimeStep, timescaleOfStep } from '../tic/ticTimeStep';
import type { Chain, ChainStep } from './chains';
import type { Experiment } from './experimentDir';
import { buildLineage } from './lineage';

/** What of a scan these questions read (a `Workspace` is one). */
export interface CheckpointScan {
  readonly experiments: readonly Experiment[];
  readonly chains: readonly Chain[];
  readonly monthlyChains: readonly Chain[];
}

/** A checkpoint file as a step of a chain: an experiment's `checkpoints/*.pt`, or a published `checkpoints/YEAR.pt`. */
interface Place {
  readonly chain: Chain;
  readonly step: ChainStep;
  /** 0: the step is the chain's own; higher: shared with the sibling strategy, inherited before a fork. */
  readonly rank: number;
}

/** The chains holding `path` as one of their steps, the chain whose own step it is first. */
function placesOf(scan: CheckpointScan, path: string): Place[] {
  const abs = resolve(path);
  const hub = parseResumeReference(abs)?.huggingFace ?? null;
  const expDir = basename(dirname(abs)) === 'checkpoints' ? dirname(dirname(abs)) : null;
  const places: Place[] = [];
  for (const chain of [...scan.chains, ...scan.monthlyChains]) {
    for (const step of chain.steps) {
      const mine =
        hub !== null
          ? step.published !== null && step.published.repo === hub.repo && step.published.year === hub.year
          : expDir !== null && step.experiment !== null && resolve(step.experiment) === expDir;
      if (mine) places.push({ chain, step, rank: (step.inherited ? 2 : 0) + (step.shared ? 1 : 0) });
    }
  }
  return places.sort((a, b) => a.rank - b.rank);
}

/** `epoch_3.pt` → 3; `epoch_latest.pt` last; anything else first. */
function epochOrder(file: string): number {
  if (file === 'epoch_latest.pt') return Number.MAX_SAFE_INTEGER;
  const n = /^epoch_(\d+)\.pt$/.exec(file)?.[1];
  return n === undefined ? -1 : Number(n);
}

/** Years and months on one axis: a yearly step after the months of its year. */
function stepOrder(step: number): number {
  return timescaleOfStep(step) === 'monthly' ? step : step * 100 + 99;
}

/**
 * A chain's name for people, short: its strategy, and its variant's name when it is a fork (`cumulative`,
 * `cumulative lr1e4`); with `other`, the scale and filtering too where the two chains differ in them.
 */
function chainName(chain: Chain, other?: Chain): string {
  const parts: string[] = [chain.strategy];
  if (chain.forkedFrom !== null && chain.variant !== null) parts.push(chain.variant);
  if (other !== undefined && other.filtering !== chain.filtering && chain.filtering !== null)
    parts.push(chain.filtering);
  if (other !== undefined && other.scale !== chain.scale && chain.scale !== null) parts.push(chain.scale);
  return parts.join(' ');
}

/** `epoch_latest.pt`, or `{exp}/epoch_latest.pt` / `{folder}/file` when the other file has the same name. */
function fileLabel(path: string, other: string): string {
  const name = basename(path);
  if (name !== basename(other)) return name;
  const parent = dirname(resolve(path));
  const folder = basename(parent) === 'checkpoints' ? basename(dirname(parent)) : basename(parent);
  return `${folder}/${name}`;
}

export interface DiffNames {
  /** The older checkpoint (A) and the newer (B): swapped from the caller's order when both are chain steps. */
  readonly a: string;
  readonly b: string;
  /**
   * The tab's title: `cumulative 2017 → 2018` (steps of one chain), `cumulative 2016 → sequential 2017` (of two;
   * `↔` for the same step of two chains),
   * `cumulative 2017: epoch_1.pt → epoch_latest.pt` (one step), else the file names, `a.pt ↔ b.pt`.
   */
  readonly title: string;
}

/**
 * Names a comparison of two checkpoint files by experiment and step, as people think of them, with A the older
 * step when both are steps of chains (the caller may have picked them in any order).
 */
export function diffNames(scan: CheckpointScan, first: string, second: string): DiffNames {
  const pa = placesOf(scan, first);
  const pb = placesOf(scan, second);
  if (pa.length === 0 || pb.length === 0) {
    return { a: first, b: second, title: `${fileLabel(first, second)} ↔ ${fileLabel(second, first)}` };
  }
  let [a, b, placesA, placesB] = [first, second, pa, pb];
  const yearA = pa[0]!.step.year;
  const yearB = pb[0]!.step.year;
  if (
    stepOrder(yearB) < stepOrder(yearA) ||
    (yearA === yearB && epochOrder(basename(second)) < epochOrder(basename(first)))
  ) {
    [a, b, placesA, placesB] = [second, first, pb, pa];
  }
  const stepA = formatTimeStep(placesA[0]!.step.year);
  const stepB = formatTimeStep(placesB[0]!.step.year);
  // A chain holding both: named once (the best-ranked pair, so a fork's own chain before its parent's).
  const common = placesA
    .flatMap((x) =>
      placesB.filter((y) => y.chain.key === x.chain.key).map((y) => ({ chain: x.chain, rank: x.rank + y.rank })),
    )
    .sort((x, y) => x.rank - y.rank)[0];
  if (common !== undefined) {
    const name = chainName(common.chain);
    const title =
      stepA === stepB ? `${name} ${stepA}: ${fileLabel(a, b)} → ${fileLabel(b, a)}` : `${name} ${stepA} → ${stepB}`;
    return { a, b, title };
  }
  const chainA = placesA[0]!.chain;
  const chainB = placesB[0]!.chain;
  const arrow = stepA === stepB ? '↔' : '→';
  return { a, b, title: `${chainName(chainA, chainB)} ${stepA} ${arrow} ${chainName(chainB, chainA)} ${stepB}` };
}

/** What a step's experiment resumed from, as the lineage says (contracts §1.8). */
export type ResumeParent =
  /** A checkpoint of an experiment of the workspace: the file it named, else that experiment's final one. */
  | { readonly kind: 'checkpoint'; readonly path: string }
  /** A published TiC-CLIP checkpoint (`path`: the file as the step named it, maybe on another machine). */
  | { readonly kind: 'published'; readonly repo: string; readonly year: number; readonly path: string }
  /** A file outside the workspace's experiments, or of an experiment the workspace does not have. */
  | { readonly kind: 'elsewhere'; readonly path: string }
  | { readonly kind: 'scratch' }
  /** The step has no experiment here, or its files do not say what it started from. */
  | { readonly kind: 'unknown' };

/** The checkpoint a step resumed from: the lineage's parent of its experiment. Never throws, reads no file. */
export function resumeParentOf(scan: CheckpointScan, step: ChainStep): ResumeParent {
  if (step.experiment === null) return { kind: 'unknown' };
  const dir = resolve(step.experiment);
  const own = scan.experiments.find((e) => resolve(e.dir) === dir);
  if (own === undefined) return { kind: 'unknown' };
  const parent = buildLineage(scan.experiments).parentOf.get(own.dir);
  switch (parent?.kind) {
    case 'experiment': {
      const exp = scan.experiments.find((e) => e.dir === parent.dir);
      const named = own.origin?.file;
      const file = exp?.checkpoints.find((c) => c.name === named) ?? exp?.finalCheckpoint ?? null;
      if (exp === undefined || file === null) return { kind: 'elsewhere', path: own.origin?.path ?? parent.dir };
      return { kind: 'checkpoint', path: file.path || join(exp.dir, 'checkpoints', file.name) };
    }
    case 'published':
      return { kind: 'published', repo: parent.repo, year: parent.year, path: parent.path };
    case 'external':
    case 'missing':
      return { kind: 'elsewhere', path: parent.path };
    case 'scratch':
      return { kind: 'scratch' };
    default:
      return { kind: 'unknown' };
  }
}
