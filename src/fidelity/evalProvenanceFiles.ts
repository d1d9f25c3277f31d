import { join } from 'node:path';
import {
  evalProvenanceFileName,
  evalProvenanceMaxBytes,
  parseEvalProvenance,
  type EvalProvenanceParse,
} from '../formats/evalProvenance';
import { readUntrustedText, UntrustedFileError } from '../shared/untrustedFile';
import { fileProblemText } from '../workspace/fileProblem';
import type { Chain } from '../workspace/chains';

/**
 * The `tic-studio-eval.json` of each evaluation the chains use (src/formats/evalProvenance.ts), by evaluation
 * folder: the parse, or null where there is none (an evaluation TiC Studio did not launch). Read as untrusted
 * files (regular files only, never waited on, at most 256 KiB); one that cannot be read is a parse with a reason.
 */
export async function readEvalProvenance(
  chains: readonly Chain[],
): Promise<ReadonlyMap<string, EvalProvenanceParse | null>> {
  const dirs = [...new Set(chains.flatMap((c) => c.steps.flatMap((s) => (s.eval === null ? [] : [s.eval.dir]))))];
  const entries = await Promise.all(
    dirs.map(async (dir): Promise<[string, EvalProvenanceParse | null]> => {
      try {
        const text = await readUntrustedText(join(dir, evalProvenanceFileName), evalProvenanceMaxBytes, {
          what: `a ${evalProvenanceFileName}`,
        });
        return [dir, parseEvalProvenance(text)];
      } catch (error) {
        if (UntrustedFileError.is(error, 'notFound')) return [dir, null];
        return [dir, { provenance: null, reason: fileProblemText(evalProvenanceFileName, error) }];
      }
    }),
  );
  return new Map(entries);
}
