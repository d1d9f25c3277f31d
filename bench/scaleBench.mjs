#!/usr/bin/env node
// Scale, not size (issue 16): a workspace of --chains lineages × 7 steps (2016…2022), every step with an out.log of
// --lines `Train Epoch` lines, a params.txt saying what it resumed from, checkpoints and an eval_results.jsonl of
// the 18 yearly tasks. The extension host's work on it, in this process through tsx (the same modules the
// extension runs; no VS Code around them):
//   scan        scanWorkspace: experiments, evaluations, lineages, chains (what the Experiments view shows);
//   quick       buildDashboardSnapshot without the protocol guard: what the dashboard paints first;
//   snapshot    buildDashboardSnapshot: every chain's matrices, transfer, timeline, and the protocol guard, which
//               reads every whole log once (its compute needs every start);
//   losses      the loss series of one chain for the chart, through a LossStore without a cache;
//   window 2    a second window: a new process (no memory of the first) that scans and builds the full snapshot,
//               its protocol guard reading the summaries the first window left in the log summary cache
//               (src/formats/seriesCache/summaryCache.ts) instead of parsing the logs.
// For each: wall time, the longest the event loop was blocked (perf_hooks.monitorEventLoopDelay, 10 ms resolution:
// a UI stall of the extension host) and the process's peak RSS. Peer, in the same run: `wc -l` over every out.log
// (the I/O floor of reading them once), and the Python regex parser of bench/logParserPeer.py over one chain's logs.
//   node bench/scaleBench.mjs [--chains 100] [--lines 100000] [--keep] [--reuse]
// Writes bench/results/scale.md. The workspace (about --chains × 7 × --lines × 216 bytes) goes to bench/.data/scale
// and is deleted afterwards unless --keep; --reuse measures the one left there by --keep instead of generating it.
// The caches (XDG_CACHE_HOME) are a fresh folder in it: the first window starts cold, whatever the user's hold.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const { values } = parseArgs({
  options: {
    chains: { type: 'string', default: '100' },
    lines: { type: 'string', default: '100000' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    // Internal: the second window's process (scan and full snapshot only, one JSON line on stdout).
    window: { type: 'boolean', default: false },
  },
});
const chains = Number(values.chains);
const lines = Number(values.lines);
const root = new URL('..', import.meta.url).pathname;
const base = join(root, 'bench/.data/scale');
const results = join(base, 'results');
const evals = join(base, 'eval_results');
const cacheHome = join(base, 'cache-home');
const years = [2016, 2017, 2018, 2019, 2020, 2021, 2022];
const samplesPerEpoch = 3_686_400;

const name = (chain, year) => `datacomp_medium-basic_cumulative_${year}_v${chain}`;

function stamp(seconds) {
  const d = new Date(Date.UTC(2025, 2, 1) + seconds * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())},${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** One log body shared by every step (the work is the same whatever the numbers): 5 epochs of --lines lines. */
function logBody() {
  const perEpoch = Math.ceil(lines / 5);
  const parts = [];
  for (let i = 0; i < lines; i++) {
    const epoch = Math.floor(i / perEpoch);
    const seen = Math.max(1, Math.round((((i % perEpoch) + 1) / perEpoch) * samplesPerEpoch));
    const loss = (6 * Math.exp(-i / (lines / 3)) + 0.8).toPrecision(5);
    parts.push(
      `${stamp(i * 0.6)} | INFO | Train Epoch: ${epoch} [${String(seen).padStart(7)}/${samplesPerEpoch} ` +
        `(${Math.round((100 * seen) / samplesPerEpoch)}%)] Data (t): 0.047 Batch (t): 0.625, 6453.21/s, ` +
        `806.651/s/gpu LR: 0.000500 Logit Scale: 38.171 Contrastive_loss: ${loss} (${loss}) Loss: ${loss} (${loss})\n`,
    );
  }
  return Buffer.from(parts.join(''));
}

function params(chain, year) {
  const data = Array.from({ length: year - 2013 }, (_, i) => `/data/train/${year - i}/{00000000..00000409}.tar`);
  const resume = year === 2016 ? 'None' : `/train-host/results/${name(chain, year - 1)}/checkpoints/epoch_latest.pt`;
  return [
    'accum_freq: 1',
    'batch_size: 512',
    'epochs: 5',
    'lr: 0.0005',
    'model: ViT-B-32',
    `name: ${name(chain, year)}`,
    `new_run: ${year === 2016 ? 'False' : 'True'}`,
    `resume: ${resume}`,
    `train_data: ${data.join('::')}`,
    `train_num_samples: ${samplesPerEpoch}`,
    `warmup: ${year === 2016 ? 500 : 0}`,
    'world_size: 8',
    '',
  ].join('\n');
}

function evalLines(year) {
  const out = [];
  for (const family of ['retrieval', 'datacompnet'])
    for (let y = 2014; y <= 2022; y++) {
      const v = Math.max(0.05, 0.4 - 0.02 * Math.abs(y - year));
      const metric = family === 'retrieval' ? 'mean_recall@1' : 'acc1';
      out.push(
        `{"key": "tic/datacomp/${family}/yearly/${y}", "dataset": "x", "metrics": {"${metric}": ${v}, "main_metric": ${v}}}`,
      );
    }
  return `${out.join('\n')}\n`;
}

function generate() {
  rmSync(base, { recursive: true, force: true });
  const body = logBody();
  for (let c = 0; c < chains; c++) {
    for (const year of years) {
      const dir = join(results, name(c, year));
      mkdirSync(join(dir, 'checkpoints'), { recursive: true });
      writeFileSync(join(dir, 'params.txt'), params(c, year));
      for (const f of ['epoch_1.pt', 'epoch_5.pt', 'epoch_latest.pt']) writeFileSync(join(dir, 'checkpoints', f), 'x');
      const fd = openSync(join(dir, 'out.log'), 'w');
      writeSync(fd, `${stamp(0)} | INFO | Running with a single process. Device cuda:0.\n`);
      writeSync(fd, body);
      closeSync(fd);
      mkdirSync(join(evals, name(c, year)), { recursive: true });
      writeFileSync(join(evals, name(c, year), 'eval_results.jsonl'), evalLines(year));
    }
  }
  return body.length * chains * years.length;
}

/** Runs `work`, timing it, with the event loop's longest block measured around it. */
async function measure(work) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  delay.disable();
  return { value, ms, stallMs: delay.max / 1e6 };
}

const ms = (x) => `${Math.round(x).toLocaleString('en-US')} ms`;

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;
process.env.XDG_CACHE_HOME = cacheHome;

if (values.window) {
  // One module graph, as the tests load it (each tsImport has its own): the summary cache whose stats are read
  // is the snapshot's.
  const load = createRequire(import.meta.url);
  const { scanWorkspace } = load('../src/workspace/workspaceScan.ts');
  const { buildDashboardSnapshot } = load('../src/wire/dashboardSnapshot.ts');
  const { sharedSummaryCache } = load('../src/fidelity/chainLogs.ts');
  const scan = await measure(() => scanWorkspace(base, { resultDirs: [results], evalDirs: [evals] }));
  const snapshot = await measure(() =>
    buildDashboardSnapshot({ workspace: scan.value, notice: null, firstStep: 'merge', activity: [] }),
  );
  const marks = snapshot.value.chains.filter((c) => c.compute !== undefined).length;
  const out = { scanMs: scan.ms, scanStallMs: scan.stallMs, ms: snapshot.ms, stallMs: snapshot.stallMs, marks };
  console.log(JSON.stringify({ ...out, rssMiB: peakRssMiB(), summaries: sharedSummaryCache().stats }));
  process.exit(0);
}

let bytes;
if (values.reuse && existsSync(results)) {
  rmSync(cacheHome, { recursive: true, force: true });
  bytes = readdirSync(results).reduce((n, dir) => n + statSync(join(results, dir, 'out.log')).size, 0);
  console.log(`reusing ${base}`);
} else {
  console.log(`generating ${chains} chains × 7 steps × ${lines} lines in ${base} …`);
  bytes = generate();
}
console.log(`${(bytes / 1e9).toFixed(2)} GB of logs`);
const [{ scanWorkspace }, { buildDashboardSnapshot }, { LossStore, lossChainInputs }] = await Promise.all([
  tsImport('../src/workspace/workspaceScan.ts', import.meta.url),
  tsImport('../src/wire/dashboardSnapshot.ts', import.meta.url),
  tsImport('../src/wire/lossStore.ts', import.meta.url),
]);

const scan = await measure(() => scanWorkspace(base, { resultDirs: [results], evalDirs: [evals] }));
const ws = scan.value;
const quick = await measure(() =>
  buildDashboardSnapshot({ workspace: ws, notice: null, firstStep: 'merge', activity: [], protocol: false }),
);
const snapshot = await measure(() =>
  buildDashboardSnapshot({ workspace: ws, notice: null, firstStep: 'merge', activity: [] }),
);
const first = ws.chains[0];
const losses = await measure(() =>
  new LossStore({ cache: null }).query(lossChainInputs(ws, [first.key]), {
    field: 'loss',
    axis: 'samples',
    x0: null,
    x1: null,
    buckets: 1200,
    smoothing: 0.6,
  }),
);
const rssMiB = peakRssMiB();
const firstMarks = snapshot.value.chains.filter((c) => c.compute !== undefined).length;

// A second window: a new process, whose protocol guard finds the summaries the first one stored.
const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', new URL(import.meta.url).pathname, '--window'], {
  encoding: 'utf8',
  env: { ...process.env, XDG_CACHE_HOME: cacheHome },
  maxBuffer: 1 << 24,
});
if (child.status !== 0) throw new Error(child.stderr);
const second = JSON.parse(child.stdout.trim().split('\n').pop());
if (second.marks !== firstMarks)
  throw new Error(`${second.marks} chains with marks, the first window had ${firstMarks}`);
const { summaries } = second;
console.log(`second window's summary cache: ${JSON.stringify(summaries)}`);

// Peers, in the same run.
const logs = ws.experiments.map((e) => join(e.dir, 'out.log'));
const wcStart = performance.now();
const wc = spawnSync('wc', ['-l', ...logs], { encoding: 'utf8', maxBuffer: 1 << 26 });
const wcMs = performance.now() - wcStart;
if (wc.status !== 0) throw new Error(wc.stderr);
const pyStart = performance.now();
for (const log of first.steps.map((s) => join(s.experiment, 'out.log'))) {
  const py = spawnSync('/usr/bin/python3', [join(root, 'bench/logParserPeer.py'), log], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(py.stderr);
}
const pyMs = performance.now() - pyStart;

const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
const table = [
  `Workspace: ${chains} chains × 7 steps, ${ws.experiments.length} experiments, ${ws.evalDirs.length} evaluations, ` +
    `${(bytes / 1e9).toFixed(2)} GB of out.log (${lines.toLocaleString('en-US')} train lines each); ` +
    `${ws.chains.length} chains found. Load average during the run: ${load} (2 cores).`,
  '',
  '| extension-host work (in-process) | wall | longest event-loop block | peer, same run |',
  '|---|---|---|---|',
  `| scan (Experiments view's data) | ${ms(scan.ms)} | ${ms(scan.stallMs)} | — |`,
  `| dashboard first paint's snapshot (timeline, matrices; no protocol marks yet) | ${ms(quick.ms)} | ${ms(quick.stallMs)} | — |`,
  `| dashboard snapshot, first window (protocol guard: every log parsed, its summary stored) | ${ms(snapshot.ms)} | ${ms(snapshot.stallMs)} | \`wc -l\` over every log: ${ms(wcMs)} |`,
  `| dashboard snapshot, second window (new process; summaries from the cache, no log parsed) | ${ms(second.ms)} | ${ms(second.stallMs)} | first window: ${ms(snapshot.ms)} (${(snapshot.ms / second.ms).toFixed(0)}×) |`,
  `| loss series of one chain (7 logs, no cache) | ${ms(losses.ms)} | ${ms(losses.stallMs)} | Python regex parser, same 7 logs: ${ms(pyMs)} |`,
  '',
  `Peak RSS of the process: ${Math.round(rssMiB)} MiB (the second window's process: ${Math.round(second.rssMiB)} MiB; ` +
    `its scan took ${ms(second.scanMs)}, longest block ${ms(second.scanStallMs)}). ${firstMarks} chains with protocol ` +
    `marks in both windows. The second window's summary cache: ${summaries.hits} hits, ${summaries.misses} misses, ` +
    `${summaries.corrupt} corrupt, ${summaries.bytesParsed} bytes of logs parsed. Goal: no block > 100 ms.`,
  '',
  `\`node bench/scaleBench.mjs --chains ${chains} --lines ${lines}${values.reuse ? ' --reuse' : ''}\``,
  '',
].join('\n');
console.log(table);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/scale.md'), `# Scale workspace\n\n${table}`);
if (!values.keep) rmSync(base, { recursive: true, force: true });
