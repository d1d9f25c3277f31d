// The long blocks of a CPU profile of the extension host (`.cpuprofile`, from TIC_STUDIO_HOST_PROFILE: see
// src/vscode/common/hostStallLog.ts and `bench/scaleWorkbenchBench.mjs --profile`): stretches of consecutive samples
// on the main thread that are not idle, longer than --min ms, each with the functions that took its time (self
// time, by function and file) and the outermost frames of TiC Studio's bundle on the stack.
//   node bench/hostProfileBlocks.mjs PROFILE [--min 50] [--top 8]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { min: { type: 'string', default: '50' }, top: { type: 'string', default: '8' } },
  allowPositionals: true,
});
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const minMs = Number(values.min);
const top = Number(values.top);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
const name = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${basename(n.callFrame.url || '')}:${n.callFrame.lineNumber + 1}`;
const ours = (n) => /tic-studio|dist\/extension\.js/.test(n.callFrame.url || '');

let t = profile.startTime;
const samples = profile.samples.map((id, i) => {
  t += profile.timeDeltas[i];
  return { id, t };
});
const blocks = [];
let current = null;
for (let i = 0; i < samples.length; i++) {
  const s = samples[i];
  const busy = !idle.has(nodes.get(s.id).callFrame.functionName);
  const dt = i + 1 < samples.length ? samples[i + 1].t - s.t : 0;
  if (busy) {
    if (!current) current = { start: s.t, end: s.t, samples: [] };
    current.end = s.t + dt;
    current.samples.push({ id: s.id, dt });
  } else if (current) {
    blocks.push(current);
    current = null;
  }
}
if (current) blocks.push(current);
const long = blocks.filter((b) => (b.end - b.start) / 1000 >= minMs);
console.log(
  `${long.length} blocks ≥ ${minMs} ms of ${blocks.length}; profile ${((t - profile.startTime) / 1e6).toFixed(1)} s`,
);
for (const b of long) {
  const self = new Map();
  const outer = new Map();
  for (const { id, dt } of b.samples) {
    const n = nodes.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + dt);
    // The outermost frame of our bundle on this sample's stack.
    let o = null;
    for (let p = id; p !== undefined; p = parent.get(p)) if (ours(nodes.get(p))) o = nodes.get(p);
    const key = o ? name(o) : '(not TiC Studio)';
    outer.set(key, (outer.get(key) ?? 0) + dt);
  }
  const fmt = (m) =>
    [...m]
      .sort((a, c) => c[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `    ${(v / 1000).toFixed(1).padStart(7)} ms  ${k}`)
      .join('\n');
  console.log(
    `\nblock at +${((b.start - profile.startTime) / 1e6).toFixed(2)} s, ${((b.end - b.start) / 1000).toFixed(0)} ms`,
  );
  console.log(`  outermost TiC Studio frame:\n${fmt(outer)}`);
  console.log(`  self time:\n${fmt(self)}`);
}
