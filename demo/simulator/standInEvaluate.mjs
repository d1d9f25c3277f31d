#!/usr/bin/env node
// Stand-in for `python evaluate.py …` (patched DC, contracts.md §3): the same argv, the §3.3 stdout lines, and
// `eval_results.jsonl` rows in the exact json.dumps format, with deterministic, plausible numbers (each model is
// best near its own training year, read from the checkpoint path). Node builtins only.
//
// Tasks come from `tasklist.yml` next to this script, like evaluate.py (§3.2); the stand-in-only option
// `--tasklist FILE` (or TIC_STANDIN_TASKLIST) points elsewhere. Only the flat TiC keys are read (§3.4).
// Environment: TIC_STANDIN_MODE (ok | crash | hang | ignoreSigint | ignoreSigterm), TIC_STANDIN_STEP_MS (per task,
// default 200), TIC_STANDIN_MAX_MS (exit 124 after this long).
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fixtureInfoPkl = resolve(here, '../../../demo/datacomp/results/datacomp_medium-basic_cumulative_2016/info.pkl');
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
    checkpoint = args.use_model.trim().slice(space).trim();
    mkdirSync(outputDir, { recursive: true });
    writeInfoPkl(join(trainOutputDir, 'info.pkl'));
  }
  if (args.submit) fail([['evaluate.py', 301, '<module>', 'assert (']], 'AssertionError: The stand-in evaluator does not submit.');

  const infoPath = join(trainOutputDir, 'info.pkl');
  if (!existsSync(infoPath)) {
    fail([['evaluate.py', 318, '<module>', 'train_info = pickle.load(open(train_info_filename, "rb"))']], `FileNotFoundError: [Errno 2] No such file or directory: '${infoPath}'`);
  }
  const resultsFilename = join(outputDir, 'eval_results.jsonl');
  const tasks = readTasklist(args.tasklist ?? env.TIC_STANDIN_TASKLIST ?? join(here, 'tasklist.yml'));

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
function metricsFor(task, checkpoint) {
  const year = Number(/(\d{4})(\d{2})?$/.exec(task.key)?.[1] ?? 2016);
  const trainYear = Number(/(20[12]\d)(?!.*20[12]\d)/.exec(checkpoint)?.[1] ?? 2016);
  const gap = year > trainYear ? 0.035 * (year - trainYear) : 0.008 * (trainYear - year);
  const jitter = (salt) => (hash(`${checkpoint}|${task.key}|${salt}`) % 17) / 1000;
  const n = 1000;
  const frac = (x) => Math.round(Math.min(0.989, Math.max(0.011, x)) * n) / n;
  if (task.key.includes('retrieval')) {
    const base = 0.52 - gap;
    const m = {
      'image_retrieval_recall@1': frac(base + jitter('i1')),
      'text_retrieval_recall@1': frac(base + 0.03 + jitter('t1')),
      'image_retrieval_recall@5': frac(base + 0.25 + jitter('i5')),
      'text_retrieval_recall@5': frac(base + 0.27 + jitter('t5')),
      'image_retrieval_recall@10': frac(base + 0.33 + jitter('i10')),
      'text_retrieval_recall@10': frac(base + 0.35 + jitter('t10')),
    };
    m['mean_recall@1'] = 0.5 * (m['text_retrieval_recall@1'] + m['image_retrieval_recall@1']);
    m.main_metric = m[task.mainMetric ?? 'acc1'] ?? null;
    return m;
  }
  const base = 0.41 - gap;
  const m = { acc1: frac(base + jitter('a1')), acc5: frac(base + 0.27 + jitter('a5')), mean_per_class_recall: frac(base - 0.01 + jitter('r')) };
  m.main_metric = m[task.mainMetric ?? 'acc1'] ?? null;
  return m;
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

function writeInfoPkl(target) {
  if (existsSync(fixtureInfoPkl)) copyFileSync(fixtureInfoPkl, target);
  else writeFileSync(target, 'stand-in info.pkl\n');
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
