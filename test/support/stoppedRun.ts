import { readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Turns a finished experiment of the demo (5 epochs) into one stopped during epoch `epoch + 1`, as a run killed
 * there leaves it: out.log cut a few train lines into that epoch, the checkpoints after `epoch` gone and
 * epoch_latest.pt that epoch's, results.jsonl with the zero-shot lines of the epochs done (`epoch` 2: one line).
 */
export function stopDemoRunAfterEpoch(expDir: string, epoch: number): void {
  const log = join(expDir, 'out.log');
  const lines = readFileSync(log, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.includes(`| Start epoch ${epoch}`));
  if (start < 0) throw new Error(`no epoch ${epoch} in ${log}`);
  writeFileSync(log, `${lines.slice(0, start + 4).join('\n')}\n`);
  const checkpoints = join(expDir, 'checkpoints');
  for (const name of readdirSync(checkpoints)) {
    const m = /^epoch_(\d+)\.pt$/.exec(name);
    if (m && Number(m[1]) > epoch) rmSync(join(checkpoints, name));
  }
  copyFileSync(join(checkpoints, `epoch_${epoch}.pt`), join(checkpoints, 'epoch_latest.pt'));
  const zeroShot = readFileSync(join(checkpoints, 'results.jsonl'), 'utf8').split('\n').filter(Boolean);
  // The demo's zero-shot runs after epochs 2, 4 and 5 (demo/README.md).
  const kept = [2, 4, 5].filter((e) => e <= epoch).length;
  writeFileSync(
    join(checkpoints, 'results.jsonl'),
    zeroShot
      .slice(0, kept)
      .map((l) => `${l}\n`)
      .join(''),
  );
}
