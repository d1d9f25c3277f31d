/* global document */
// Scale in the real workbench (issue 16, deliverable 6): the scale workspace of bench/scaleBench.mjs (100 chains ×
// 7 steps, 15 GB of out.log) opened in code-server + Debian Chromium with the packaged extension (the e2e harness),
// twice: a first window (empty series and summary caches) and a second window (the caches the first one wrote).
// For each window, from the moment the workbench has loaded:
//   views      the TiC Studio side bar opened → the Experiments view lists the chains (activation + scan + tree);
//   dashboard  "TiC Studio: Open Dashboard" → the timeline painted (the quick snapshot);
//   marks      → the protocol marks on the timeline (the full snapshot: the protocol guard read every whole log);
//   losses     the Losses tab → its first chain painted, and every default chain painted (cold: the logs parsed).
// And the extension host's longest event-loop block (a UI stall of every extension in that host) during each phase,
// plus its peak RSS, from the host's own stall log (TIC_STUDIO_HOST_STALL_LOG: src/vscode/common/hostStallLog.ts;
// one line per second, so a phase's stall is the worst second overlapping it). Peer: none in the workbench; the
// in-process numbers of bench/scaleBench.mjs (same modules, no VS Code) are the reference.
//   node bench/scaleBench.mjs --keep            (once: generates bench/.data/scale)
//   node bench/scaleWorkbenchBench.mjs [--vsix dist/tic-studio.vsix] [--profile]
// --profile: also a CPU profile of the extension host per window (bench/.data/w1.cpuprofile, w2.cpuprofile; read
//   them with `node bench/hostProfileBlocks.mjs FILE`): which work made its long blocks.
// Writes bench/results/scaleWorkbench.md. Needs `npm run package` and e2e-host/ (npm test installs it).
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  installVsix,
  launchChromium,
  makeProfile,
  projectRoot,
  startCodeServer,
  workbenchUrl,
} from '../scripts/lib/codeServer.mjs';

const { values } = parseArgs({ options: { vsix: { type: 'string' }, profile: { type: 'boolean', default: false } } });
const vsix = values.vsix ?? join(projectRoot, 'dist/tic-studio.vsix');
const scale = join(projectRoot, 'bench/.data/scale');
if (!existsSync(join(scale, 'results'))) throw new Error(`${scale} is missing: run node bench/scaleBench.mjs --keep`);
if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package`);

// A checkout around the generated results (the workbench finds experiments under datacomp/results).
const folder = join(projectRoot, 'bench/.data/scale-workbench');
rmSync(folder, { recursive: true, force: true });
mkdirSync(join(folder, 'datacomp'), { recursive: true });
for (const f of ['train.py', 'evaluate.py']) writeFileSync(join(folder, 'datacomp', f), '# stand-in\n');
symlinkSync(join(scale, 'results'), join(folder, 'datacomp/results'));
symlinkSync(join(scale, 'eval_results'), join(folder, 'datacomp/eval_results'));

const profile = makeProfile('tic-studio-scale-bench-', { 'workbench.colorTheme': 'Default Dark Modern' });
await installVsix(profile, vsix);
const stallLog = join(profile.base, 'stalls.jsonl');
const profilesDir = join(projectRoot, 'bench/.data');

async function window(name) {
  const env = { TIC_STUDIO_HOST_STALL_LOG: stallLog };
  // --profile: the extension host's CPU profile of each window, for bench/hostProfileBlocks.mjs.
  // Its first 25 s: activation, the Experiments view, the dashboard's first paint and the start of the marks.
  if (values.profile)
    Object.assign(env, {
      TIC_STUDIO_HOST_PROFILE: join(profilesDir, `${name}.cpuprofile`),
      TIC_STUDIO_HOST_PROFILE_SECONDS: '25',
    });
  const server = await startCodeServer({ profile, folder, env });
  const browser = await launchChromium(join(profile.base, name), { colorScheme: 'dark' });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const phases = [];
  const phase = async (label, work) => {
    const start = Date.now();
    const result = await work();
    phases.push({ label, start, end: Date.now(), result });
    return result;
  };
  try {
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.goto(workbenchUrl(server.url, folder));
    await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
    await page.locator('.activitybar').waitFor({ timeout: 60000 });
    await phase('views', async () => {
      await page.locator('.activitybar [aria-label*="TiC Studio"]').first().click();
      await page
        .getByRole('treeitem', { name: /chain|variant/ })
        .first()
        .waitFor({ timeout: 300000 });
      return page.getByRole('treeitem').count();
    });
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>TiC Studio: Open Dashboard');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Dashboard' }).first().waitFor();
    let frame = null;
    await phase('dashboard', async () => {
      await page.keyboard.press('Enter');
      for (let i = 0; i < 12000 && !frame; i++) {
        for (const f of page.frames()) {
          try {
            if ((await f.locator('#app[data-snapshot="ready"] .tl-node').count()) > 0) frame = f;
          } catch {
            // frames come and go while the webview loads
          }
        }
        if (!frame) await page.waitForTimeout(25);
      }
      if (!frame) throw new Error('the dashboard did not paint a timeline');
    });
    await phase('marks', () => frame.locator('[data-comparable]').first().waitFor({ timeout: 600000 }));
    const losses = await phase('losses', async () => {
      const clicked = Date.now();
      await frame.locator('[data-tab="losses"]').first().click();
      let firstPart = null;
      for (;;) {
        const s = await frame.evaluate(() => ({
          part: document.body.dataset.lossesPartChains ?? null,
          painted: document.body.dataset.lossesPainted ?? null,
          points: Number(document.querySelector('#loss-canvas')?.getAttribute('data-points') ?? 0),
        }));
        if (firstPart === null && (s.part !== null || s.painted !== null) && s.points > 0)
          firstPart = Date.now() - clicked;
        if (s.painted !== null && s.points > 0) return { firstMs: firstPart, allMs: Date.now() - clicked };
        await page.waitForTimeout(10);
      }
    });
    return { phases, losses };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

const windows = [];
for (const name of ['first window (empty caches)', 'second window (caches warm)']) {
  const result = await window(name.startsWith('first') ? 'w1' : 'w2');
  windows.push({ name, ...result });
  console.log(
    name,
    JSON.stringify(result.phases.map((p) => [p.label, p.end - p.start])),
    JSON.stringify(result.losses),
  );
}
const stalls = readFileSync(stallLog, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const worst = (start, end) =>
  Math.max(0, ...stalls.filter((s) => s.t >= start && s.t - 1000 <= end + 1000).map((s) => s.maxMs));
const peakRss = Math.max(...stalls.map((s) => s.peakRssMiB));
const load = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');

const rows = windows.flatMap((w) =>
  w.phases.map((p) => {
    const ms = p.end - p.start;
    const stall = worst(p.start, p.end);
    const extra = p.label === 'losses' ? ` (first chain ${w.losses.firstMs} ms)` : '';
    return `| ${w.name} | ${p.label} | ${ms.toLocaleString('en-US')} ms${extra} | ${stall} ms | < 100 ms | ${stall < 100 ? 'yes' : 'no'} |`;
  }),
);
const table = [
  '# Scale in the real workbench',
  '',
  `\`node bench/scaleWorkbenchBench.mjs\` on ${new Date().toISOString().slice(0, 10)}; the workspace of \`node bench/scaleBench.mjs --keep\`; load ${load} (2 cores).`,
  '',
  '| window | phase | wall time | longest extension-host block (worst second) | target | met |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
  `Extension host peak RSS over both windows: ${peakRss} MiB.`,
  '',
].join('\n');
mkdirSync(join(projectRoot, 'bench/results'), { recursive: true });
writeFileSync(join(projectRoot, 'bench/results/scaleWorkbench.md'), table);
console.log(`\n${table}`);
profile.remove();
rmSync(folder, { recursive: true, force: true });
