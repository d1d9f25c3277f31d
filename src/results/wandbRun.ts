import { paramBool, paramString, type ParamsFile } from '../formats/paramsText';

/** Where a step's curves went on Weights & Biases (contracts §2.5). */
export interface WandbRun {
  /** `wandb_project_name` (ml-tic-clip's train.py: `tic-datacomp-{scale}-{filtering}-{strategy}-{year}`). */
  readonly project: string;
  /** The run id: OpenCLIP calls `wandb.init(id=args.name)`, so it is the experiment's name. */
  readonly runId: string;
}

/**
 * The W&B run a step reported to, from its params.txt: `wandb: True`, or `report_to` naming `wandb` or `all`
 * (OpenCLIP sets `args.wandb` from `report_to`), with a project and a run name. Null when it did not report to W&B
 * or the file does not say where.
 */
export function wandbRunOf(params: ParamsFile | null): WandbRun | null {
  if (params === null) return null;
  const reportTo = (paramString(params, 'report_to') ?? '').split(',').map((s) => s.trim());
  const reported = paramBool(params, 'wandb') === true || reportTo.includes('wandb') || reportTo.includes('all');
  if (!reported) return null;
  const project = paramString(params, 'wandb_project_name')?.trim() ?? '';
  const runId = paramString(params, 'name')?.trim() ?? '';
  if (project === '' || runId === '' || project.length > 200 || runId.length > 200) return null;
  return { project, runId };
}

/** A W&B entity (user or team) name: what W&B accepts, and nothing that could change the URL's shape. */
export function wandbEntityProblem(entity: string): string | null {
  if (entity === '') return 'Enter your W&B user or team name.';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(entity))
    return 'A W&B user or team name has letters, digits, - and _ only.';
  return null;
}

/**
 * The run's page: `{base}/{entity}/{project}/runs/{runId}`, each part URL-encoded. `base` is W&B's address
 * (`https://wandb.ai`, or a self-hosted server's from `WANDB_BASE_URL`): http(s) only, else null.
 */
export function wandbRunUrl(run: WandbRun, entity: string, base = 'https://wandb.ai'): string | null {
  if (wandbEntityProblem(entity) !== null) return null;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const root = url.origin + url.pathname.replace(/\/+$/, '');
  return `${root}/${encodeURIComponent(entity)}/${encodeURIComponent(run.project)}/runs/${encodeURIComponent(run.runId)}`;
}
