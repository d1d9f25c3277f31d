import { appendFile, writeFile } from 'node:fs/promises';
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

/** The environment variable that turns the host profile on: an absolute path for a `.cpuprofile`. */
export const hostProfileVariable = 'TIC_STUDIO_HOST_PROFILE';

/**
 * For benchmarks (bench/scaleWorkbenchBench.mjs --profile): when `TIC_STUDIO_HOST_PROFILE` names an absolute path,
 * the extension host's main thread is CPU-profiled (node:inspector, in-process) from activation for
 * `TIC_STUDIO_HOST_PROFILE_SECONDS` (default 90) and the profile written there, for Chrome DevTools or
 * `bench/hostProfileBlocks.mjs`. Off (nothing loaded) otherwise.
 */
export function startHostProfile(env: NodeJS.ProcessEnv = process.env): { dispose(): void } {
  const path = env[hostProfileVariable];
  if (path === undefined || !isAbsolute(path)) return { dispose: () => undefined };
  const seconds = Math.min(600, Math.max(1, Number(env.TIC_STUDIO_HOST_PROFILE_SECONDS ?? 90) || 90));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when asked for
  const { Session } = require('node:inspector') as typeof import('node:inspector');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () =>
    session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => session.post('Profiler.start')),
  );
  let done = false;
  const stop = () => {
    if (done) return;
    done = true;
    session.post('Profiler.stop', (error, result) => {
      if (!error) void writeFile(path, JSON.stringify(result.profile)).catch(() => undefined);
      session.disconnect();
    });
  };
  const timer = setTimeout(stop, seconds * 1000);
  timer.unref();
  return {
    dispose: () => {
      clearTimeout(timer);
      stop();
    },
  };
}
