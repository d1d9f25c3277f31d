import { resolve } from 'node:path';
import type { Experiment } from './experimentDir';
import type { ResumeReference } from '../formats/resumeReference';

/** What one experiment started from (contracts §1.8). */
export type LineageParent =
  /** An experiment of the workspace: the folder the path names (`path`), or one of that name elsewhere (`name`). */
  | { readonly kind: 'experiment'; readonly dir: string; readonly matchedBy: 'path' | 'name' }
  | { readonly kind: 'published'; readonly repo: string; readonly year: number; readonly path: string }
  | { readonly kind: 'external'; readonly path: string }
  /** Names an experiment folder (`…/{exp}/checkpoints/…`) that the workspace does not have. */
  | { readonly kind: 'missing'; readonly path: string; readonly expName: string }
  | { readonly kind: 'scratch' }
  /** Neither params.txt nor out.log says: the chain rules place it by name (chains.ts). */
  | { readonly kind: 'unknown' };

/** What a lineage starts from. */
export type LineageRoot =
  | { readonly kind: 'scratch' }
  /** A published TiC-CLIP checkpoint (Hub cache path or a local copy of the repo, contracts §6.1). */
  | { readonly kind: 'published'; readonly repo: string; readonly year: number; readonly path: string }
  /** A checkpoint outside the workspace's experiments. */
  | { readonly kind: 'external'; readonly path: string }
  /** An experiment named by `resume` that is not in the workspace (reported as a problem). */
  | { readonly kind: 'missing'; readonly path: string };

export interface LineageProblem {
  /** The experiment folder concerned. */
  readonly dir: string;
  readonly message: string;
}

/** The experiment-level lineage forest of one scan. */
export interface Lineage {
  readonly parentOf: ReadonlyMap<string, LineageParent>;
  readonly problems: readonly LineageProblem[];
}

/**
 * Builds the lineage forest from what each experiment says it started from (`Experiment.origin`: params.txt
 * `resume`, or the first start's for a restart). A path into `{exp}/checkpoints/` is that experiment when the
 * folder is in the workspace, else the experiment of that name (the run had another prefix on another machine;
 * the one holding the named file wins); a published TiC-CLIP file is a published root; anything else is external.
 * An experiment that names itself is a restart, never its own parent. Cycles are cut and reported; a parent
 * named but not found is reported. Never throws.
 */
export function buildLineage(experiments: readonly Experiment[]): Lineage {
  const byDir = new Map(experiments.map((e) => [resolve(e.dir), e]));
  const byName = new Map<string, Experiment[]>();
  for (const e of experiments) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  const problems: LineageProblem[] = [];
  const parentOf = new Map<string, LineageParent>();

  for (const exp of experiments) {
    const parent = exp.originKnown ? resolveParent(exp, exp.origin, byDir, byName) : { kind: 'unknown' as const };
    if (parent.kind === 'missing') {
      problems.push({
        dir: exp.dir,
        message: `${exp.name} started from ${parent.path}, but no experiment ${parent.expName} is in the workspace: its lineage starts there.`,
      });
    }
    parentOf.set(exp.dir, parent);
  }
  cutCycles(experiments, parentOf, problems);

  return { parentOf, problems };
}

function resolveParent(
  exp: Experiment,
  ref: ResumeReference | null,
  byDir: ReadonlyMap<string, Experiment>,
  byName: ReadonlyMap<string, readonly Experiment[]>,
): LineageParent {
  if (ref === null) return { kind: 'scratch' };
  if (ref.huggingFace !== null) {
    return { kind: 'published', repo: ref.huggingFace.repo, year: ref.huggingFace.year, path: ref.path };
  }
  if (ref.expName === null) return { kind: 'external', path: ref.path };
  // `{dir}/checkpoints/{file}`: the folder itself, when it is one of ours.
  const folder = resolve(ref.path, '..', '..');
  const exact = byDir.get(folder);
  if (exact && exact !== exp) return { kind: 'experiment', dir: exact.dir, matchedBy: 'path' };
  const named = (byName.get(ref.expName) ?? []).filter((e) => e !== exp);
  if (named.length === 0) return { kind: 'missing', path: ref.path, expName: ref.expName };
  const holding = named.find((e) => e.checkpoints.some((c) => c.name === ref.file)) ?? named[0]!;
  return { kind: 'experiment', dir: holding.dir, matchedBy: exact ? 'path' : 'name' };
}

/** Walks up from every experiment; a walk that meets itself again cuts the edge that closed the loop. */
function cutCycles(
  experiments: readonly Experiment[],
  parentOf: Map<string, LineageParent>,
  problems: LineageProblem[],
): void {
  const done = new Set<string>();
  const nameOf = new Map(experiments.map((e) => [e.dir, e.name]));
  for (const exp of [...experiments].sort((a, b) => a.dir.localeCompare(b.dir))) {
    const onPath: string[] = [];
    let dir: string | null = exp.dir;
    while (dir !== null && !done.has(dir)) {
      const at = onPath.indexOf(dir);
      if (at !== -1) {
        const loop = onPath.slice(at);
        const last = loop[loop.length - 1]!;
        parentOf.set(last, { kind: 'unknown' });
        problems.push({
          dir: last,
          message: `${loop.map((d) => nameOf.get(d)).join(' → ')} → ${nameOf.get(dir)}: these experiments start from each other in a loop; ${nameOf.get(last)} is placed by its name instead.`,
        });
        break;
      }
      onPath.push(dir);
      const parent: LineageParent | undefined = parentOf.get(dir);
      dir = parent?.kind === 'experiment' ? parent.dir : null;
    }
    for (const d of onPath) done.add(d);
  }
}
