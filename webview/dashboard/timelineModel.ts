import type { ChainComputeWire, DataVolumeWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { protocolSentence } from '../../src/protocol/protocolMarks';
import { firstDataYear, firstStepYear } from '../../src/tic/ticTimeline';
import { isTicMonth } from '../../src/tic/ticMonths';
import { formatTimeStep } from '../../src/tic/ticTimeStep';

/** The TiC-DataComp years, 2014…2022 (contracts §4.1), widened to whatever the snapshot holds. */
export function timelineYears(dataVolume: readonly DataVolumeWire[], steps: readonly StepNodeWire[]): number[] {
  let lo = firstDataYear;
  let hi = 2022;
  for (const y of [...dataVolume.map((d) => d.year), ...steps.map((s) => s.year)]) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  // A sane bound: the validator allows 1900…2200, a timeline of 300 columns helps nobody.
  hi = Math.min(hi, lo + 40);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** The data years a step's node covers: the first step (2016) trained on 2014–2016, any other on its own year. */
export function stepSpan(year: number): [number, number] {
  return year === firstStepYear ? [firstDataYear, firstStepYear] : [year, year];
}

export const runWords: Record<StepNodeWire['run'], string> = {
  none: 'not trained',
  queued: 'queued',
  running: 'running',
  finished: 'trained',
  incomplete: 'incomplete',
  failed: 'failed',
};

export const checkpointWords: Record<StepNodeWire['checkpoint'], string> = {
  local: 'checkpoint local',
  hub: 'checkpoint on the Hub',
  missing: 'no checkpoint',
};

export const evalWords: Record<StepNodeWire['evaluation'], string> = {
  done: 'evaluated',
  partial: 'partly evaluated',
  missing: 'not evaluated',
};

/** Short glyphs shown on a node; the words above are its accessible name. */
export const checkpointGlyph: Record<StepNodeWire['checkpoint'], string> = { local: '●', hub: '☁', missing: '○' };
export const evalGlyph: Record<StepNodeWire['evaluation'], string> = { done: '✓', partial: '◐', missing: '–' };

/** The node's state in words: run, checkpoint, evaluation, progress. */
export function stepStateText(step: StepNodeWire): string {
  const run =
    step.run === 'running' && step.progress !== null
      ? `running ${Math.round(Math.min(1, Math.max(0, step.progress)) * 100)}%`
      : runWords[step.run];
  return `${run}, ${checkpointWords[step.checkpoint]}, ${evalWords[step.evaluation]}`;
}

/** The accessible name and tooltip of a node: year (with the data it covers), state, then the host's detail. */
export function stepLabel(chain: string, step: StepNodeWire): string {
  const [a, b] = stepSpan(step.year);
  const data = a === b ? formatTimeStep(step.year) : `${step.year} (data ${a}–${b})`;
  const shared = step.shared ? ', shared with the sibling chain' : '';
  const published = step.published ? ', a published checkpoint' : '';
  const protocol = step.protocol ? `; ${protocolSentence(step.protocol)}` : '';
  return `${chain} step ${data}: ${stepStateText(step)}${shared}${published}${protocol}. ${step.detail}`.trim();
}

/** What the timeline needs of a chain to place its lane. */
export interface LaneChain {
  readonly key: string;
  readonly label: string;
  readonly forkedFrom: { readonly chain: string; readonly year: number } | null;
  readonly steps: readonly StepNodeWire[];
  /** What the lineage cost, when the host knows (drawn under the lane's name). */
  readonly compute?: ChainComputeWire;
}

/**
 * The lanes in drawing order: each chain in the host's order, and right under it the variants that forked from it
 * (theirs under them, and so on), so a fork's connector stays short. A variant whose parent is not in the snapshot
 * (or a cycle) stands as a lane of its own.
 */
export function laneOrder<T extends Pick<LaneChain, 'key' | 'forkedFrom'>>(chains: readonly T[]): T[] {
  const keys = new Set(chains.map((c) => c.key));
  const children = new Map<string, T[]>();
  const roots: T[] = [];
  for (const c of chains) {
    const parent = c.forkedFrom?.chain;
    if (parent === undefined || parent === c.key || !keys.has(parent)) roots.push(c);
    else children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const out: T[] = [];
  const placed = new Set<string>();
  const visit = (c: T): void => {
    if (placed.has(c.key)) return;
    placed.add(c.key);
    out.push(c);
    for (const child of children.get(c.key) ?? []) visit(child);
  };
  for (const c of roots) visit(c);
  // Chains caught in a cycle of forkedFrom: still shown, in the host's order.
  for (const c of chains) visit(c);
  return out;
}

/** Where a variant leaves its parent's lane: the parent's step at the fork year, the variant's first own step. */
export interface ForkLink {
  readonly parent: string;
  readonly variant: string;
  readonly fromYear: number;
  readonly toYear: number;
}

/** The forks to draw: one per variant whose parent has a lane, from the parent's fork-year node. */
export function forkLinks(chains: readonly LaneChain[]): ForkLink[] {
  const byKey = new Map(chains.map((c) => [c.key, c]));
  const links: ForkLink[] = [];
  for (const c of chains) {
    if (!c.forkedFrom || c.forkedFrom.chain === c.key) continue;
    const parent = byKey.get(c.forkedFrom.chain);
    if (!parent || !parent.steps.some((s) => s.year === c.forkedFrom!.year)) continue;
    const own = ownSteps(c).find((s) => s.year > c.forkedFrom!.year);
    if (!own) continue;
    links.push({ parent: parent.key, variant: c.key, fromYear: c.forkedFrom.year, toYear: own.year });
  }
  return links;
}

/** The steps a lane draws: the inherited prefix is drawn once, in the lane of the chain it belongs to. */
export function ownSteps(chain: Pick<LaneChain, 'forkedFrom' | 'steps'>): StepNodeWire[] {
  return chain.steps.filter((s) => !(s.inherited && chain.forkedFrom !== null));
}

/** The years a variant shares with its parent (its inherited steps), for the note in their place. */
export function inheritedYears(chain: Pick<LaneChain, 'forkedFrom' | 'steps'>): number[] {
  return chain.forkedFrom === null ? [] : chain.steps.filter((s) => s.inherited).map((s) => s.year);
}

/** The lane's name for the tooltip and screen readers: the label, then how the lineage starts. */
export function laneDescription(
  chain: Pick<LaneChain, 'label' | 'forkedFrom'> & { readonly root: string | null },
  parentLabel: string | null,
): string {
  const parts = [chain.label];
  if (chain.forkedFrom)
    parts.push(
      `a variant: shares the steps up to ${formatTimeStep(chain.forkedFrom.year)} with ${parentLabel ?? chain.forkedFrom.chain} and forks after ${formatTimeStep(chain.forkedFrom.year)}`,
    );
  if (chain.root) parts.push(chain.root);
  return parts.join('; ');
}

/** A node offers "Evaluate" when there is a checkpoint to evaluate and no evaluation at all yet. */
export function canEvaluate(step: StepNodeWire): boolean {
  return step.checkpoint !== 'missing' && step.evaluation === 'missing' && step.run !== 'running';
}

/** Where a monthly chain branched off, as the host words it: the yearly step (its chain's key when one holds it). */
export interface LaneBranch {
  readonly year: number;
  readonly chain: string | null;
  /** For people: `cumulative 2019`, `published apple/TiC-CLIP-basic-sequential 2022`. */
  readonly label: string;
}

/** A monthly chain's lane: its steps are months (`year` holds `YYYYMM`). */
export interface MonthlyLaneChain extends LaneChain {
  readonly branch?: LaneBranch | null;
}

/** `branched off cumulative 2019`, or null where the host does not know. */
export function branchText(branch: LaneBranch | null | undefined): string | null {
  return branch ? `branched off ${branch.label}` : null;
}

/**
 * The monthly lanes in drawing order: grouped by the yearly lane they branched off (in that lane order, earlier
 * branch years first), then those whose yearly step has no lane (a published checkpoint's, then unknown ones);
 * a monthly variant right under the chain it forked from (laneOrder).
 */
export function monthlyLaneOrder<T extends Pick<MonthlyLaneChain, 'key' | 'forkedFrom' | 'branch'>>(
  monthly: readonly T[],
  yearlyKeys: readonly string[],
): T[] {
  const rank = (c: T): number => {
    const i = c.branch?.chain ? yearlyKeys.indexOf(c.branch.chain) : -1;
    return i < 0 ? yearlyKeys.length : i;
  };
  const year = (c: T): number => c.branch?.year ?? Number.MAX_SAFE_INTEGER;
  const sorted = monthly
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || year(a.c) - year(b.c) || a.i - b.i)
    .map((x) => x.c);
  return laneOrder(sorted);
}

/** The steps a monthly lane draws: its own, on TiC months only (a gap month is never a step). */
export function ownMonthSteps(chain: Pick<LaneChain, 'forkedFrom' | 'steps'>): StepNodeWire[] {
  return ownSteps(chain).filter((s) => isTicMonth(s.year));
}

/** A monthly chain leaving the yearly step it branched off: that step's lane and year, its first own month. */
export interface BranchLink {
  readonly monthly: string;
  /** The yearly lane that draws the step (the chain it was inherited from, for a variant's shared step). */
  readonly yearly: string;
  readonly year: number;
  readonly toMonth: number;
}

/**
 * The branch connectors to draw: one per monthly chain whose branch step has a node on the yearly timeline. A
 * monthly variant leaves its monthly parent instead (forkLinks), and a branch off a published checkpoint that
 * no lane shows is told in words only (branchText).
 */
export function branchLinks(
  monthly: readonly MonthlyLaneChain[],
  yearly: readonly Pick<LaneChain, 'key' | 'forkedFrom' | 'steps'>[],
): BranchLink[] {
  const byKey = new Map(yearly.map((c) => [c.key, c]));
  const links: BranchLink[] = [];
  for (const chain of monthly) {
    const branch = chain.branch;
    if (!branch?.chain || (chain.forkedFrom && chain.forkedFrom.chain !== chain.key)) continue;
    let lane = byKey.get(branch.chain);
    // A variant's step before its fork is drawn once, in the lane it was inherited from.
    for (let hops = 0; lane && hops <= yearly.length; hops++) {
      const step = lane.steps.find((s) => s.year === branch.year);
      if (!(step?.inherited && lane.forkedFrom)) break;
      lane = byKey.get(lane.forkedFrom.chain);
    }
    if (!lane || !ownSteps(lane).some((s) => s.year === branch.year)) continue;
    const first = ownMonthSteps(chain)[0];
    if (!first) continue;
    links.push({ monthly: chain.key, yearly: lane.key, year: branch.year, toMonth: first.year });
  }
  return links;
}

/** A monthly lane's name for the tooltip and screen readers: as a yearly lane's, then where it branched off. */
export function monthlyLaneDescription(
  chain: Pick<MonthlyLaneChain, 'label' | 'forkedFrom' | 'branch'> & { readonly root: string | null },
  parentLabel: string | null,
): string {
  const branch = branchText(chain.branch);
  return [laneDescription(chain, parentLabel), `a monthly chain${branch ? `, ${branch}` : ''}`].join('; ');
}

/** A node's box, in the coordinates the connectors are drawn in. */
export interface NodeBox {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/**
 * The branch connector from a yearly node to the first month of the chain branched off it: out of the node's right
 * side into the gutter after its column (clear of the lanes below), down to just above the month node, across and
 * down into its top. `points` is the line as flat [x0, y0, x1, y1, …], `head` the arrowhead's three corners.
 */
export function branchRoute(from: NodeBox, to: NodeBox, gutter = 4): { points: number[]; head: number[] } {
  const y0 = Math.round((from.top + from.bottom) / 2);
  const gx = from.right + gutter;
  const above = to.top - 6;
  const tx = Math.max(to.left + 6, Math.min(to.right - 6, to.left + 14));
  return {
    points: [from.right, y0, gx, y0, gx, above, tx, above, tx, to.top - 5],
    head: [tx - 4, to.top - 6, tx, to.top, tx + 4, to.top - 6],
  };
}

/** A flat point list as an SVG path: `M x0 y0 L x1 y1 …`, closed with `Z` when asked. */
export function svgPathOf(points: readonly number[], close = false): string {
  const parts: string[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) parts.push(`${i === 0 ? 'M' : 'L'} ${points[i]} ${points[i + 1]}`);
  return parts.join(' ') + (close ? ' Z' : '');
}
