/**
 * What a `resume` value (params.txt, contracts §1.4) points at. datacomp passes `--resume` verbatim: `latest`
 * (auto-resume of the same experiment), `None` after OpenCLIP found nothing, or a path (local or fsspec URL) to
 * the previous step's checkpoint: `{output_dir}/{exp_name}/checkpoints/epoch_latest.pt` (§1.5), an internal
 * `…/{exp_name}/checkpoints/epoch_12.pt`, or a Hugging Face `apple/TiC-CLIP-{filtering}-{strategy}` file
 * `checkpoints/{YEAR}.pt` (§6.1).
 */
export interface ResumeReference {
  readonly path: string;
  /** The experiment folder name before `/checkpoints/`, when the path has that shape. */
  readonly expName: string | null;
  /** `epoch_latest.pt`, `epoch_5.pt`, `2016.pt`… */
  readonly file: string;
  /** N of `epoch_N.pt`; null for `epoch_latest.pt` and other names. */
  readonly epoch: number | null;
  /** Set when the path is a published TiC-CLIP checkpoint (a Hub cache path or a local copy of the repo). */
  readonly huggingFace: {
    readonly repo: string;
    readonly filtering: string;
    readonly strategy: string;
    readonly year: number;
  } | null;
}

/** Null for `latest`, `None`, an empty value. */
export function parseResumeReference(value: string | null | undefined): ResumeReference | null {
  if (value === null || value === undefined) return null;
  const path = value.trim();
  if (path === '' || path === 'None' || path === 'latest') return null;
  const parts = path.split(/[\\/]+/);
  const file = parts[parts.length - 1] ?? path;
  const checkpointsAt = parts.lastIndexOf('checkpoints');
  const expName = checkpointsAt > 0 && checkpointsAt === parts.length - 2 ? (parts[checkpointsAt - 1] ?? null) : null;
  const epochMatch = /^epoch_(\d+)\.pt$/.exec(file);
  const hf = /TiC-CLIP-(basic|bestpool)-(cumulative|sequential|oracle)(?:[\\/]|$).*checkpoints[\\/](\d{4})\.pt$/.exec(
    path,
  );
  return {
    path,
    expName: hf === null ? expName : null,
    file,
    epoch: epochMatch === null ? null : Number(epochMatch[1]),
    huggingFace:
      hf === null
        ? null
        : { repo: `apple/TiC-CLIP-${hf[1]}-${hf[2]}`, filtering: hf[1]!, strategy: hf[2]!, year: Number(hf[3]) },
  };
}
