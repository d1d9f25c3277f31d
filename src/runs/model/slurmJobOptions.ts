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

/*
 * Extra `#SBATCH` lines come from settings, which a workspace can set once it is trusted (the setting is restricted
 * in untrusted ones), and auto-resume submits them again without asking. They may shape the allocation
 * (--constraint, --exclusive, --mail-type, --signal, --dependency…), but none may change what runs, as whom, or
 * where its output goes, in a way the script's own lines do not show:
 *
 * - set by TiC Studio itself, so an extra line would contradict what it follows: --nodes, --ntasks (one task per
 *   node), --ntasks-per-node, --output/--error/--open-mode (the run's console log, next to its record),
 *   --job-name, --parsable, --chdir (the job runs in the run's folder, which the record names), --wrap (replaces
 *   the whole script with a command line);
 * - whom it runs as: --uid, --gid (only root may use them; an extension running as root must not submit as
 *   someone else);
 * - code from elsewhere: --export-file (variables from a file the script does not show), --container and
 *   --container-id (an OCI bundle whose config can run hooks outside the job), --bbf (a burst-buffer spec read from
 *   a file, which can stage data in and out);
 * - --export assignments of variables that make the shell, the dynamic loader or Python run code the script does
 *   not name (exportDenied below). --export=ALL, NONE, and the names of variables passed on from the submitting
 *   environment (the user's own) stay allowed.
 *
 * sbatch reads `#SBATCH` lines with getopt_long, which accepts any unambiguous abbreviation (`--ui=0`,
 * `--exp=ALL,LD_PRELOAD=…`): a name that abbreviates a refused option is refused too.
 */
const ownedDirectives = [
  'nodes',
  'ntasks',
  'ntasks-per-node',
  'output',
  'error',
  'open-mode',
  'job-name',
  'parsable',
  'chdir',
  'wrap',
];
const deniedDirectives: Readonly<Record<string, string>> = {
  uid: 'would submit the job as another user',
  gid: 'would submit the job as another group',
  'export-file': 'reads environment variables from a file the script does not show',
  container: 'runs the job in an OCI bundle whose configuration can run other programs',
  'container-id': 'runs the job in an OCI container whose configuration can run other programs',
  bbf: 'reads a burst buffer specification from a file the script does not show',
};

/**
 * Variables an `--export=NAME=value` may not set (compared without case, as some tools read them that way):
 * bash reads BASH_ENV (and sh ENV) before running the script, SHELLOPTS/BASHOPTS with PS4 turn a trace into
 * command execution, BASH_FUNC_* redefines commands such as srun; the dynamic loader reads LD_* (LD_PRELOAD,
 * LD_LIBRARY_PATH, LD_AUDIT…: a library of the workspace's choice in every program); PATH picks which srun,
 * torchrun and python run; PYTHONPATH/PYTHONHOME/PYTHONSTARTUP pick which modules Python imports. Set them in the
 * environment TiC Studio submits from instead (sbatch passes it on), where they are the user's own.
 */
function exportDenied(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    ['BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS', 'PS4', 'PATH', 'PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP'].includes(
      upper,
    ) ||
    upper.startsWith('LD_') ||
    upper.startsWith('BASH_FUNC_')
  );
}

/** Why an extra directive is refused, or undefined when it may be written into the script. */
function directiveProblem(d: string): string | undefined {
  const eq = d.indexOf('=');
  const name = (eq < 0 ? d : d.slice(0, eq)).slice(2);
  const value = eq < 0 ? undefined : d.slice(eq + 1);
  if (name === 'export') {
    for (const item of (value ?? '').split(',')) {
      const assigned = item.indexOf('=');
      if (assigned < 0) continue;
      const variable = item.slice(0, assigned);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
        return `--export sets ${JSON.stringify(variable)}, which is not a variable name`;
      if (exportDenied(variable))
        return `--export may not set ${variable}: it would make the job run code the script does not show; set it in the environment you submit from instead`;
    }
    return undefined;
  }
  // An exact name first (getopt_long prefers it: --ntasks is not an abbreviation of --ntasks-per-node)…
  if (ownedDirectives.includes(name)) return `--${name} is set by TiC Studio itself`;
  if (deniedDirectives[name] !== undefined) return `--${name} is not allowed: it ${deniedDirectives[name]}`;
  // (--bb, an inline burst-buffer spec shown in the script, is a real option that begins --bbf's name.)
  if (name === 'bb') return undefined;
  // …then abbreviations of anything refused, --export included (write it in full so that it is checked).
  const abbreviated = [...ownedDirectives, ...Object.keys(deniedDirectives), 'export'].find((full) =>
    full.startsWith(name),
  );
  if (abbreviated !== undefined) return `--${name} abbreviates --${abbreviated}; write the option in full`;
  return undefined;
}

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
      const problem = directiveProblem(d);
      if (problem !== undefined) return bad(`extra directive ${d}: ${problem}`);
    }
    options.extraDirectives = [...(r.extraDirectives as string[])];
  }
  return options;
}
