import type { Experiment } from './experimentDir';
import type { LineageParent, LineageRoot } from './lineage';
import { attemptBase, nameVariant } from './variantNames';
import { firstStepYear } from '../tic/ticTimeline';

/** One step of a group's lineage: attempts at it (same parent, same name but for `_runN`), the chosen one first. */
export interface StepNode {
  readonly year: number;
  readonly chosen: Experiment;
  readonly alternatives: readonly Experiment[];
  readonly parent: LineageParent;
}

/** What a path holds at one position, oldest first. */
export type StepSeed =
  | { readonly kind: 'node'; readonly node: StepNode }
  /** An ancestor from another group (the sibling strategy's 2016 step, usually). */
  | { readonly kind: 'foreign'; readonly exp: Experiment }
  | { readonly kind: 'published'; readonly repo: string; readonly year: number; readonly path: string | null };

/** One root-to-leaf path of a group's forest: a chain before it gets its name. */
export interface LineagePath {
  readonly seeds: readonly StepSeed[];
  /** Index in `seeds` of the first step no earlier path has (0 for the first path of a tree). */
  readonly firstOwn: number;
  /** The earlier path (index in the result) it leaves, and the year of the last step they share. */
  readonly forkedFrom: { readonly path: number; readonly year: number } | null;
  readonly root: LineageRoot;
}

interface TreeEntry {
  /** Null for an anchor: a parent outside the group (another group's experiment, a published or external file). */
  readonly node: StepNode | null;
  readonly anchor: readonly StepSeed[];
  readonly root: LineageRoot;
  readonly children: TreeEntry[];
}

export interface PathInput {
  /** The group's experiments (one strategy × filtering × scale). */
  readonly members: readonly Experiment[];
  /** Every experiment's parent after the name rules placed the unknown ones. */
  readonly parentOf: ReadonlyMap<string, LineageParent>;
  readonly childrenOf: ReadonlyMap<string, readonly string[]>;
  readonly byDir: ReadonlyMap<string, Experiment>;
  /** The attempts at one step, the one the chain shows first (chains.ts, contracts §1.8). */
  readonly orderAttempts: (attempts: readonly Experiment[]) => Experiment[];
}

/**
 * The root-to-leaf paths of one group's lineage forest, main lineage first: at every fork the child whose name
 * carries no variant comes first, then the one with the longer lineage, then the one trained first (a variant
 * comes after what it varies); trees rooted in
 * the workspace (from scratch, or on another group's step) before trees on a published or external checkpoint.
 */
export function lineagePaths(input: PathInput): LineagePath[] {
  const nodes = stepNodes(input);
  const nodeOf = new Map<string, StepNode>();
  for (const node of nodes) for (const e of [node.chosen, ...node.alternatives]) nodeOf.set(e.dir, node);

  const entries = new Map<StepNode, TreeEntry>();
  for (const node of nodes) entries.set(node, { node, anchor: [], root: { kind: 'scratch' }, children: [] });
  const anchors = new Map<string, TreeEntry>();
  const tops: TreeEntry[] = [];
  for (const node of nodes) {
    const entry = entries.get(node)!;
    const parent = node.parent;
    const parentNode = parent.kind === 'experiment' ? nodeOf.get(parent.dir) : undefined;
    if (parentNode !== undefined && parentNode !== node) {
      entries.get(parentNode)!.children.push(entry);
      continue;
    }
    if (parent.kind === 'scratch' || parent.kind === 'unknown') {
      tops.push(entry);
      continue;
    }
    const key = parentKey(parent);
    let anchor = anchors.get(key);
    if (!anchor) {
      const { seeds, root } = anchorOf(parent, input);
      anchor = { node: null, anchor: seeds, root, children: [] };
      anchors.set(key, anchor);
      tops.push(anchor);
    }
    anchor.children.push(entry);
  }

  const depth = new Map<TreeEntry, number>();
  const depthOf = (e: TreeEntry): number => {
    let d = depth.get(e);
    if (d === undefined) {
      d = 1 + Math.max(0, ...e.children.map(depthOf));
      depth.set(e, d);
    }
    return d;
  };
  const leadOf = (e: TreeEntry): Experiment | null => e.node?.chosen ?? e.children[0]?.node?.chosen ?? null;
  const order = (a: TreeEntry, b: TreeEntry): number => {
    const la = leadOf(a);
    const lb = leadOf(b);
    return (
      rootRank(a.root) - rootRank(b.root) ||
      Number(la !== null && nameVariant(la.name) !== null) - Number(lb !== null && nameVariant(lb.name) !== null) ||
      depthOf(b) - depthOf(a) ||
      (la && lb ? olderFirst(la, lb) : 0)
    );
  };
  const sortTree = (e: TreeEntry): void => {
    e.children.sort(order);
    e.children.forEach(sortTree);
  };
  tops.forEach(sortTree);
  tops.sort(order);

  const paths: LineagePath[] = [];
  const firstPathOf = new Map<TreeEntry, number>();
  const walk = (e: TreeEntry, above: readonly TreeEntry[], root: LineageRoot): void => {
    const line = [...above, e];
    if (e.children.length > 0) {
      for (const child of e.children) walk(child, line, root);
      return;
    }
    // The first entry of the line no earlier path holds, and the one before it (where the fork is).
    const ownAt = line.findIndex((x) => !firstPathOf.has(x));
    const seeds: StepSeed[] = [];
    let firstOwn = 0;
    let forkYear: number | null = null;
    line.forEach((x, i) => {
      if (i === ownAt) firstOwn = seeds.length;
      if (i === ownAt - 1) forkYear = lastYear(x);
      if (x.node) seeds.push({ kind: 'node', node: x.node });
      else seeds.push(...x.anchor);
    });
    const forkedPath = ownAt > 0 ? firstPathOf.get(line[ownAt - 1]!) : undefined;
    paths.push({
      seeds,
      firstOwn,
      forkedFrom: forkedPath === undefined || forkYear === null ? null : { path: forkedPath, year: forkYear },
      root,
    });
    for (const x of line) if (!firstPathOf.has(x)) firstPathOf.set(x, paths.length - 1);
  };
  for (const top of tops) walk(top, [], top.root);
  return paths;
}

/** Attempts grouped: same parent, same year, same name once `_runN` is taken off. */
function stepNodes(input: PathInput): StepNode[] {
  const groups = new Map<string, Experiment[]>();
  for (const exp of input.members) {
    const parent = input.parentOf.get(exp.dir) ?? { kind: 'unknown' as const };
    const key = `${parentKey(parent)}|${exp.identity?.year}|${attemptBase(exp.name)}`;
    groups.set(key, [...(groups.get(key) ?? []), exp]);
  }
  return [...groups.values()].map((attempts) => {
    const [chosen, ...alternatives] = input.orderAttempts(attempts);
    return {
      year: chosen!.identity!.year,
      chosen: chosen!,
      alternatives,
      parent: input.parentOf.get(chosen!.dir) ?? { kind: 'unknown' },
    };
  });
}

function parentKey(parent: LineageParent): string {
  switch (parent.kind) {
    case 'experiment':
      return `experiment:${parent.dir}`;
    case 'published':
    case 'external':
    case 'missing':
      return `${parent.kind}:${parent.path}`;
    default:
      return parent.kind;
  }
}

/** The steps a parent outside the group brings, oldest first, and the root they stand on. */
function anchorOf(parent: LineageParent, input: PathInput): { seeds: StepSeed[]; root: LineageRoot } {
  const seeds: StepSeed[] = [];
  let current: LineageParent = parent;
  const seen = new Set<string>();
  while (current.kind === 'experiment' && !seen.has(current.dir)) {
    seen.add(current.dir);
    const exp = input.byDir.get(current.dir);
    if (!exp) break;
    seeds.unshift({ kind: 'foreign', exp });
    current = input.parentOf.get(exp.dir) ?? { kind: 'unknown' };
  }
  switch (current.kind) {
    case 'published': {
      // The published lineage's earlier years stand as this lineage's earlier steps.
      const published: StepSeed[] = [];
      for (let y = firstStepYear; y <= current.year; y++) {
        published.push({
          kind: 'published',
          repo: current.repo,
          year: y,
          path: y === current.year ? current.path : null,
        });
      }
      return {
        seeds: [...published, ...seeds],
        root: { kind: 'published', repo: current.repo, year: current.year, path: current.path },
      };
    }
    case 'external':
      return { seeds, root: { kind: 'external', path: current.path } };
    case 'missing':
      return { seeds, root: { kind: 'missing', path: current.path } };
    default:
      return { seeds, root: { kind: 'scratch' } };
  }
}

function olderFirst(a: Experiment, b: Experiment): number {
  return (a.status.logModifiedMs ?? Infinity) - (b.status.logModifiedMs ?? Infinity) || a.dir.localeCompare(b.dir);
}

function rootRank(root: LineageRoot): number {
  return { scratch: 0, published: 1, external: 2, missing: 3 }[root.kind];
}

function lastYear(entry: TreeEntry): number | null {
  if (entry.node) return entry.node.year;
  const last = entry.anchor[entry.anchor.length - 1];
  if (!last) return null;
  return last.kind === 'foreign' ? (last.exp.identity?.year ?? null) : last.kind === 'published' ? last.year : null;
}
