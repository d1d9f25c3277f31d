import type { EvalProvenance, EvalProvenanceParse } from '../formats/evalProvenance';
import type { Chain, ChainStep } from '../workspace/chains';
import type { ProtocolProblem } from './protocolReport';
import { problem } from './stepFacts';

/**
 * The `eval` check (contracts §9): the evaluations a chain's matrix puts side by side must have run the same task
 * list with the same eval code, since eval numbers move between eval-code versions. Both come from the
 * `tic-studio-eval.json` TiC Studio writes next to the evaluations it launches; an evaluation without one (run
 * outside TiC Studio) says nothing, and neither does a chain with fewer than two that say something. The
 * reference is what most of the chain's evaluations used (the earliest step on a tie), shared steps included.
 */
export interface EvalReference {
  readonly commit: string | null;
  readonly tasks: string | null;
}

export function evalReference(
  chain: Chain,
  provenance: ReadonlyMap<string, EvalProvenanceParse | null>,
): EvalReference {
  const known = chain.steps.flatMap((s) => {
    const p = provenanceOf(s, provenance);
    return p === null ? [] : [p];
  });
  return {
    commit: mostCommon(known.map((p) => p.checkoutCommit)),
    tasks: mostCommon(known.map((p) => (p.tasks === null ? null : taskKey(p.tasks)))),
  };
}

export function evalCheck(
  step: ChainStep,
  reference: EvalReference,
  provenance: ReadonlyMap<string, EvalProvenanceParse | null>,
): ProtocolProblem[] {
  if (step.eval === null) return [];
  const parse = provenance.get(step.eval.dir) ?? null;
  if (parse === null) return [];
  if (parse.provenance === null)
    return [problem('eval', 'warning', 'a readable record of the eval code', parse.reason)];
  const p = parse.provenance;
  const out: ProtocolProblem[] = [];
  if (reference.commit !== null && p.checkoutCommit !== null && p.checkoutCommit !== reference.commit) {
    out.push(
      problem(
        'eval',
        'error',
        `eval code at ${short(reference.commit)}, as the chain's other evaluations`,
        `eval code at ${short(p.checkoutCommit)}`,
      ),
    );
  }
  if (p.dirty === true) {
    out.push(problem('eval', 'warning', 'eval code as committed', 'the checkout had uncommitted changes'));
  }
  if (reference.tasks !== null && p.tasks !== null && taskKey(p.tasks) !== reference.tasks) {
    const want = reference.tasks.split('\n');
    const added = p.tasks.filter((t) => !want.includes(t));
    const dropped = want.filter((t) => !p.tasks!.includes(t));
    const parts = [
      ...(dropped.length > 0 ? [`without ${list(dropped)}`] : []),
      ...(added.length > 0 ? [`with ${list(added)}`] : []),
    ];
    out.push(problem('eval', 'error', `the tasks of the chain's other evaluations: ${list(want)}`, parts.join('; ')));
  }
  return out;
}

function provenanceOf(
  step: ChainStep,
  provenance: ReadonlyMap<string, EvalProvenanceParse | null>,
): EvalProvenance | null {
  return step.eval === null ? null : (provenance.get(step.eval.dir)?.provenance ?? null);
}

/** The value most entries have, the first one on a tie; null when fewer than two entries say something. */
function mostCommon(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total < 2) return null;
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > counts.get(best)!) best = v;
  return best;
}

function taskKey(tasks: readonly string[]): string {
  return [...tasks].sort().join('\n');
}

function short(commit: string): string {
  return commit.slice(0, 12);
}

function list(tasks: readonly string[]): string {
  return tasks.length <= 3 ? tasks.join(', ') : `${tasks.slice(0, 3).join(', ')} and ${tasks.length - 3} more`;
}
