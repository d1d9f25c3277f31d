// Times `inspectCheckpoint` inside one long-lived Node process, the way the VS Code extension host runs it when a
// user opens checkpoint after checkpoint: node's start-up and the first, unoptimised run are paid once, not per
// file. bench/checkpointBench.mjs bundles this file with esbuild into bench/.data/ and runs it:
//
//   node bench/.data/inspectInProcess.mjs RUNS FILE [FILE ...]
//
// Call i inspects FILE[i mod n] (alternating files, so no call re-reads the previous one's bytes). With
// BENCH_EVICT_PYTHON set, each file is evicted from the page cache before its call (untimed). Prints JSON:
// { timesMs: number[], bytesRead: number[] } — timesMs[0] is the cold-JIT first call.
import { spawnSync } from 'node:child_process';
import { inspectCheckpoint } from '../src/checkpoint/report';

const evictScript =
  'import os,sys\nos.sync()\nfor p in sys.argv[1:]:\n fd=os.open(p,os.O_RDONLY)\n os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)\n os.close(fd)';

async function main(): Promise<void> {
  const [runsText, ...files] = process.argv.slice(2);
  const runs = Number(runsText);
  if (!Number.isInteger(runs) || runs < 1 || files.length === 0) {
    throw new Error('usage: inspectInProcess RUNS FILE [FILE ...]');
  }
  const evictPython = process.env.BENCH_EVICT_PYTHON;
  const timesMs: number[] = [];
  const bytesRead: number[] = [];
  for (let i = 0; i < runs; i++) {
    const file = files[i % files.length] as string;
    if (evictPython) {
      const r = spawnSync(evictPython, ['-c', evictScript, file], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`evicting ${file} failed`);
    }
    const started = performance.now();
    const report = await inspectCheckpoint(file);
    timesMs.push(performance.now() - started);
    bytesRead.push(report.stats.bytesRead);
  }
  process.stdout.write(`${JSON.stringify({ timesMs, bytesRead })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
