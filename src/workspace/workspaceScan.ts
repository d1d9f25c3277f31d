import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildChains, type Chain, type EvalMatch, type Unchained } from './chains';
import { notRegularFileError } from '../shared/untrustedFile';
import { readEvalDir, type EvalDir } from './evalDir';
import { experimentFileNames, readExperimentDir, type Experiment, type ReadExperimentOptions } from './experimentDir';
import { findTicCheckout, type TicCheckout } from './ticCheckout';
import { readVariantNames } from './variantNamesFile';
import { mapLimited } from '../shared/mapLimited';

export interface ScanOptions extends ReadExperimentOptions {
  /** The ml-tic-clip checkout, when it is not `root` (or `root/ml-tic-clip`). */
  readonly checkout?: string;
  /**
   * More `--output_dir`s to look in (relative to `root`), each holding experiment folders; a folder that is
   * itself an experiment is taken as one. `<checkout>/datacomp/results` is always scanned.
   */
  readonly resultDirs?: readonly string[];
  /** More folders holding evaluate.py output dirs. `<checkout>/datacomp/eval_results` is always scanned. */
  readonly evalDirs?: readonly string[];
  /** Experiment folders a run of TiC Studio is writing now: each is the attempt its step shows (chains.ts). */
  readonly live?: ReadonlySet<string>;
}

/** Everything TiC Studio knows about a workspace: plain data, safe to JSON.stringify. */
export interface Workspace {
  readonly root: string;
  readonly checkout: TicCheckout | null;
  /** The folders looked in. */
  readonly scanned: readonly string[];
  readonly experiments: readonly Experiment[];
  readonly evalDirs: readonly EvalDir[];
  /** The yearly chains (steps are years). */
  readonly chains: readonly Chain[];
  /** The monthly chains (steps are `YYYYMM` months, contracts §1.8), apart so that what reads years is not misled. */
  readonly monthlyChains: readonly Chain[];
  readonly unchained: readonly Unchained[];
  readonly evalMatches: readonly EvalMatch[];
  /**
   * What the scan could not use, said instead of the folder looking empty or a chain looking whole: files it found
   * but could not read (a known name that is a named pipe, a folder or a device, a file over its size limit, an
   * unreadable info.pkl, a bad variants.json), and lineages it could not follow (a parent not in the workspace, a
   * loop, a year trained twice; contracts §1.8).
   */
  readonly problems: readonly WorkspaceProblem[];
  readonly elapsedMs: number;
}

export interface WorkspaceProblem {
  /** `file`: a file that could not be read; `lineage`: what an experiment started from could not be followed. */
  readonly kind: 'file' | 'lineage';
  /** The experiment or evaluation folder concerned. */
  readonly dir: string;
  /** One sentence that names the file or the experiments. */
  readonly message: string;
}

/**
 * Finds the checkout, every experiment folder (one with out.log, params.txt, checkpoints/ or info.pkl, §1.5) and
 * every evaluate.py output folder (one with eval_results.jsonl, §3.3) under the result folders, two levels deep
 * at most, and groups the experiments into chains: lineages of checkpoints (chains.ts, lineage.ts), named by the
 * user's `.tic-studio/variants.json` where it says (variantNamesFile.ts). Checkpoints are listed with
 * `stat`, never opened; out.log is read only at its end. Folders that cannot be read are skipped; files that
 * are there but cannot be read (not regular files, too large) are listed in `problems`, never waited on.
 */
export async function scanWorkspace(root: string, options: ScanOptions = {}): Promise<Workspace> {
  const started = performance.now();
  const base = resolve(root);
  const checkout = await findTicCheckout(base, options.checkout);
  const resultRoots = unique([
    ...(checkout ? [join(checkout.datacompDir, 'results')] : []),
    ...(options.resultDirs ?? []).map((d) => resolve(base, d)),
  ]);
  const evalRoots = unique([
    ...(checkout ? [join(checkout.datacompDir, 'eval_results')] : []),
    ...(options.evalDirs ?? []).map((d) => resolve(base, d)),
  ]);

  // Candidate folders: each root itself, its children and grandchildren (results/{variant}/{year}/ layouts, §3.2).
  const candidates = unique([...(await foldersUnder(resultRoots, 2)), ...(await foldersUnder(evalRoots, 2))]);
  // A few folders at a time, with a turn of the event loop between them (mapLimited.ts): no long stall of the host.
  const [experiments, evalDirs, notFiles] = await Promise.all([
    mapLimited(candidates, 8, (dir) => readExperimentDir(dir, options)),
    mapLimited(candidates, 8, (dir) => readEvalDir(dir)),
    mapLimited(candidates, 8, notFilesIn),
  ]);
  const foundExperiments = experiments.filter((e): e is Experiment => e !== null);
  const foundEvals = evalDirs.filter((e): e is EvalDir => e !== null);
  const variantNames = await readVariantNames(base);
  const model = buildChains(foundExperiments, foundEvals, {
    variantNames: variantNames.names,
    ...(options.live ? { live: options.live } : {}),
  });
  const problems = uniqueProblems([
    ...notFiles.flat(),
    ...model.problems.map((p) => ({ kind: 'lineage' as const, ...p })),
    ...(variantNames.problem === null ? [] : [{ kind: 'file' as const, dir: base, message: variantNames.problem }]),
    ...foundExperiments.flatMap((e) =>
      e.fileProblems.map((message) => ({ kind: 'file' as const, dir: e.dir, message })),
    ),
    ...foundEvals.flatMap((e) => e.problems.map((message) => ({ kind: 'file' as const, dir: e.dir, message }))),
  ]);
  return {
    root: base,
    checkout,
    scanned: unique([...resultRoots, ...evalRoots]),
    experiments: foundExperiments,
    evalDirs: foundEvals,
    chains: model.chains,
    monthlyChains: model.monthlyChains,
    unchained: model.unchained,
    evalMatches: model.evalMatches,
    problems,
    elapsedMs: performance.now() - started,
  };
}

/** The roots and the folders below them, `depth` levels down, skipping `checkpoints/` and dot-folders. */
async function foldersUnder(roots: readonly string[], depth: number): Promise<string[]> {
  const out: string[] = [];
  let level = [...roots];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    out.push(...level);
    if (d === depth) break;
    const children = await Promise.all(
      level.map(async (dir) => {
        try {
          const entries = await readdir(dir, { withFileTypes: true });
          return entries
            .filter(
              (e) =>
                e.isDirectory() &&
                !e.name.startsWith('.') &&
                e.name !== 'checkpoints' &&
                e.name !== 'wandb' &&
                e.name !== 'tensorboard',
            )
            .map((e) => join(dir, e.name));
        } catch {
          return [];
        }
      }),
    );
    level = children.flat().sort();
  }
  return out;
}

/**
 * The known file names in `dir` that are there but are not regular files. A folder whose only params.txt is a
 * named pipe is no experiment, but the pipe is still worth a line: someone meant it to look like one.
 */
async function notFilesIn(dir: string): Promise<WorkspaceProblem[]> {
  const errors = await Promise.all(experimentFileNames.map((name) => notRegularFileError(join(dir, name))));
  return errors.flatMap((error) => (error === null ? [] : [{ kind: 'file' as const, dir, message: error.message }]));
}

function uniqueProblems(problems: readonly WorkspaceProblem[]): WorkspaceProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => !seen.has(p.message) && seen.add(p.message))
    .sort((a, b) => a.message.localeCompare(b.message));
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths)];
}
