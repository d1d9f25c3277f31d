import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { evalProvenanceFileName, serializeEvalProvenance } from '../../formats/evalProvenance';
import { checkoutRevision } from '../../plan/checkoutRevision';
import { writeTextAtomic } from '../../shared/atomicWrite';

/**
 * Writes `tic-studio-eval.json` into an evaluation's output folder before TiC Studio launches it: the checkout's
 * commit and dirtiness and the task groups asked for, since evaluate.py records neither and eval numbers move
 * between eval-code versions (the protocol guard compares them across a chain's steps). A write that fails costs
 * only that record: the evaluation still runs, and the failure is returned for the log.
 */
export async function recordEvalProvenance(
  outputDir: string,
  checkout: string,
  tasks: readonly string[],
): Promise<string | null> {
  try {
    const revision = await checkoutRevision(checkout);
    await mkdir(outputDir, { recursive: true });
    const text = serializeEvalProvenance({
      version: 1,
      checkoutCommit: revision.commit,
      dirty: revision.dirty,
      tasks: [...tasks],
    });
    // 0644: it sits next to eval_results.jsonl, which people share.
    await writeTextAtomic(join(outputDir, evalProvenanceFileName), text, 0o644);
    return null;
  } catch (error) {
    return `Could not record the eval code's revision in ${outputDir}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
