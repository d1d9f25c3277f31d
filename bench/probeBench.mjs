// The probe's image tower on the CPU: TiC Studio (onnxruntime-node through src/probe/onnxSession.ts) against the
// same ViT-B/16-sized model in PyTorch on the CPU, in the same run, same machine, same batch.
//   node bench/probeBench.mjs [--batch 8] [--runs 5] [--any-blas]
// bench/make_vit_b16_tower.py (run with /usr/bin/python3: torch 1.13) builds the tower with random weights,
// exports it to ONNX into bench/.data/probe/, times torch, and writes the batch; this script times ONNX Runtime
// on the same batch, checks both give the same features, and writes bench/results/probe.md.
// The peer is the torch a user would have: Debian's python3-torch is built against the generic libblas.so.3, so
// its matmuls run on whichever BLAS Debian's `libblas.so.3` alternative selects. With only libblas3 installed that is
// the reference BLAS (a few GFLOP/s, two orders of magnitude slower than any tuned BLAS), which no one would use
// for work; with libopenblas0-pthread installed (`apt-get install libopenblas0-pthread`), the alternative selects
// OpenBLAS. The bench prints the peer's BLAS (bench/torch_peer.py blas: torch.__config__.show()'s BLAS_INFO, where
// the alternative points, the library torch's sgemm_ really binds to, OpenBLAS's config) and a 1024² float32
// matmul GFLOP/s figure, and refuses to compare against a torch that is not on OpenBLAS unless --any-blas is
// given (then the table says which BLAS it was). Nothing in TiC Studio itself needs OpenBLAS.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '8' },
    runs: { type: 'string', default: '5' },
    'any-blas': { type: 'boolean', default: false },
  },
});
const batch = Number(values.batch);
const runs = Number(values.runs);
const dir = join(root, 'bench/.data/probe');
mkdirSync(dir, { recursive: true });

const blasRun = spawnSync('/usr/bin/python3', [join(root, 'bench/torch_peer.py'), 'blas'], { encoding: 'utf8' });
if (blasRun.status !== 0) throw new Error(`torch_peer.py blas failed:\n${blasRun.stderr}`);
const blas = JSON.parse(blasRun.stdout.trim().split('\n').pop());
const debianTorch = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'python3-torch'], { encoding: 'utf8' });
const torchPackage = debianTorch.status === 0 ? `Debian python3-torch ${debianTorch.stdout.trim()}` : undefined;
const blasName = blas.openblasConfig
  ? blas.openblasConfig.split(' ').slice(0, 2).join(' ')
  : `${blas.sgemmFrom ?? 'an unknown BLAS'} (not OpenBLAS)`;
console.log(`peer's BLAS: ${JSON.stringify(blas, null, 2)}`);
if (!blas.openblasConfig && !values['any-blas']) {
  console.error(
    `The torch peer computes on ${blasName} (${blas.gflops.toFixed(1)} GFLOP/s on a 1024² float32 matmul), not on ` +
      "OpenBLAS: that is not the torch a user would work with. Install Debian's libopenblas0-pthread " +
      '(apt-get install libopenblas0-pthread; the libblas.so.3 alternative then selects it), or pass --any-blas.',
  );
  process.exit(1);
}

console.log('exporting a ViT-B/16 image tower and timing torch …');
const peer = spawnSync(
  '/usr/bin/python3',
  [join(root, 'bench/make_vit_b16_tower.py'), dir, '--batch', String(batch), '--runs', String(runs)],
  {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  },
);
if (peer.status !== 0) throw new Error(`make_vit_b16_tower.py failed:\n${peer.stderr}`);
const torch = JSON.parse(peer.stdout.trim().split('\n').pop());

const { OnnxTower } = await tsImport('../src/probe/onnxSession.ts', import.meta.url);
// The runtime is imported here (a .ts module loaded through tsx cannot resolve packages with import()).
const tower = await OnnxTower.open(join(dir, 'image_encoder.onnx'), {
  importRuntime: () => import('onnxruntime-node'),
});
const bytes = readFileSync(join(dir, 'batch.f32'));
const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const input = { type: 'float32', data, dims: [batch, 3, 224, 224] };
let output;
for (let i = 0; i < 2; i++) output = await tower.run(input);
const times = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  output = await tower.run(input);
  times.push(performance.now() - started);
}
await tower.dispose();
times.sort((a, b) => a - b);
const ortMs = times[Math.floor(times.length / 2)];
const ortImagesPerSecond = (batch * 1000) / ortMs;
const maxDiff = torch.features.reduce((m, v, i) => Math.max(m, Math.abs(v - output.data[i])), 0);
if (maxDiff > 1e-3) throw new Error(`ONNX Runtime and torch disagree on the features (max |Δ| ${maxDiff})`);

const ratio = ortImagesPerSecond / torch.torchImagesPerSecond;
const onnxMb = statSync(join(dir, 'image_encoder.onnx')).size / 1e6;
const peerName = `PyTorch ${torch.torch} CPU on ${blasName} (${torch.threads} threads)`;
const table = [
  `Probe image tower benchmark (\`node bench/probeBench.mjs --batch ${batch} --runs ${runs}${values['any-blas'] ? ' --any-blas' : ''}\`), ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`,
  '',
  `ViT-B/16 image tower (224 px, width 768, 12 layers; ${onnxMb.toFixed(0)} MB ONNX, random weights), batch of ${batch}, median of ${runs} after 2 warm-ups; features agree within ${maxDiff.toExponential(1)}.`,
  '',
  `Peer: ${torchPackage ?? `torch ${blas.torch}`}, built with BLAS_INFO=${blas.buildBlas}; its sgemm_ comes from \`${blas.sgemmFrom}\` (the \`libblas.so.3\` alternative points to \`${blas.libblasAlternative}\`)${blas.openblasConfig ? `, ${blas.openblasConfig}` : ''}; 1024² float32 matmul: ${blas.gflops.toFixed(1)} GFLOP/s (default threads: torch ${blas.threads.torch}${blas.threads.openblas ? `, OpenBLAS ${blas.threads.openblas}` : ''}), ${blas.gflops1.toFixed(1)} GFLOP/s on one thread.`,
  '',
  `| metric | TiC Studio (onnxruntime-node) | ${peerName} | ratio | target | met |`,
  '|---|---|---|---|---|---|',
  `| images per second | ${ortImagesPerSecond.toFixed(2)} | ${torch.torchImagesPerSecond.toFixed(2)} | ${ratio.toFixed(2)}× | ≥ 1.0× | ${ratio >= 1 ? 'yes' : 'no'} |`,
  `| ms per batch of ${batch} | ${ortMs.toFixed(0)} | ${torch.torchMsPerBatch.toFixed(0)} | | | |`,
  '',
].join('\n');
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/probe.md'), table);
console.log(`\n${table}`);
