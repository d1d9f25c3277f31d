import { basename, dirname, join, resolve } from 'node:path';
import { pathKind } from '../shared/pathProbe';

/**
 * An `apple/ml-tic-clip` checkout with the patched datacomp in it (contracts §0): training and evaluation run from
 * its `datacomp/` folder.
 */
export interface TicCheckout {
  readonly root: string;
  readonly datacompDir: string;
  readonly trainPy: string;
  readonly evaluatePy: string;
  /** `dataset_creation/tic-datacomp/generate_tasklist.py`, or null when the checkout lacks it. */
  readonly generateTasklistPy: string | null;
  /** `datacomp/tasklist.yml`, which evaluate.py reads (§3.2), or null when absent. */
  readonly tasklistYml: string | null;
}

/**
 * Looks for `datacomp/train.py` + `datacomp/evaluate.py` in `override` when given (and only there), else in
 * `root`, `root/ml-tic-clip`, and `root`'s parent when `root` is itself the `datacomp/` folder.
 */
export async function findTicCheckout(root: string, override?: string): Promise<TicCheckout | null> {
  const start = resolve(root);
  const candidates =
    override !== undefined
      ? [resolve(start, override)]
      : [start, join(start, 'ml-tic-clip'), ...(basename(start) === 'datacomp' ? [dirname(start)] : [])];
  for (const candidate of candidates) {
    const found = await checkoutAt(candidate);
    if (found !== null) return found;
  }
  return null;
}

async function checkoutAt(root: string): Promise<TicCheckout | null> {
  const datacompDir = join(root, 'datacomp');
  const trainPy = join(datacompDir, 'train.py');
  const evaluatePy = join(datacompDir, 'evaluate.py');
  const [train, evaluate] = await Promise.all([pathKind(trainPy), pathKind(evaluatePy)]);
  if (train !== 'file' || evaluate !== 'file') return null;
  const generate = join(root, 'dataset_creation', 'tic-datacomp', 'generate_tasklist.py');
  const tasklist = join(datacompDir, 'tasklist.yml');
  const [g, t] = await Promise.all([pathKind(generate), pathKind(tasklist)]);
  return {
    root,
    datacompDir,
    trainPy,
    evaluatePy,
    generateTasklistPy: g === 'file' ? generate : null,
    tasklistYml: t === 'file' ? tasklist : null,
  };
}
