import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspectCheckpoint } from '../checkpoint/report';
import { chainResumeDefaults, forkedBy, type Continuation } from '../plan/chainResume';
import { shellQuoteArgv, type CommandPlan } from '../plan/commandPlan';
import { defaultTaskGroupsFor, isTicTaskGroup, planEval, timescaleOfExpName, type EvalPlan } from '../plan/evalPlan';
import { validateEvalPlan } from '../plan/evalValidation';
import { PlanError } from '../plan/planError';
import { hasBlockingProblem, type PlanProblem } from '../plan/planProblem';
import { parseResumeReference } from '../formats/resumeReference';
import { planResume, type ResumePlan, type ResumeRequest } from '../plan/resumePlan';
import { validateResumePlan } from '../plan/resumeValidation';
import { findTicCheckout, type TicCheckout } from '../workspace/ticCheckout';
import { isTicScale } from '../tic/ticScales';
import { isTicStrategy } from '../tic/ticTimeline';
import { formatMonth, monthsOfYear } from '../tic/ticMonths';
import { isTicTimescale, parseTimeStep, timescaleOfStep } from '../tic/ticTimeStep';
import { scanWorkspace } from '../workspace/workspaceScan';
import { slurmFlagOptions, slurmFlagsUsage, slurmScriptFor } from './common/slurmFlags';
import { UsageError, type CliIo } from './common/cliIo';

export const planUsage = `Usage: tic-studio plan resume (--chain EXP_DIR | --strategy S | --checkpoint HF_FILE) [--from YEAR] [options] [--json]
       tic-studio plan resume --timescale monthly --from YEAR|YYYYMM --checkpoint FILE [--strategy S] [options] [--json]
       tic-studio plan eval --checkpoint FILE [options] [--json]

Prints the exact command of the next TiC training step, or of an evaluation, without running it: argv (no shell
string), cwd and env, then checks the files it needs and lists the problems (exit 1 when one blocks the launch).

plan resume: torchrun … train.py for year FROM+1 (contracts §1.4, §1.7).
  --chain EXP_DIR        an experiment of the chain to continue: strategy, scale, filtering, checkpoint, data root,
                         ImageNet val, GPU count and output dir come from its workspace (override any below)
  --strategy S           cumulative | sequential | oracle (without --chain, or to branch off a chain)
  --from YEAR            the year of the checkpoint; trains YEAR+1 (2015 = the first step, 2016, from scratch);
                         default with --chain: its last step; the oracle takes none
  --checkpoint FILE      the previous step's checkpoint (epoch_latest.pt or an HF checkpoints/YEAR.pt); a published
                         apple/TiC-CLIP-{filtering}-{strategy} checkpoints/YEAR.pt (e.g. its Hugging Face cache path)
                         gives the strategy, filtering and --from by default; it is ViT-B-16: tic_large or tic_xlarge
  --scale S              tic_medium | tic_large | tic_xlarge | tic_debug
  --filtering F          basic (default) | bestpool
  --checkout DIR         the ml-tic-clip checkout (default: found above the chain or the current folder)
  --data-root DIR        $TIC_DATACOMP_Y_PATH/train (default: from the chain, else that variable + /train)
  --imagenet-val DIR     ImageNet val ImageFolder
  --output-dir DIR       --output_dir (default: next to the chain's experiments, else <checkout>/datacomp/results)
  --nproc-per-node N     GPUs (default: the chain's world size, else 8)
  --max-restarts K       torchrun --max_restarts (left out by default)
  --warmup W             default 0 when continuing, the scale's warmup from scratch
  --data-weights W1::W2  one weight per data dir, newest year first
  --wandb-project NAME   report to W&B under this project (--wandb for the scripts' project name)
  --variant NAME         a method variant (another lr, replay mix…): the name becomes
                         datacomp_{scale}-{filtering}_{strategy}_{variant}_{year}; letters, digits, . + - only
                         (default with --chain: the chain's variant name, when it was given or is the names' suffix)
  --exp-name NAME        default datacomp_{scale}-{filtering}_{strategy}_{year}
  --torchrun PATH        default torchrun
  --timescale T          yearly (default) | monthly: train the next TiC-DataComp month (201403…202306 with gaps,
                         contracts §3.4) on --data-root/YYYYMM/; --from is the checkpoint's step: a month (202212 or
                         2022-12) trains the month after it, a yearly step (2022, e.g. a published checkpoints/2022.pt)
                         branches a monthly chain off it and trains its first month after (202301); with --chain,
                         --from must be one of the chain's years. --data-root is then the monthly root (default
                         $TIC_DATACOMP_M_PATH/train); names end in _m{YYYYMM}
  --monthly-data D       cumulative months: all (default; every month up to this one, newest first) | since-branch
                         (only the months after the yearly step the chain branched off)
  --branch-year YYYY     the yearly step a monthly chain branched off (for since-branch when --from is a month;
                         default: the published checkpoint's year or the --chain step)
${slurmFlagsUsage}

plan eval: generate_tasklist.py, then evaluate.py, both in <checkout>/datacomp (contracts §3.1–3.4).
  --checkpoint FILE      the checkpoint to score
  --arch NAME            default: read from the checkpoint's shapes (ViT-B-32, ViT-B-16, ViT-L-14)
  --output-dir DIR       one per checkpoint (default <checkout>/datacomp/eval_results/<experiment or file>)
  --data-dir DIR         eval data root holding tic/datacomp/… (default <checkout>/datacomp/data)
  --tasks G1,G2          retrieval/yearly,datacompnet/yearly (default), retrieval/monthly, datacompnet/monthly
                         (default for a monthly step's checkpoint, …/<exp>_m{YYYYMM}/checkpoints/…: the monthly two)
  --sample-eval          only 2014 / 201403
  --batch-size N, --python PATH, --checkout DIR

Both: --no-validate (print the plan, skip the file checks, exit 0), --json ({argv, cwd, env, …, problems, valid}).`;

/** A request being assembled from defaults, the chain and the flags. */
type ResumeDraft = { -readonly [K in keyof ResumeRequest]?: ResumeRequest[K] };

export async function planCommand(args: string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = args;
  if (kind === 'resume') return planResumeCommand(rest, io);
  if (kind === 'eval') return planEvalCommand(rest, io);
  throw new UsageError(
    kind === undefined ? 'expects resume or eval (see --help).' : `unknown plan '${kind}': expects resume or eval.`,
  );
}

async function planResumeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      chain: { type: 'string' },
      strategy: { type: 'string' },
      from: { type: 'string' },
      checkpoint: { type: 'string' },
      scale: { type: 'string' },
      filtering: { type: 'string' },
      checkout: { type: 'string' },
      'data-root': { type: 'string' },
      'imagenet-val': { type: 'string' },
      'output-dir': { type: 'string' },
      'nproc-per-node': { type: 'string' },
      'max-restarts': { type: 'string' },
      warmup: { type: 'string' },
      'data-weights': { type: 'string' },
      'wandb-project': { type: 'string' },
      wandb: { type: 'boolean', default: false },
      'exp-name': { type: 'string' },
      variant: { type: 'string' },
      torchrun: { type: 'string' },
      timescale: { type: 'string' },
      'monthly-data': { type: 'string' },
      'branch-year': { type: 'string' },
      'no-validate': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...slurmFlagOptions,
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help).`);
  // A published TiC-CLIP checkpoint says its method and year (contracts §6.1): the card's "download
  // checkpoints/2016.pt, then resume training from it".
  const published =
    values.checkpoint === undefined ? null : (parseResumeReference(values.checkpoint)?.huggingFace ?? null);
  if (values.chain === undefined && values.strategy === undefined && published === null)
    throw new UsageError(
      'give --chain EXP_DIR or --strategy S (or --checkpoint with a published checkpoints/YEAR.pt).',
    );
  const strategy = values.strategy;
  if (strategy !== undefined && !isTicStrategy(strategy)) {
    throw new UsageError(`--strategy must be cumulative, sequential or oracle, got '${strategy}'.`);
  }
  const scale = values.scale;
  if (scale !== undefined && !isTicScale(scale)) {
    throw new UsageError(`--scale must be tic_debug, tic_medium, tic_large or tic_xlarge, got '${scale}'.`);
  }
  const timescale = values.timescale ?? 'yearly';
  if (!isTicTimescale(timescale)) throw new UsageError(`--timescale must be yearly or monthly, got '${timescale}'.`);
  const monthly = timescale === 'monthly';
  if (!monthly && (values['monthly-data'] !== undefined || values['branch-year'] !== undefined))
    throw new UsageError('--monthly-data and --branch-year go with --timescale monthly.');
  const monthlyData =
    values['monthly-data'] === undefined
      ? undefined
      : values['monthly-data'] === 'all'
        ? 'all'
        : values['monthly-data'] === 'since-branch'
          ? 'sinceBranch'
          : null;
  if (monthlyData === null)
    throw new UsageError(`--monthly-data must be all or since-branch, got '${String(values['monthly-data'])}'.`);
  const branchYear = optionalInt(values['branch-year'], '--branch-year');
  // Monthly, --from is a year (a yearly parent) or a month, `202212` or `2022-12`; yearly, a year as before.
  const fromStep = monthly ? optionalStep(values.from) : undefined;
  const fromYear = monthly ? undefined : optionalInt(values.from, '--from');
  const notes: string[] = [];
  let request: ResumeDraft = {};
  let continuesAs: readonly Continuation[] = [];
  let checkout: TicCheckout | null;
  try {
    if (values.chain !== undefined) {
      const expDir = resolve(values.chain);
      checkout = await findCheckoutAbove(expDir, values.checkout);
      const workspace = await scanWorkspace(checkout?.root ?? dirname(expDir), {
        ...(checkout ? { checkout: checkout.root } : {}),
        resultDirs: [dirname(expDir)],
      });
      const exp = workspace.experiments.find((e) => e.dir === expDir);
      if (!exp) throw new UsageError(`${expDir} is not an experiment folder (no out.log, params.txt or checkpoints/).`);
      if (exp.identity === null)
        throw new UsageError(`${exp.name} fits no chain: ${exp.unchainedReason ?? 'unknown'}.`);
      const allChains = [...workspace.chains, ...workspace.monthlyChains];
      const chain = allChains.find((c) => c.steps.some((s) => s.experiment === exp.dir && !s.shared));
      if (!chain) throw new UsageError(`${exp.name} is in no chain.`);
      const monthlyChain = chain.timescale === 'monthly';
      if (monthlyChain && !monthly)
        throw new UsageError(
          `${exp.name} is a step of a monthly chain: add --timescale monthly (and --from one of its months, YYYYMM).`,
        );
      if (!monthlyChain && monthly && fromStep !== undefined && timescaleOfStep(fromStep) !== 'yearly')
        throw new UsageError(
          `--chain continues a yearly chain: a monthly chain branches off one of its years (--from YEAR); to continue from ${formatMonth(fromStep)} give --checkpoint and --from.`,
        );
      const defaults = chainResumeDefaults(chain, workspace.experiments, monthly ? fromStep : fromYear, allChains);
      request = monthlyChain ? { ...defaults.request } : { ...defaults.request, fromYear: defaults.fromYear };
      notes.push(...defaults.notes);
      continuesAs = defaults.continuesAs;
      if (monthly && !monthlyChain) {
        // The chain's data root holds year folders; the months live under their own root.
        const { dataRoot: _yearlyRoot, fromYear: branch, ...rest } = request;
        request = { ...rest, fromMonth: branch, branchYear: branch };
        notes.push(`branches a monthly chain off its ${String(branch)} step`);
        continuesAs = [];
      }
    } else {
      checkout = await findCheckoutAbove(process.cwd(), values.checkout);
      if (published?.strategy === 'oracle' && strategy === undefined)
        throw new UsageError(
          `${published.repo} is an oracle, trained once on all years: there is no next year to continue it with.`,
        );
      if (published !== null && isTicStrategy(published.strategy)) {
        request = { strategy: published.strategy, filtering: published.filtering, fromYear: published.year };
        notes.push(
          `continues the published ${published.year} checkpoint of ${published.repo}: strategy and filtering from its name`,
        );
        if (monthly) {
          // The file is the whole yearly step: the monthly chain goes on after its last month.
          const lastMonth = monthsOfYear(published.year).at(-1);
          if (fromStep !== undefined && fromStep !== published.year && fromStep !== lastMonth)
            throw new UsageError(
              `checkpoints/${published.year}.pt is the ${published.year} step: --from ${published.year}${lastMonth === undefined ? '' : ` or ${lastMonth}`}, got ${values.from}.`,
            );
          request = { strategy: published.strategy, filtering: published.filtering, fromMonth: published.year };
          request.branchYear = published.year;
        }
      }
      if (fromYear !== undefined) request.fromYear = fromYear;
      if (fromStep !== undefined) request.fromMonth = fromStep;
      if (monthly && request.fromMonth === undefined)
        throw new UsageError(
          "--timescale monthly needs --from: the checkpoint's step, a month (202212) or a yearly step (2022).",
        );
    }
    const envRoot = process.env[monthly ? 'TIC_DATACOMP_M_PATH' : 'TIC_DATACOMP_Y_PATH'];
    const merged: ResumeDraft = {
      filtering: 'basic',
      nprocPerNode: 8,
      ...(envRoot ? { dataRoot: `${envRoot.replace(/\/+$/, '')}/train` } : {}),
      ...(checkout ? { outputDir: resolve(checkout.datacompDir, 'results') } : {}),
      ...request,
      ...(checkout ? { checkout: checkout.root } : {}),
      ...defined({
        strategy,
        scale,
        filtering: values.filtering,
        checkpoint: values.checkpoint === undefined ? undefined : absolute(values.checkpoint),
        dataRoot: values['data-root'] === undefined ? undefined : absolute(values['data-root']),
        imagenetVal: values['imagenet-val'] === undefined ? undefined : absolute(values['imagenet-val']),
        outputDir: values['output-dir'] === undefined ? undefined : absolute(values['output-dir']),
        nprocPerNode: optionalInt(values['nproc-per-node'], '--nproc-per-node'),
        maxRestarts: optionalInt(values['max-restarts'], '--max-restarts'),
        warmup: optionalInt(values.warmup, '--warmup'),
        dataWeights: values['data-weights'] === undefined ? undefined : dataWeights(values['data-weights']),
        wandb:
          values['wandb-project'] !== undefined ? { project: values['wandb-project'] } : values.wandb ? {} : undefined,
        expName: values['exp-name'],
        variant: values.variant,
        torchrun: values.torchrun,
        timescale: monthly ? 'monthly' : undefined,
        monthlyData,
        branchYear,
      }),
    };
    if (merged.strategy === 'oracle') delete merged.checkpoint;
    if (merged.strategy === 'oracle' && merged.fromYear !== undefined && values.from === undefined)
      delete merged.fromYear;
    const plan = planResume(complete(merged));
    // A launch from a step that already continues with this strategy forks the lineage: say so, and how to name it.
    const siblings = monthly ? [] : forkedBy(continuesAs, plan.strategy).map((c) => c.expName);
    if (siblings.length > 0)
      notes.push(
        `the ${String(merged.fromYear)} step already continues as ${siblings.join(', ')}: this run starts another variant${plan.variant === null ? '; name it with --variant' : ''}`,
      );
    const slurm = slurmScriptFor(
      values,
      { ...plan, kind: 'train', label: `train ${stepLabel(plan)} ${plan.strategy}`, outputDir: plan.expDir },
      complete(merged).nprocPerNode,
    );
    const problems = values['no-validate'] ? [] : await validateResumePlan(plan);
    const json = resumeJson(plan, problems, notes, values['no-validate']);
    return report(
      io,
      values.json,
      slurm ? { ...json, scheduler: 'slurm', slurm } : { ...json, scheduler: 'local' },
      `${describeResume(plan, problems, notes)}${slurm ? `\nsbatch script (run ${slurm.runId}, provisional id):\n\n${slurm.script}` : ''}`,
      problems,
      values['no-validate'],
    );
  } catch (error) {
    if (PlanError.is(error)) {
      io.stderr.write(`tic-studio plan: ${error.reason}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function planEvalCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      checkpoint: { type: 'string' },
      arch: { type: 'string' },
      'output-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      tasks: { type: 'string' },
      'sample-eval': { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      python: { type: 'string' },
      checkout: { type: 'string' },
      'no-validate': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help).`);
  if (values.checkpoint === undefined) throw new UsageError('give --checkpoint FILE.');
  const checkpoint = absolute(values.checkpoint);
  const checkout = await findCheckoutAbove(dirname(checkpoint), values.checkout);
  const checkoutRoot = checkout?.root ?? (await findCheckoutAbove(process.cwd(), undefined))?.root;
  if (checkoutRoot === undefined) throw new UsageError('no ml-tic-clip checkout found: give --checkout DIR.');
  let arch = values.arch;
  if (arch === undefined) {
    try {
      arch = (await inspectCheckpoint(checkpoint)).architecture?.name ?? undefined;
    } catch {
      arch = undefined;
    }
    if (arch === undefined)
      throw new UsageError(`cannot tell the architecture of ${checkpoint}: give --arch (ViT-B-32, ViT-B-16…).`);
  }
  const tasks =
    values.tasks === undefined
      ? undefined
      : values.tasks
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
  for (const t of tasks ?? []) if (!isTicTaskGroup(t)) throw new UsageError(`unknown task group '${t}' (see --help).`);
  try {
    const plan = planEval({
      checkout: checkoutRoot,
      checkpoint,
      arch,
      outputDir:
        values['output-dir'] === undefined
          ? defaultEvalOutput(checkoutRoot, checkpoint)
          : absolute(values['output-dir']),
      dataDir:
        values['data-dir'] === undefined ? resolve(checkoutRoot, 'datacomp', 'data') : absolute(values['data-dir']),
      // A monthly step (its experiment named …_m{YYYYMM}) is scored on the monthly tasks unless --tasks says otherwise.
      taskGroups:
        tasks?.filter(isTicTaskGroup) ??
        defaultTaskGroupsFor(timescaleOfExpName(parseResumeReference(checkpoint)?.expName ?? null)),
      ...defined({
        sampleEval: values['sample-eval'] ? true : undefined,
        batchSize: optionalInt(values['batch-size'], '--batch-size'),
        python: values.python,
      }),
    });
    const problems = values['no-validate'] ? [] : await validateEvalPlan(plan);
    return report(
      io,
      values.json,
      evalJson(plan, problems, values['no-validate']),
      describeEval(plan, problems),
      problems,
      values['no-validate'],
    );
  } catch (error) {
    if (PlanError.is(error)) {
      io.stderr.write(`tic-studio plan: ${error.reason}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function report(
  io: CliIo,
  json: boolean,
  asJson: unknown,
  asText: string,
  problems: readonly PlanProblem[],
  skipped: boolean,
): number {
  io.stdout.write(json ? `${JSON.stringify(asJson, null, 2)}\n` : asText);
  return !skipped && hasBlockingProblem(problems) ? 1 : 0;
}

function commandJson(plan: CommandPlan): { argv: string[]; cwd: string; env: Record<string, string> } {
  return { argv: [...plan.argv], cwd: plan.cwd, env: { ...plan.env } };
}

function resumeJson(
  plan: ResumePlan,
  problems: readonly PlanProblem[],
  notes: readonly string[],
  skipped: boolean,
): Record<string, unknown> {
  return {
    ...commandJson(plan),
    step: {
      strategy: plan.strategy,
      scale: plan.scale,
      filtering: plan.filtering,
      timescale: plan.timescale,
      trainYear: plan.trainYear,
      trainMonth: plan.trainMonth,
      monthlyData: plan.monthlyData,
      fromScratch: plan.fromScratch,
      checkpoint: plan.checkpoint,
      model: plan.model,
      expName: plan.expName,
      variant: plan.variant,
      expDir: plan.expDir,
      dataDirs: plan.dataDirs,
    },
    notes,
    validated: !skipped,
    problems,
    valid: !hasBlockingProblem(problems),
  };
}

function evalJson(plan: EvalPlan, problems: readonly PlanProblem[], skipped: boolean): unknown {
  return {
    steps: plan.steps.map(commandJson),
    checkpoint: plan.checkpoint,
    arch: plan.arch,
    outputDir: plan.outputDir,
    dataDir: plan.dataDir,
    taskGroups: plan.taskGroups,
    tasklistPath: plan.tasklistPath,
    resultsPath: plan.resultsPath,
    validated: !skipped,
    problems,
    valid: !hasBlockingProblem(problems),
  };
}

function describeResume(plan: ResumePlan, problems: readonly PlanProblem[], notes: readonly string[]): string {
  const out = [
    `${plan.scale} ${plan.filtering} ${plan.strategy} ${stepLabel(plan)}: ${
      plan.fromScratch ? 'from scratch' : `continues from ${plan.checkpoint}`
    } (${plan.model})`,
    ...notes.map((n) => `  note: ${n}`),
    `experiment: ${plan.expDir}`,
    `data: ${plan.dataDirs.join(' :: ')}`,
    '',
    ...commandText(plan),
  ];
  return `${[...out, ...problemText(problems)].join('\n')}\n`;
}

/** `2019`, or the month of a monthly step as `2023-01`. */
function stepLabel(plan: ResumePlan): string {
  return plan.trainMonth === null ? String(plan.trainYear) : formatMonth(plan.trainMonth);
}

function describeEval(plan: EvalPlan, problems: readonly PlanProblem[]): string {
  const out = [
    `evaluate ${plan.checkpoint} (${plan.arch}) on ${plan.taskGroups.join(', ')}`,
    `results: ${plan.resultsPath}`,
    '',
    '1. write datacomp/tasklist.yml',
    ...commandText(plan.steps[0]),
    '',
    '2. evaluate',
    ...commandText(plan.steps[1]),
  ];
  return `${[...out, ...problemText(problems)].join('\n')}\n`;
}

function commandText(plan: CommandPlan): string[] {
  return [
    `cwd: ${plan.cwd}`,
    `env: ${
      Object.entries(plan.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-'
    }`,
    `command: ${shellQuoteArgv(plan.argv)}`,
  ];
}

function problemText(problems: readonly PlanProblem[]): string[] {
  if (problems.length === 0) return ['', 'checks: all passed'];
  return ['', 'problems:', ...problems.map((p) => `  ${p.severity} ${p.reason}: ${p.message}`)];
}

/** The checkout above `start` (an experiment dir is `<checkout>/datacomp/results/<exp>`), or at `override`. */
async function findCheckoutAbove(start: string, override: string | undefined): Promise<TicCheckout | null> {
  if (override !== undefined) {
    const found = await findTicCheckout(resolve(override));
    if (!found)
      throw new UsageError(
        `${resolve(override)} is not an ml-tic-clip checkout (no datacomp/train.py and evaluate.py).`,
      );
    return found;
  }
  let dir = resolve(start);
  for (let i = 0; i < 8; i++) {
    const found = await findTicCheckout(dir);
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** `<checkout>/datacomp/eval_results/<exp_name>` for `…/<exp_name>/checkpoints/epoch_latest.pt`, `<exp>_epoch_N` for
 * other epochs, `<repo>_<year>` for a published checkpoint, else the file name without `.pt`. */
function defaultEvalOutput(checkoutRoot: string, checkpoint: string): string {
  const ref = parseResumeReference(checkpoint);
  let name = basename(checkpoint).replace(/\.(pt|pth|bin|safetensors)$/, '');
  if (ref?.huggingFace) name = `${ref.huggingFace.repo.split('/')[1]}_${ref.huggingFace.year}`;
  else if (ref?.expName) name = ref.epoch === null ? ref.expName : `${ref.expName}_epoch_${ref.epoch}`;
  return resolve(checkoutRoot, 'datacomp', 'eval_results', name);
}

function complete(request: ResumeDraft): ResumeRequest {
  const { strategy, scale, checkout, dataRoot, imagenetVal, outputDir } = request;
  const missing = [
    strategy === undefined ? '--strategy' : null,
    scale === undefined ? '--scale' : null,
    checkout === undefined ? '--checkout' : null,
    dataRoot === undefined
      ? `--data-root (or ${request.timescale === 'monthly' ? 'TIC_DATACOMP_M_PATH' : 'TIC_DATACOMP_Y_PATH'})`
      : null,
    imagenetVal === undefined ? '--imagenet-val' : null,
    outputDir === undefined ? '--output-dir' : null,
  ].filter((f) => f !== null);
  if (
    strategy === undefined ||
    scale === undefined ||
    checkout === undefined ||
    dataRoot === undefined ||
    imagenetVal === undefined ||
    outputDir === undefined
  ) {
    throw new UsageError(`missing ${missing.join(', ')}.`);
  }
  return {
    ...request,
    strategy,
    scale,
    checkout,
    dataRoot,
    imagenetVal,
    outputDir,
    filtering: request.filtering ?? 'basic',
    nprocPerNode: request.nprocPerNode ?? 8,
  };
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function absolute(path: string): string {
  return /^[a-z][\w+.-]*:\/\//i.test(path) ? path : resolve(path);
}

function optionalInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} expects a whole number, got '${value}'.`);
  return Number(value);
}

function optionalStep(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const step = parseTimeStep(value);
  if (step === null)
    throw new UsageError(
      `--from expects a year (2022) or a TiC-DataComp month (202212 or 2022-12; 201403…202306 with gaps), got '${value}'.`,
    );
  return step;
}

function dataWeights(value: string): number[] {
  return value.split('::').map((w) => {
    const n = Number(w);
    if (w.trim() === '' || !Number.isFinite(n))
      throw new UsageError(`--data-weights expects numbers joined by ::, got '${value}'.`);
    return n;
  });
}
