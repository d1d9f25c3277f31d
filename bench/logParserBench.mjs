#!/usr/bin/env node
// Log parser benchmark: TiC Studio's streaming OpenCLIP log parser (src/formats/logParser.ts, read through
// src/formats/logFile.ts) against, on the same generated out.log and in the same run:
//   - the same parser as it was before issue 16's byte-level rewrite (the frozen copy in
//     test/support/referenceLogParser.ts, fed by the same 1 MiB reads): "before";
//   - a plain line-by-line Python regex parser of the same format (bench/logParserPeer.py, Debian's
//     /usr/bin/python3): the peer a user would write;
//   - `wc -l` on the same file: the I/O floor (read every byte from the page cache, count newlines).
//
//   node bench/logParserBench.mjs [--size-mb 1024] [--runs 3] [--baseline REV] [--out bench/results/logParser.md] [--keep]
//
// Besides the event API (parseLogFile), the series path is timed: readStepSeries (src/formats/stepSeries.ts), what
// the dashboard and the series cache run, where the usual `Train Epoch` lines go straight into the columns.
// --baseline REV also times both paths as they were at git revision REV (its src/ taken with `git archive`):
// a before/after of a change in the same run.
//
// 1. Bundles src/formats/logFile.ts and the frozen parser with esbuild into bench/.data/ (the code the extension
//    ships, minus tsx).
// 2. Streams a --size-mb out.log into bench/.data/out.bench.log in the real format (contracts §2.1–2.2): starts of
//    training as in the TIC chains (resume line, distributed start line, `Model:` with the ViT-B-16 repr, the
//    97-line `Params:` block), then 5 epochs of `Train Epoch` lines of the tic_xlarge geometry (64 GPUs × 1408,
//    369,459,200 samples and 4,100 steps per epoch) logged every step, zero-shot lines and `Eval Epoch` after epochs
//    2, 4, 5. Numbers are formatted as Python does (`%.3f`, `#g`, `:5f`, `#.5g`). Deterministic (seeded PRNG).
// 3. Reads the file once so every peer starts from a warm page cache, then alternates the peers --runs times, each
//    in its own process, each timing its own parse loop (after imports; `wc -l` as a whole process, with the
//    user + system time of the child from the shell's `times`); reports median MB/s.
// 4. Checks that the parsers found the same train steps and eval lines and the same sums of loss, samples and LR,
//    and that `wc -l` counted the lines the parsers did.
// 5. Prints a Markdown table, writes it to --out, and deletes the generated log (unless --keep).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const dataDir = join(root, 'bench', '.data');
const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const peer = join(root, 'bench', 'logParserPeer.py');
const logFile = join(dataDir, 'out.bench.log');
const bundle = join(dataDir, 'logParserBundle.mjs');
const runner = join(dataDir, 'logParserRun.mjs');
const referenceBundle = join(dataDir, 'logParserReferenceBundle.mjs');
const referenceRunner = join(dataDir, 'logParserReferenceRun.mjs');
const baselineDir = join(dataDir, 'baseline-src');

const { values: opts } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'logParser.md') },
    keep: { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
  strict: true,
});
const sizeMb = Number(opts['size-mb']);
const runs = Number(opts.runs);
if (!(sizeMb > 0)) throw new Error(`--size-mb expects a positive number, got ${opts['size-mb']}`);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs expects a positive whole number, got ${opts.runs}`);
const command = ['node', relative(root, process.argv[1]) || process.argv[1], ...process.argv.slice(2)].join(' ');
const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const MB = 1_000_000;

mkdirSync(dataDir, { recursive: true });
const loadStart = os.loadavg()[0];

// ---------------------------------------------------------------------------------------------------------------
// 1. The parser under test, bundled (and the --baseline revision's).
const build = (entry, outfile) =>
  esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
await build(join(root, 'src/formats/logFile.ts'), bundle);
await build(join(root, 'src/formats/stepSeries.ts'), join(dataDir, 'logParserSeriesBundle.mjs'));
await build(join(root, 'test/support/referenceLogParser.ts'), referenceBundle);
const baseline = opts.baseline ?? null;
let baselineName = null;
if (baseline !== null) {
  baselineName = execFileSync('git', ['rev-parse', '--short', baseline], { cwd: root, encoding: 'utf8' }).trim();
  rmSync(baselineDir, { recursive: true, force: true });
  mkdirSync(baselineDir, { recursive: true });
  const tar = execFileSync('git', ['archive', baseline, 'src'], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', baselineDir], { input: tar });
  await build(join(baselineDir, 'src/formats/logFile.ts'), join(dataDir, 'logParserBaselineBundle.mjs'));
  await build(join(baselineDir, 'src/formats/stepSeries.ts'), join(dataDir, 'logParserBaselineSeriesBundle.mjs'));
}
// The frozen parser behind the same read loop as parseLogFile (1 MiB reads into one buffer, each read written).
writeFileSync(
  referenceRunner,
  `import { open } from 'node:fs/promises';
import { ReferenceLogParser } from './logParserReferenceBundle.mjs';
const file = process.argv[2];
let steps = 0, evals = 0, lossSum = 0, samplesSum = 0, lrSum = 0;
const cpuStarted = process.cpuUsage();
const started = performance.now();
const handle = await open(file, 'r');
const size = (await handle.stat()).size;
const buffer = Buffer.allocUnsafe(Math.min(1 << 20, size + 1));
const parser = new ReferenceLogParser((e) => {
  if (e.type === 'trainStep') { steps++; lossSum += e.losses.loss.value; samplesSum += e.samplesSeen; lrSum += e.lr; }
  else if (e.type === 'evalMetrics') evals++;
});
let position = 0;
while (position < size) {
  const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
  if (bytesRead === 0) break;
  position += bytesRead;
  parser.write(buffer.subarray(0, bytesRead));
}
parser.end();
await handle.close();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes: position, lines: parser.lines, steps, evals, lossSum, samplesSum, lrSum,
  maxRssKiB: process.resourceUsage().maxRSS, node: process.version }));
`,
);
writeFileSync(
  runner,
  `import { parseLogFile } from './logParserBundle.mjs';
const file = process.argv[2];
let steps = 0, evals = 0, lossSum = 0, samplesSum = 0, lrSum = 0;
const cpuStarted = process.cpuUsage();
const started = performance.now();
const r = await parseLogFile(file, (e) => {
  if (e.type === 'trainStep') { steps++; lossSum += e.losses.loss.value; samplesSum += e.samplesSeen; lrSum += e.lr; }
  else if (e.type === 'evalMetrics') evals++;
});
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes: r.bytes, lines: r.lines, steps, evals, lossSum, samplesSum, lrSum,
  maxRssKiB: process.resourceUsage().maxRSS, node: process.version }));
`,
);

const eventRunnerText = (bundleName) => `import { parseLogFile } from './${bundleName}';
const file = process.argv[2];
let steps = 0, evals = 0, lossSum = 0, samplesSum = 0, lrSum = 0;
const cpuStarted = process.cpuUsage();
const started = performance.now();
const r = await parseLogFile(file, (e) => {
  if (e.type === 'trainStep') { steps++; lossSum += e.losses.loss.value; samplesSum += e.samplesSeen; lrSum += e.lr; }
  else if (e.type === 'evalMetrics') evals++;
});
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes: r.bytes, lines: r.lines, steps, evals, lossSum, samplesSum, lrSum,
  maxRssKiB: process.resourceUsage().maxRSS, node: process.version }));
`;
// The series path: every point appended (kept or later replaced by a restart's rerun) is a train step line.
const seriesRunnerText = (bundleName) => `import { readStepSeries } from './${bundleName}';
const file = process.argv[2];
const cpuStarted = process.cpuUsage();
const started = performance.now();
const series = await readStepSeries(file);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
let lossSum = 0;
for (const x of series.column('loss')) lossSum += x;
console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, steps: series.length + series.replaced, points: series.length,
  keptLossSum: lossSum, maxRssKiB: process.resourceUsage().maxRSS, node: process.version }));
`;
const seriesRunner = join(dataDir, 'logParserSeriesRun.mjs');
writeFileSync(seriesRunner, seriesRunnerText('logParserSeriesBundle.mjs'));
const baselineRunner = join(dataDir, 'logParserBaselineRun.mjs');
const baselineSeriesRunner = join(dataDir, 'logParserBaselineSeriesRun.mjs');
if (baseline !== null) {
  writeFileSync(baselineRunner, eventRunnerText('logParserBaselineBundle.mjs'));
  writeFileSync(baselineSeriesRunner, seriesRunnerText('logParserBaselineSeriesBundle.mjs'));
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The log.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Python's format(x, '#.{p}g'). */
function pyG(x, p) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return (0).toFixed(p - 1);
  const [mant, expText] = x.toExponential(p - 1).split('e');
  const e = Number(expText);
  if (e < -4 || e >= p) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return x.toFixed(p - 1 - e);
}

const pad2 = (n) => String(n).padStart(2, '0');
function stamp(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())},${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

function clipRepr() {
  const block = (i, w, ind) => [
    `${ind}(${i}): ResidualAttentionBlock(`,
    `${ind}  (ln_1): LayerNorm((${w},), eps=1e-05, elementwise_affine=True)`,
    `${ind}  (attn): MultiheadAttention(`,
    `${ind}    (out_proj): NonDynamicallyQuantizableLinear(in_features=${w}, out_features=${w}, bias=True)`,
    `${ind}  )`,
    `${ind}  (ls_1): Identity()`,
    `${ind}  (ln_2): LayerNorm((${w},), eps=1e-05, elementwise_affine=True)`,
    `${ind}  (mlp): Sequential(`,
    `${ind}    (c_fc): Linear(in_features=${w}, out_features=${4 * w}, bias=True)`,
    `${ind}    (gelu): GELU(approximate='none')`,
    `${ind}    (c_proj): Linear(in_features=${4 * w}, out_features=${w}, bias=True)`,
    `${ind}  )`,
    `${ind}  (ls_2): Identity()`,
    `${ind})`,
  ];
  const lines = [
    'CLIP(',
    '  (visual): VisionTransformer(',
    '    (conv1): Conv2d(3, 768, kernel_size=(16, 16), stride=(16, 16), bias=False)',
    '    (patch_dropout): Identity()',
    '    (ln_pre): LayerNorm((768,), eps=1e-05, elementwise_affine=True)',
    '    (transformer): Transformer(',
    '      (resblocks): ModuleList(',
  ];
  for (let i = 0; i < 12; i++) lines.push(...block(i, 768, '        '));
  lines.push('      )', '    )', '    (ln_post): LayerNorm((768,), eps=1e-05, elementwise_affine=True)', '  )');
  lines.push('  (transformer): Transformer(', '    (resblocks): ModuleList(');
  for (let i = 0; i < 12; i++) lines.push(...block(i, 512, '      '));
  lines.push('    )', '  )', '  (token_embedding): Embedding(49408, 512)');
  lines.push('  (ln_final): LayerNorm((512,), eps=1e-05, elementwise_affine=True)', ')');
  return lines.join('\n');
}

const paramNames =
  `accum_freq aug_cfg batch_size beta1 beta2 checkpoint_path coca_caption_loss_weight coca_contrastive_loss_weight
copy_codebase csv_caption_key csv_img_key csv_separator dataset_resampled dataset_type ddp_static_graph debug
delete_previous_checkpoint device dist_backend dist_url distill distill_model distill_pretrained distributed epochs
epochs_cooldown eps force_custom_text force_image_size force_patch_dropout force_quick_gelu gather_with_grad
grad_checkpointing grad_clip_norm horovod image_interpolation image_mean image_resize_mode image_std imagenet_v2
imagenet_val local_loss local_rank lock_image lock_image_freeze_bn_stats lock_image_unlocked_groups lock_text
lock_text_freeze_layer_norm lock_text_unlocked_layers log_every_n_steps log_level log_local log_path logs lr
lr_cooldown_end lr_cooldown_power lr_scheduler model name new_run no_set_device_rank precision pretrained
pretrained_image rank remote_sync remote_sync_frequency remote_sync_protocol report_to resume save_frequency
save_most_recent seed siglip skip_scheduler tensorboard tensorboard_path torchcompile torchscript trace train_data
train_data_upsampling_factors train_num_samples use_bn_sync use_bnb_linear val_data val_frequency val_num_samples
wandb wandb_notes wandb_project_name warmup wd workers world_size zeroshot_frequency`.split(/\s+/);

function generate(path, targetBytes) {
  const rand = mulberry32(20240611);
  const fd = openSync(path, 'w');
  const world = 64;
  const perGpu = 1408;
  const global = world * perGpu;
  const stepsPerEpoch = 4100;
  const samplesPerEpoch = global * stepsPerEpoch;
  const digits = Math.ceil(Math.log10(samplesPerEpoch + 1));
  const epochs = 5;
  const repr = clipRepr();
  let out = '';
  let written = 0;
  let clock = Date.UTC(2025, 2, 3, 9, 0, 0) / 1000;
  let lastSecond = -1;
  let ts = '';
  const flush = (force) => {
    if (out.length < 1 << 22 && !force) return;
    const buf = Buffer.from(out, 'utf8');
    writeSync(fd, buf);
    written += buf.length;
    out = '';
  };
  const rec = (message) => {
    const second = Math.floor(clock);
    if (second !== lastSecond) {
      lastSecond = second;
      ts = stamp(second);
    }
    out += `${ts} | INFO | ${message}\n`;
  };
  let run = 0;
  let trainLines = 0;
  while (written + out.length < targetBytes) {
    const year = 2016 + (run % 7);
    const name = `datacomp_xlarge-basic_cumulative_${year}_r${Math.floor(run / 7)}`;
    const dir = `/home/bench/ml-tic-clip/datacomp/results/${name}`;
    if (year === 2016) rec(`No latest resume checkpoint found in ${dir}/checkpoints.`);
    rec(
      `Running in distributed mode with multiple processes. Device: cuda:0.Process (global: 0, local 0), total ${world}.`,
    );
    rec('Loaded ViT-B-16 model config.');
    rec('Model:');
    rec(repr);
    rec('Params:');
    for (const p of paramNames)
      rec(`  ${p}: ${p === 'csv_separator' ? '\t' : p === 'name' ? name : p === 'world_size' ? world : 'None'}`);
    if (year !== 2016)
      rec(
        `=> resuming checkpoint '/home/bench/ml-tic-clip/datacomp/results/prev/checkpoints/epoch_latest.pt' (epoch 0)`,
      );
    for (let epoch = 0; epoch < epochs; epoch++) {
      rec(`Start epoch ${epoch}`);
      let count = 0;
      let lossAvgSum = 0;
      for (let batch = 1; batch <= stepsPerEpoch; batch++) {
        const step = epoch * stepsPerEpoch + batch - 1;
        const dataT = 0.03 + 0.12 * rand() ** 2;
        const batchT = 0.6 + dataT * 0.3 + 0.015 * (rand() - 0.5);
        clock += batchT;
        const lr = 0.001 * 0.5 * (1 + Math.cos((Math.PI * step) / (stepsPerEpoch * epochs)));
        const scale = Math.min(100, 14.286 + 85 * (1 - Math.exp(-step / 6000)));
        const loss = 2 + 7 * Math.exp(-step / 3000) + 0.05 * (rand() - 0.5);
        count++;
        lossAvgSum += loss;
        const seen = String(batch * global).padStart(digits, ' ');
        rec(
          `Train Epoch: ${epoch} [${seen}/${samplesPerEpoch} (${((100 * batch) / stepsPerEpoch).toFixed(0)}%)] Data (t): ${dataT.toFixed(3)} Batch (t): ${batchT.toFixed(3)}, ${pyG(global / batchT, 6)}/s, ${pyG(perGpu / batchT, 6)}/s/gpu LR: ${lr.toFixed(6)} Logit Scale: ${scale.toFixed(3)} Contrastive_loss: ${pyG(loss, 5)} (${pyG(lossAvgSum / count, 5)}) Loss: ${pyG(loss, 5)} (${pyG(lossAvgSum / count, 5)})`,
        );
        trainLines++;
        flush(false);
      }
      const done = epoch + 1;
      if (done % 2 === 0 || done === epochs) {
        rec('Starting zero-shot imagenet.');
        rec('Building zero-shot classifier');
        rec('Using classifier');
        clock += 80;
        rec('Finished zero-shot imagenet.');
        rec(
          `Eval Epoch: ${done} imagenet-zeroshot-val-top1: ${(0.1 + 0.01 * done).toFixed(4)}\timagenet-zeroshot-val-top5: ${(0.25 + 0.01 * done).toFixed(4)}`,
        );
      }
      clock += 12;
    }
    run++;
  }
  flush(true);
  closeSync(fd);
  return { runs: run, trainLines };
}

log(`generating ${sizeMb} MB into ${relative(root, logFile)} …`);
const genStart = performance.now();
const composition = generate(logFile, sizeMb * MB);
const fileBytes = statSync(logFile).size;
log(
  `generated ${fileBytes} bytes (${composition.runs} starts, ${composition.trainLines} train lines) in ${((performance.now() - genStart) / 1000).toFixed(1)} s`,
);

// ---------------------------------------------------------------------------------------------------------------
// 3. Warm the page cache, then alternate the peers.
{
  const fd = openSync(logFile, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

function runPeer(cmd, args) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  const wall = (performance.now() - started) / 1000;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}\n${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()), wall };
}

/** `wc -l FILE` under `sh`, whose `times` prints the child's user and system time after it. */
function runWc() {
  const started = performance.now();
  const r = spawnSync('/bin/sh', ['-c', 'wc -l "$1" && times', 'sh', logFile], { encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`wc -l exited with ${r.status ?? r.signal}\n${r.stderr}`);
  const [count, , children] = r.stdout.trim().split('\n');
  const seconds = (text) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(text);
    if (m === null) throw new Error(`times printed ${JSON.stringify(text)}`);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const [user, sys] = children.trim().split(/\s+/).map(seconds);
  return { lines: Number(count.trim().split(/\s+/)[0]), seconds: wall, cpuSeconds: user + sys, wall };
}

const ours = [];
const oursSeries = [];
const base = [];
const baseSeries = [];
const before = [];
const theirs = [];
const floor = [];
const rate = (r) =>
  `${(fileBytes / MB / r.seconds).toFixed(1)} MB/s wall, ${(fileBytes / MB / r.cpuSeconds).toFixed(1)} MB/s CPU`;
for (let i = 0; i < runs; i++) {
  ours.push(runPeer(process.execPath, [runner, logFile]));
  log(
    `run ${i + 1}/${runs}: TiC Studio ${ours[i].seconds.toFixed(2)} s wall, ${ours[i].cpuSeconds.toFixed(2)} s CPU (${rate(ours[i])})`,
  );
  oursSeries.push(runPeer(process.execPath, [seriesRunner, logFile]));
  log(`run ${i + 1}/${runs}: series     ${rate(oursSeries[i])}`);
  if (baseline !== null) {
    base.push(runPeer(process.execPath, [baselineRunner, logFile]));
    log(`run ${i + 1}/${runs}: ${baselineName} events ${rate(base[i])}`);
    baseSeries.push(runPeer(process.execPath, [baselineSeriesRunner, logFile]));
    log(`run ${i + 1}/${runs}: ${baselineName} series ${rate(baseSeries[i])}`);
  }
  floor.push(runWc());
  log(
    `run ${i + 1}/${runs}: wc -l      ${floor[i].seconds.toFixed(2)} s wall, ${floor[i].cpuSeconds.toFixed(2)} s CPU (${rate(floor[i])})`,
  );
  before.push(runPeer(process.execPath, [referenceRunner, logFile]));
  log(
    `run ${i + 1}/${runs}: before #16 ${before[i].seconds.toFixed(2)} s wall, ${before[i].cpuSeconds.toFixed(2)} s CPU (${rate(before[i])})`,
  );
  theirs.push(runPeer(python, [peer, logFile]));
  log(
    `run ${i + 1}/${runs}: python     ${theirs[i].seconds.toFixed(2)} s wall, ${theirs[i].cpuSeconds.toFixed(2)} s CPU (${rate(theirs[i])})`,
  );
}
const loadEnd = os.loadavg()[0];

// ---------------------------------------------------------------------------------------------------------------
// 4. Agreement and the table.
const a = ours[0];
const r0 = before[0];
const b = theirs[0];
const same = (x, y) =>
  x.steps === y.steps &&
  x.evals === y.evals &&
  x.samplesSum === y.samplesSum &&
  x.lossSum === y.lossSum &&
  x.lrSum === y.lrSum;
const seriesAgree =
  oursSeries.every(
    (r) => r.steps === a.steps && r.points === oursSeries[0].points && r.keptLossSum === oursSeries[0].keptLossSum,
  ) &&
  (baseline === null ||
    (base.every((r) => same(r, a) && r.lines === a.lines) &&
      baseSeries.every(
        (r) => r.steps === a.steps && r.points === oursSeries[0].points && r.keptLossSum === oursSeries[0].keptLossSum,
      )));
const agree =
  same(a, b) && same(a, r0) && a.lines === r0.lines && floor.every((f) => f.lines === a.lines) && seriesAgree;
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const med = (rs, key) => median(rs.map((r) => r[key]));
const peers = [ours, before, theirs, floor];
const wallS = peers.map((rs) => med(rs, 'seconds'));
const cpuS = peers.map((rs) => med(rs, 'cpuSeconds'));
const mbs = (s) => fileBytes / MB / s;
const goal = 500;
const fmtS = (s) => `${s.toFixed(2)} s`;
const mib = (kib) => `${Math.round(kib / 1024)} MiB`;
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const x = (n) => `${n.toFixed(2)}×`;
const rows = [
  [
    `**parse throughput, CPU time** (median of ${runs})`,
    ...cpuS.map((s, i) => (i === 0 ? `**${mbs(s).toFixed(1)} MB/s**` : `${mbs(s).toFixed(1)} MB/s`)),
    `${x(cpuS[1] / cpuS[0])} before, ${x(cpuS[2] / cpuS[0])} Python, ${(100 * (cpuS[3] / cpuS[0])).toFixed(0)} % of wc`,
    `≥ ${goal} MB/s`,
    mbs(cpuS[0]) >= goal ? '✅ yes' : `❌ no (${(100 * (mbs(cpuS[0]) / goal)).toFixed(0)} % of it)`,
  ],
  [
    `**parse throughput, wall clock** (median of ${runs})`,
    ...wallS.map((s, i) => (i === 0 ? `**${mbs(s).toFixed(1)} MB/s**` : `${mbs(s).toFixed(1)} MB/s`)),
    `${x(wallS[1] / wallS[0])} before, ${x(wallS[2] / wallS[0])} Python, ${(100 * (wallS[3] / wallS[0])).toFixed(0)} % of wc`,
    `≥ ${goal} MB/s`,
    mbs(wallS[0]) >= goal ? '✅ yes' : `❌ no (${(100 * (mbs(wallS[0]) / goal)).toFixed(0)} % of it)`,
  ],
  ['parse time, in-process wall (median; wc: whole process)', ...wallS.map(fmtS), '—', '—', '—'],
  ['parse time, in-process CPU (median; node counts its GC threads too)', ...cpuS.map(fmtS), '—', '—', '—'],
  ['process wall incl. start-up (median)', ...peers.map((rs) => fmtS(med(rs, 'wall'))), '—', '—', '—'],
  [
    'lines per second, CPU (median)',
    ...peers.map((rs, i) => `${(a.lines / cpuS[i] / 1e6).toFixed(2)} M`),
    '—',
    '—',
    '—',
  ],
  [
    'peak RSS (max)',
    ...[ours, before, theirs].map((rs) => mib(Math.max(...rs.map((r) => r.maxRssKiB)))),
    '—',
    '—',
    'constant in file size',
    '—',
  ],
];
const table = [
  '| metric | TiC Studio | TiC Studio before #16 | Python regex peer | `wc -l` (I/O floor) | TiC Studio vs the others | target | met |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const pathRow = (label, rs, goalText) => {
  const c = mbs(med(rs, 'cpuSeconds'));
  const w = mbs(med(rs, 'seconds'));
  return `| ${label} | **${c.toFixed(1)} MB/s** | ${w.toFixed(1)} MB/s | ${rs.map((r) => mbs(r.cpuSeconds).toFixed(0)).join(', ')} | ${mib(Math.max(...rs.map((r) => r.maxRssKiB)))} | ${goalText ? (c >= goal ? '✅ yes' : `❌ no (${(100 * (c / goal)).toFixed(0)} % of it)`) : '—'} |`;
};
const pathTable = [
  `| path (median of ${runs}) | CPU throughput | wall throughput | each run, CPU MB/s | peak RSS | ≥ ${goal} MB/s CPU |`,
  '|---|---|---|---|---|---|',
  pathRow('events: `parseLogFile` (one event object per line)', ours, true),
  pathRow(
    'series: `readStepSeries` (dashboard, series cache: usual lines straight into the columns)',
    oursSeries,
    true,
  ),
  ...(baseline === null
    ? []
    : [
        pathRow(`events at ${baselineName} (before this change)`, base, false),
        pathRow(`series at ${baselineName} (before this change)`, baseSeries, false),
      ]),
].join('\n');
const raw = (rs) => rs.map((r) => `${r.seconds.toFixed(2)}/${r.cpuSeconds.toFixed(2)}`).join(', ');
const md = `# Log parser benchmark: TiC Studio vs its pre-#16 self, a Python regex parser and \`wc -l\`

Command: \`${command}\` (from the repository root), ${new Date().toISOString()}.

Data: \`bench/.data/out.bench.log\`, ${fileBytes.toLocaleString('en-US')} bytes generated by the benchmark in the real out.log format
(contracts §2.1–2.2): ${composition.runs} starts of training (resume line, distributed start line, the ViT-B-16 \`Model:\` repr,
the 97-line \`Params:\` block), ${composition.trainLines.toLocaleString('en-US')} \`Train Epoch\` lines (tic_xlarge geometry, 64 GPUs × 1408,
logged every step), zero-shot lines and \`Eval Epoch\` after epochs 2, 4, 5. Deleted after the run.

Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}; node ${a.node}; Python ${b.python} (${python}).
Load average (1 min) ${loadStart.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at the end (other processes share the machine; the peers
alternate, so they see the same load, but absolute numbers move with it: compare the ratios).

Peers: **TiC Studio** = \`parseLogFile\` (src/formats/logFile.ts → logParser.ts, bundled with esbuild) in its own node process: 1 MiB
reads; each \`Train Epoch\` line read from the bytes of the read (a byte walker, no per-line string but the timestamp, no regex),
turned into a typed event (11 numbers + the loss map); every other line decoded and turned into its event (model repr,
params block, resume, eval…). **TiC Studio before #16** = the same parser as it was before (the frozen copy in
test/support/referenceLogParser.ts: the read decoded to a string, a regex per \`Train Epoch\` line) behind the same 1 MiB reads.
**Python** = \`bench/logParserPeer.py\`: \`for line in open(..., encoding='utf-8', errors='replace')\`, the prefix regex, the
\`Train Epoch\` regex of contracts §2.2 and the loss-pair regex, one dict of floats per step, eval metrics split on TAB.
**\`wc -l\`** = GNU coreutils on the same file: every byte read from the page cache and its newlines counted, the floor for
any parser that reads the file. The parsers time only their parse loop (after imports), \`wc -l\` its whole process, all on a
warm page cache, as wall-clock time and as CPU time (user + system, all threads). On a shared machine the CPU time is the
steadier of the two: wall time also counts the time the process waited for a core.

Agreement: TiC Studio ${a.steps.toLocaleString('en-US')} train steps / ${a.evals} eval lines / ${a.lines.toLocaleString('en-US')} lines, before #16 ${r0.steps.toLocaleString('en-US')} / ${r0.evals} / ${r0.lines.toLocaleString('en-US')},
Python ${b.steps.toLocaleString('en-US')} / ${b.evals}, \`wc -l\` ${floor[0].lines.toLocaleString('en-US')} lines; sums of loss, samples seen and LR ${same(a, b) && same(a, r0) ? 'bit-identical' : `differ (loss ${a.lossSum} vs ${r0.lossSum} vs ${b.lossSum}, samples ${a.samplesSum} vs ${r0.samplesSum} vs ${b.samplesSum}, lr ${a.lrSum} vs ${r0.lrSum} vs ${b.lrSum})`} → ${agree ? 'PASS' : 'FAIL'}.

${table}

The two paths of TiC Studio${baseline === null ? '' : ` and the same at ${baselineName} (\`--baseline ${baseline}\`: its src/ from \`git archive\`, bundled the same way)`}, same runs, alternating with the peers above:
${oursSeries[0].points.toLocaleString('en-US')} points kept, ${(oursSeries[0].steps - oursSeries[0].points).toLocaleString('en-US')} replaced by restarts; series ${seriesAgree ? 'agree (points + replaced = train steps, the same loss column sum at every run and revision)' : 'DISAGREE'}.

${pathTable}

Raw runs (wall / CPU seconds): TiC Studio ${raw(ours)}; series ${raw(oursSeries)}${baseline === null ? '' : `; ${baselineName} events ${raw(base)}; ${baselineName} series ${raw(baseSeries)}`}; before #16 ${raw(before)}; Python ${raw(theirs)}; \`wc -l\` ${raw(floor)}.
`;
process.stdout.write(`${md}\n`);
mkdirSync(join(opts.out, '..'), { recursive: true });
writeFileSync(opts.out, md);
log(`wrote ${relative(root, opts.out)}`);

if (!opts.keep) {
  rmSync(logFile, { force: true });
  log(`deleted ${relative(root, logFile)}`);
}
if (!agree) process.exitCode = 1;
for (const file of [
  runner,
  referenceRunner,
  bundle,
  referenceBundle,
  seriesRunner,
  join(dataDir, 'logParserSeriesBundle.mjs'),
  baselineRunner,
  baselineSeriesRunner,
  join(dataDir, 'logParserBaselineBundle.mjs'),
  join(dataDir, 'logParserBaselineSeriesBundle.mjs'),
  baselineDir,
])
  rmSync(file, { recursive: true, force: true });
