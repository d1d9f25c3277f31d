#!/usr/bin/env node
// Stand-in for `python evaluate.py …` (patched DC, contracts.md §3): the same argv, the §3.3 stdout lines, and
// `eval_results.jsonl` rows in the exact json.dumps format, with deterministic, plausible numbers (each model is
// best near its own training year, read from the checkpoint path). Node builtins only.
//
// Tasks come from `tasklist.yml` next to this script, like evaluate.py (§3.2); the stand-in-only option
// `--tasklist FILE` (or TIC_STANDIN_TASKLIST) points elsewhere. Only the flat TiC keys are read (§3.4).
// The simulated runs skip generate_tasklist.py, so the stand-in-only `--eval-tasks G1,G2` and `--sample-eval` (or
// TIC_STANDIN_EVAL_TASKS, TIC_STANDIN_SAMPLE_EVAL=1) make the task list generate_tasklist.py would write for those
// groups (`retrieval/monthly,datacompnet/monthly`, …; §3.4). Without either choice, a monthly step's checkpoint
// (`…_m{YYYYMM}/checkpoints/…`) gets the monthly groups, as TiC Studio evaluates monthly steps by default.
// Environment: TIC_STANDIN_MODE (ok | crash | hang | ignoreSigint | ignoreSigterm), TIC_STANDIN_STEP_MS (per task,
// default 200), TIC_STANDIN_MAX_MS (exit 124 after this long).
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fakeDatacomp = '/opt/ml-tic-clip/datacomp';

const options = {
  track: { kind: 'str', choices: ['filtering', 'byod'] },
  train_output_dir: { kind: 'str', required: true },
  output_dir: { kind: 'str' },
  data_dir: { kind: 'str' },
  batch_size: { kind: 'int', default: 64 },
  submit: { kind: 'flag' },
  method_name: { kind: 'str' },
  author: { kind: 'str' },
  writeup: { kind: 'str' },
  email: { kind: 'str' },
  hf_username: { kind: 'str' },
  hf_repo_name: { kind: 'str' },
  'dataset-size': { kind: 'str', default: '' },
  samples: { kind: 'str' },
  upload_checkpoint: { kind: 'flag' },
  use_model: { kind: 'str' },
  skip_hf: { kind: 'flag' },
  skip_db: { kind: 'flag' },
  skip_notification: { kind: 'flag' },
  tasklist: { kind: 'str' },
  'eval-tasks': { kind: 'str' },
  'sample-eval': { kind: 'flag' },
};

async function main() {
  const env = process.env;
  const mode = env.TIC_STANDIN_MODE ?? 'ok';
  const stepMs = Number(env.TIC_STANDIN_STEP_MS ?? 200);
  if (env.TIC_STANDIN_MAX_MS !== undefined) setTimeout(() => process.exit(124), Number(env.TIC_STANDIN_MAX_MS)).unref();
  installSignalHandlers(mode);

  const args = parseArgparse(process.argv.slice(2));
  let trainOutputDir = args.train_output_dir;
  const outputDir = args.output_dir ?? trainOutputDir;
  let checkpoint = join(trainOutputDir, 'checkpoints', 'epoch_latest.pt');
  if (args.use_model !== undefined) {
    trainOutputDir = outputDir;
    const space = args.use_model.trim().search(/\s/);
    if (space < 0) fail([['evaluate.py', 293, '<module>', 'model_arch, model_checkpoint = args.use_model.split(maxsplit=1)']], 'ValueError: not enough values to unpack (expected 2, got 1)');
    const arch = args.use_model.trim().slice(0, space);
    checkpoint = args.use_model.trim().slice(space).trim();
    mkdirSync(outputDir, { recursive: true });
    writeInfoPkl(join(trainOutputDir, 'info.pkl'), arch, checkpoint);
  }
  if (args.submit) fail([['evaluate.py', 301, '<module>', 'assert (']], 'AssertionError: The stand-in evaluator does not submit.');

  const infoPath = join(trainOutputDir, 'info.pkl');
  if (!existsSync(infoPath)) {
    fail([['evaluate.py', 318, '<module>', 'train_info = pickle.load(open(train_info_filename, "rb"))']], `FileNotFoundError: [Errno 2] No such file or directory: '${infoPath}'`);
  }
  const resultsFilename = join(outputDir, 'eval_results.jsonl');
  const tasks = chooseTasks(args, env, checkpoint);

  const results = new Map();
  const cachedInfo = join(outputDir, 'info.pkl');
  if (existsSync(outputDir) && existsSync(cachedInfo)) {
    if (existsSync(resultsFilename)) {
      for (const line of readFileSync(resultsFilename, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const row = JSON.parse(line);
        if (!tasks.some((t) => t.key === row.key)) continue;
        results.set(row.dataset, { key: row.key, dataset: row.dataset, metrics: row.metrics, text: line });
      }
      out(`Found ${results.size} eval result(s) in ${resultsFilename}.`);
    }
  } else {
    mkdirSync(outputDir, { recursive: true });
    copyFileSync(infoPath, cachedInfo);
  }

  markSimulated(outputDir, 'standInEvaluate.mjs');
  out('Evaluating');
  const start = Math.floor(Date.now() / 1000);
  let evaluated = 0;
  for (const task of tasks) {
    if (results.has(task.name)) {
      out(`Skipping ${task.name} since results are already in ${resultsFilename}`);
    } else {
      out(`Evaluating on ${task.name}`);
      await sleep(stepMs);
      if (args.use_model !== undefined && !existsSync(checkpoint) && checkpoint !== 'openai') {
        fail(
          [
            ['evaluate.py', 352, '<module>', 'metrics = evaluate_model('],
            ['eval_utils/main.py', 60, 'evaluate_model', 'model, transform, device = create_model(model_arch, model_path)'],
            ['open_clip/factory.py', 214, 'create_model', "raise RuntimeError(f'Pretrained weights ({pretrained}) not found for model {model_name}.')"],
          ],
          `RuntimeError: Pretrained weights (${checkpoint}) not found for model ${args.use_model.trim().split(/\s+/)[0]}.`,
        );
      }
      if (mode === 'crash' && evaluated === 1) {
        fail(
          [
            ['evaluate.py', 352, '<module>', 'metrics = evaluate_model('],
            ['eval_utils/main.py', 75, 'evaluate_model', 'metrics = evaluate_retrieval_dataset('],
          ],
          'RuntimeError: CUDA out of memory. Tried to allocate 1.50 GiB (GPU 0; 79.15 GiB total capacity; 77.40 GiB already allocated)',
        );
      }
      if (mode === 'hang' && evaluated === 1) await new Promise(() => setInterval(() => {}, 60_000));
      const metrics = metricsFor(task, checkpoint);
      const text = pyJson({ key: task.key, dataset: task.name, metrics });
      results.set(task.name, { key: task.key, dataset: task.name, metrics, text });
      appendFileSync(resultsFilename, `${text}\n`);
      evaluated++;
    }
    const main = results.get(task.name).metrics.main_metric;
    out(main === null || main === undefined ? 'Score: No summary metric' : `Score: ${main.toFixed(4)}`);
  }
  const elapsed = Math.floor(Date.now() / 1000) - start;
  out(`Evaluation time: ${Math.floor(elapsed / 3600)} hour(s) ${Math.floor((elapsed % 3600) / 60)} minute(s) ${elapsed % 60} second(s)`);
  out('');
  out('=== Final results ===');
  for (const row of results.values()) out(`${row.dataset}: ${row.metrics.main_metric === null ? 'None' : pyFloat(row.metrics.main_metric)}`);
  process.exit(0);
}

// Retrieval: CB key order + DC's mean_recall@1; DataCompNet: acc1/acc5/mean_per_class_recall (§3.2).
// The levels and the decay follow demo/generate.py, so a simulated evaluation sits next to the demo's own: a model
// scores `level × factor`, its level rising with the data it has seen (mean_recall@1 0.262 after 2016, 0.306 after
// 2019), the factor 1 on its own year or month, lower for later ones, a little lower for earlier ones (sequential
// forgets more).
function metricsFor(task, checkpoint) {
  const retrieval = task.key.includes('retrieval');
  const trained = trainedMonth(checkpoint);
  const seenYears = (monthIndex(trained) - monthIndex(201612)) / 12;
  const level = retrieval ? 0.262 + 0.0148 * seenYears : 0.184 + 0.0133 * seenYears;
  const monthlyStep = monthOfStep(checkpoint) !== null;
  const sequential = /_sequential_/.test(checkpoint);
  const monthly = /\/monthly\/(\d{6})$/.exec(task.key);
  let factor;
  if (monthly) {
    const months = monthIndex(Number(monthly[1])) - monthIndex(trained);
    const near = (retrieval ? 0.045 : 0.03) * Math.exp(-Math.abs(months) / 1.5);
    const forgets = months < 0 && sequential && monthlyStep ? (retrieval ? 0.015 : 0.008) : 0;
    factor = 1 + near + transfer(months / 12, retrieval, false) - forgets;
  } else {
    const year = Number(/(\d{4})(\d{2})?$/.exec(task.key)?.[1] ?? 2016);
    const trainYear = Math.floor(trained / 100);
    factor = 1 + transfer(year - trainYear, retrieval, sequential && !monthlyStep && trainYear > 2016);
  }
  // ±0.003, or ±0.001 on monthly tasks: neighbouring months differ by only ~0.004, and the own month stays the best.
  const spread = monthly ? 1 : 3;
  const jitter = (salt) => ((hash(`${checkpoint}|${task.key}|${salt}`) % (2 * spread + 1)) - spread) / 1000;
  const n = 1000;
  const frac = (x) => Math.round(Math.min(0.989, Math.max(0.011, x)) * n) / n;
  if (retrieval) {
    const base = level * factor;
    const m = {
      'image_retrieval_recall@1': frac(base - 0.008 + jitter('i1')),
      'text_retrieval_recall@1': frac(base + 0.008 + jitter('t1')),
      'image_retrieval_recall@5': frac(base + 0.25 + jitter('i5')),
      'text_retrieval_recall@5': frac(base + 0.27 + jitter('t5')),
      'image_retrieval_recall@10': frac(base + 0.33 + jitter('i10')),
      'text_retrieval_recall@10': frac(base + 0.35 + jitter('t10')),
    };
    m['mean_recall@1'] = 0.5 * (m['text_retrieval_recall@1'] + m['image_retrieval_recall@1']);
    m.main_metric = m[task.mainMetric ?? 'acc1'] ?? null;
    return m;
  }
  const base = level * factor;
  const m = { acc1: frac(base + jitter('a1')), acc5: frac(base + 0.27 + jitter('a5')), mean_per_class_recall: frac(base - 0.006 + jitter('r')) };
  m.main_metric = m[task.mainMetric ?? 'acc1'] ?? null;
  return m;
}

// The change of the factor `years` after (> 0) or before (< 0) what the model trained on last (demo/generate.py).
function transfer(years, retrieval, sequentialForgets) {
  if (years > 0) return retrieval ? -0.04 * years - 0.002 * years * years : -0.018 * years - 0.001 * years * years;
  if (years === 0) return 0;
  if (sequentialForgets) return -0.02 + (retrieval ? 0.055 : 0.026) * years;
  return (retrieval ? 0.014 : 0.006) * years;
}

// The month of a monthly step's checkpoint (`…_m{YYYYMM}/…`), else null.
function monthOfStep(checkpoint) {
  const all = [...checkpoint.matchAll(/_m(\d{6})(?=\/)/g)];
  return all.length > 0 ? Number(all[all.length - 1][1]) : null;
}

// The last month a checkpoint trained on: its month, or December of its year (a yearly step, a published `2022.pt`).
function trainedMonth(checkpoint) {
  const month = monthOfStep(checkpoint);
  if (month !== null) return month;
  return Number(/(20[12]\d)(?!.*20[12]\d)/.exec(checkpoint)?.[1] ?? 2016) * 100 + 12;
}

function monthIndex(month) {
  return Math.floor(month / 100) * 12 + (month % 100);
}

// generate_tasklist.py's years and MONTHS (contracts §3.4: 102 months with gaps; src/tic/ticMonths.ts).
const ticYears = [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022];
const monthsOf = (year, ...months) => months.map((m) => year * 100 + m);
const ticMonths = [
  ...monthsOf(2014, 3, 4, 7, 8, 9, 10, 11, 12),
  ...monthsOf(2015, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11),
  ...monthsOf(2016, 2, 4, 5, 6, 7, 8, 9, 10, 12),
  ...[2017, 2018, 2019, 2020, 2021].flatMap((y) => monthsOf(y, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)),
  ...monthsOf(2022, 1, 5, 6, 7, 8, 9, 10, 11, 12),
  ...monthsOf(2023, 1, 2, 3, 4, 5, 6),
];

// The tasks generate_tasklist.py writes for `--eval-tasks groups` (a substring test per group; `--sample-eval`: 2014
// and 201403 only), in the order of its yaml.dump (sorted keys: DataCompNet before retrieval, monthly before yearly).
function generatedTasks(groups, sampleEval) {
  const tasks = [];
  const add = (family, name, timescale, periods, mainMetric) => {
    for (const period of periods) {
      if (sampleEval && period !== 2014 && period !== 201403) continue;
      const key = `tic/datacomp/${family}/${timescale}/${period}`;
      if (!groups.some((g) => key.includes(g))) continue;
      const label = timescale === 'yearly' ? 'Yearly' : 'Monthly';
      tasks.push({ key, name: `${name}-${label}-${period}`, ...(mainMetric ? { mainMetric } : {}) });
    }
  };
  add('retrieval', 'TiC-DataComp-Retrieval', 'yearly', ticYears, 'mean_recall@1');
  add('datacompnet', 'TiC-DataCompNet', 'yearly', ticYears, null);
  add('retrieval', 'TiC-DataComp-Retrieval', 'monthly', ticMonths, 'mean_recall@1');
  add('datacompnet', 'TiC-DataCompNet', 'monthly', ticMonths, null);
  return tasks.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function chooseTasks(args, env, checkpoint) {
  const groups = args['eval-tasks'] ?? env.TIC_STANDIN_EVAL_TASKS;
  const sampleEval = args['sample-eval'] === true || env.TIC_STANDIN_SAMPLE_EVAL === '1';
  if (groups !== undefined || sampleEval) {
    const list = (groups ?? 'retrieval/yearly,datacompnet/yearly,retrieval/monthly,datacompnet/monthly')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    return generatedTasks(list, sampleEval);
  }
  const tasklist = args.tasklist ?? env.TIC_STANDIN_TASKLIST;
  if (tasklist === undefined && monthOfStep(checkpoint) !== null) {
    return generatedTasks(['retrieval/monthly', 'datacompnet/monthly'], false);
  }
  return readTasklist(tasklist ?? join(here, 'tasklist.yml'));
}

// yaml.dump output of generate_tasklist.py (§3.4): top-level keys, then indented `name:` / `main_metric:` pairs.
function readTasklist(path) {
  const tasks = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const top = /^(\S[^:]*):\s*$/.exec(line);
    if (top) {
      tasks.push({ key: top[1], name: top[1] });
      continue;
    }
    const attr = /^ {2}(name|main_metric): (.+)$/.exec(line);
    const task = tasks[tasks.length - 1];
    if (attr && task) task[attr[1] === 'name' ? 'name' : 'mainMetric'] = attr[2].trim();
  }
  return tasks;
}

function parseArgparse(argv) {
  const values = {};
  const unknown = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    const eq = token.indexOf('=');
    const name = token.startsWith('--') ? token.slice(2, eq < 0 ? undefined : eq) : undefined;
    const option = name === undefined ? undefined : options[name];
    if (option === undefined) {
      unknown.push(token);
      continue;
    }
    if (option.kind === 'flag') {
      values[name] = true;
      continue;
    }
    const raw = eq >= 0 ? token.slice(eq + 1) : argv[++i];
    if (raw === undefined) usageError(`argument --${name}: expected one argument`);
    if (option.choices && !option.choices.includes(raw)) usageError(`argument --${name}: invalid choice: '${raw}' (choose from ${option.choices.map((c) => `'${c}'`).join(', ')})`);
    if (option.kind === 'int' && !/^[-+]?\d+$/.test(raw)) usageError(`argument --${name}: invalid int value: '${raw}'`);
    values[name] = option.kind === 'int' ? Number(raw) : raw;
  }
  if (values.train_output_dir === undefined) usageError('the following arguments are required: --train_output_dir');
  if (unknown.length > 0) usageError(`unrecognized arguments: ${unknown.join(' ')}`);
  return values;
}

function usageError(message) {
  process.stderr.write('usage: evaluate.py [-h] [--track {filtering,byod}] --train_output_dir TRAIN_OUTPUT_DIR [--output_dir OUTPUT_DIR] [--data_dir DATA_DIR] …\n');
  process.stderr.write(`evaluate.py: error: ${message}\n`);
  process.exit(2);
}

function installSignalHandlers(mode) {
  if (mode === 'hang' || mode === 'ignoreSigterm') {
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => {});
  } else if (mode === 'ignoreSigint') {
    process.on('SIGINT', () => {});
  } else {
    process.on('SIGINT', () => {
      traceback([['evaluate.py', 352, '<module>', 'metrics = evaluate_model(']], 'KeyboardInterrupt');
      process.exit(130);
    });
  }
}

function fail(frames, exceptionLine) {
  traceback(frames, exceptionLine);
  process.exit(1);
}

function traceback(frames, exceptionLine) {
  const lines = ['Traceback (most recent call last):'];
  for (const [file, line, fn, code] of frames) lines.push(`  File "${fakeDatacomp}/${file}", line ${line}, in ${fn}`, `    ${code}`);
  lines.push(exceptionLine);
  process.stderr.write(`${lines.join('\n')}\n`);
}

// json.dumps with the default separators (", " and ": ") and repr() floats.
function pyJson(value) {
  if (value === null) return 'null';
  if (typeof value === 'number') return pyFloat(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${pyJson(v)}`)
    .join(', ')}}`;
}

function pyFloat(x) {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/**
 * What evaluate.py writes with --use_model (contracts §3.2): a bare pickle of
 * `{"scale_config": {"model": arch}, "checkpoint": path}`, here in pickle protocol 2 with strings only.
 */
function writeInfoPkl(target, arch, checkpoint) {
  const str = (text) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    return Buffer.concat([Buffer.from('X'), length, bytes]);
  };
  const dict = (...items) => Buffer.concat([Buffer.from('}('), ...items, Buffer.from('u')]);
  const pickle = Buffer.concat([
    Buffer.from([0x80, 0x02]),
    dict(str('scale_config'), dict(str('model'), str(arch)), str('checkpoint'), str(checkpoint)),
    Buffer.from('.'),
  ]);
  writeFileSync(target, pickle);
}

function hash(text) {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

function out(line) {
  process.stdout.write(`${line}\n`);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

await main();

// TiC Studio's mark of made-up numbers (contracts §9.3): written before any result, so that a folder this
// stand-in wrote into is known as simulated wherever it goes. Only its presence counts; the text is for people.
function markSimulated(dir, writer) {
  const note = `The numbers in this folder were made up by ${writer}, the TiC Studio demo's stand-in; nothing was trained or evaluated.`;
  writeFileSync(join(dir, 'tic-studio-simulated.json'), `${JSON.stringify({ version: 1, writer, note }, null, 2)}\n`);
}
