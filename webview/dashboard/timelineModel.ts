import type { ChainComputeWire, DataVolumeWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { protocolSentence } from '../../src/protocol/protocolMarks';
import { firstDataYear, firstStepYear } from '../../src/tic/ticTimeline';

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
  const data = a === b ? `${step.year}` : `${step.year} (data ${a}–${b})`;
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
      `a variant: shares the steps up to ${chain.forkedFrom.year} with ${parentLabel ?? chain.forkedFrom.chain} and forks after ${chain.forkedFrom.year}`,
    );
  if (chain.root) parts.push(chain.root);
  return parts.join('; ');
}

/** A node offers "Evaluate" when there is a checkpoint to evaluate and no evaluation at all yet. */
export function canEvaluate(step: StepNodeWire): boolean {
  return step.checkpoint !== 'missing' && step.evaluation === 'missing' && step.run !== 'running';
}
