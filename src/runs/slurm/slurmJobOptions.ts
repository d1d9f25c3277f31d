import { SlurmError } from './slurmError';

/**
 * What a run asks of Slurm: the `#SBATCH` lines of its script (sbatchScript.ts). Cluster defaults come from the
 * `ticStudio.slurm.*` settings; the launch form overrides nodes and GPUs per node.
 */
export interface SlurmJobOptions {
  /** `--nodes`; torchrun gets `--nnodes $SLURM_NNODES`. Evaluations always use one node. */
  readonly nodes: number;
  /** GPUs on each node: torchrun's `--nproc_per_node` and the GPU request. 0 asks for no GPU. */
  readonly gpusPerNode: number;
  /** `--gpus-per-node=G`, or `--gres=<gresName>:G` for clusters that predate or forbid the former. */
  readonly gpuDirective: 'gpus-per-node' | 'gres';
  /** The gres name and optional type, e.g. `gpu` or `gpu:a100`. */
  readonly gresName: string;
  /** `--cpus-per-task` (one task per node: torchrun starts the per-GPU workers itself). */
  readonly cpusPerTask?: number;
  /** `--mem`, e.g. `200G`; `0` asks for all of each node's memory. */
  readonly mem?: string;
  /** `--time`, in any form sbatch takes: `MM`, `HH:MM:SS`, `D-HH`, `D-HH:MM:SS`… */
  readonly time?: string;
  readonly partition?: string;
  readonly account?: string;
  readonly qos?: string;
  /** `--requeue`: Slurm itself requeues the job after a preemption or a node failure (same job id). */
  readonly requeue: boolean;
  /** TiC Studio resubmits a preempted or timed-out training job, which continues with `--resume latest` (§1.4). */
  readonly autoResume: boolean;
  /** How many times a run may be resubmitted by auto-resume. */
  readonly maxResubmits: number;
  /** torchrun's c10d rendezvous port on the first node is this plus `SLURM_JOB_ID % 1000`. */
  readonly rdzvPort: number;
  /** More `#SBATCH` options verbatim, each `--name` or `--name=value` (e.g. `--constraint=a100`). */
  readonly extraDirectives: readonly string[];
}

export const defaultSlurmJobOptions: SlurmJobOptions = {
  nodes: 1,
  gpusPerNode: 1,
  gpuDirective: 'gpus-per-node',
  gresName: 'gpu',
  requeue: false,
  autoResume: false,
  maxResubmits: 10,
  rdzvPort: 29500,
  extraDirectives: [],
};

/** `#SBATCH` lines are read by sbatch, not by a shell: values are restricted instead of quoted. */
const word = /^[\w.+-]+$/;
const wordList = /^[\w.+-]+(,[\w.+-]+)*$/;
const memory = /^\d+[KMGT]?$/;
const timeLimit =
  /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/;
const gres = /^[\w.+-]+(:[\w.+-]+)?$/;
const directive = /^--[a-z][a-z0-9-]*(=[^\s'"`$\\;|&<>]+)?$/;
/** Set by the script itself; an extra directive for them would contradict what TiC Studio follows. */
const ownedDirectives = new Set([
  '--nodes',
  '--ntasks-per-node',
  '--output',
  '--error',
  '--open-mode',
  '--job-name',
  '--parsable',
  '--wrap',
]);

/**
 * Checks options from settings or a form (untrusted shapes: rule 3) and returns them complete, or the first problem
 * as SlurmError `invalidOptions`.
 */
export function parseSlurmJobOptions(raw: unknown): SlurmJobOptions | SlurmError {
  const bad = (what: string) => new SlurmError('invalidOptions', `Slurm options: ${what}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('not an object');
  const r = raw as Record<string, unknown>;
  const options: { -readonly [K in keyof SlurmJobOptions]: SlurmJobOptions[K] } = {
    ...defaultSlurmJobOptions,
    extraDirectives: [],
  };
  const int = (
    key: 'nodes' | 'gpusPerNode' | 'cpusPerTask' | 'maxResubmits' | 'rdzvPort',
    min: number,
    max: number,
  ) => {
    const v = r[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      return bad(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    options[key] = v;
    return undefined;
  };
  const text = (key: 'mem' | 'time' | 'partition' | 'account' | 'qos' | 'gresName', pattern: RegExp, hint: string) => {
    const v = r[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string' || !pattern.test(v.trim())) return bad(`${key} ${JSON.stringify(v)}: ${hint}`);
    options[key] = v.trim();
    return undefined;
  };
  const problem =
    int('nodes', 1, 10_000) ??
    int('gpusPerNode', 0, 64) ??
    int('cpusPerTask', 1, 10_000) ??
    int('maxResubmits', 0, 1000) ??
    int('rdzvPort', 1024, 64_535) ??
    text('mem', memory, 'a size such as 200G, or 0 for all of a node') ??
    text('time', timeLimit, 'a time limit such as 04:00:00 or 2-00:00:00') ??
    text('partition', wordList, 'one partition name, or several separated by commas') ??
    text('account', word, 'one account name') ??
    text('qos', word, 'one QOS name') ??
    text('gresName', gres, 'a gres name such as gpu or gpu:a100');
  if (problem) return problem;
  if (r.gpuDirective !== undefined) {
    if (r.gpuDirective !== 'gpus-per-node' && r.gpuDirective !== 'gres')
      return bad(`gpuDirective must be "gpus-per-node" or "gres", got ${JSON.stringify(r.gpuDirective)}`);
    options.gpuDirective = r.gpuDirective;
  }
  for (const key of ['requeue', 'autoResume'] as const) {
    if (r[key] === undefined) continue;
    if (typeof r[key] !== 'boolean') return bad(`${key} must be true or false`);
    options[key] = r[key];
  }
  if (r.extraDirectives !== undefined) {
    if (!Array.isArray(r.extraDirectives)) return bad('extraDirectives must be a list of strings');
    for (const d of r.extraDirectives) {
      if (typeof d !== 'string' || !directive.test(d))
        return bad(
          `extra directive ${JSON.stringify(d)} must look like --name or --name=value, without spaces or quotes`,
        );
      const name = d.split('=')[0]!;
      if (ownedDirectives.has(name)) return bad(`${name} is set by TiC Studio itself`);
    }
    options.extraDirectives = [...(r.extraDirectives as string[])];
  }
  return options;
}
