import { appendFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The environment variable that turns the stall log on: an absolute path to append to. */
export const hostStallLogVariable = 'TIC_STUDIO_HOST_STALL_LOG';

/**
 * For benchmarks of the real workbench (bench/scaleWorkbenchBench.mjs): when `TIC_STUDIO_HOST_STALL_LOG` names an
 * absolute path, the extension host appends one JSON line per second to it: the wall clock, the longest the event
 * loop was blocked in that second (perf_hooks, 10 ms resolution: a UI stall of every extension in this host) and
 * the host's resident memory. Off (nothing runs) otherwise.
 */
export function startHostStallLog(env: NodeJS.ProcessEnv = process.env): { dispose(): void } {
  const path = env[hostStallLogVariable];
  if (path === undefined || !isAbsolute(path)) return { dispose: () => undefined };
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let writing = Promise.resolve();
  const timer = setInterval(() => {
    const line = JSON.stringify({
      t: Date.now(),
      maxMs: Math.round(histogram.max / 1e6),
      rssMiB: Math.round(process.memoryUsage.rss() / 1048576),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    });
    histogram.reset();
    writing = writing.then(() => appendFile(path, `${line}\n`)).catch(() => undefined);
  }, 1000);
  timer.unref();
  return {
    dispose: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
