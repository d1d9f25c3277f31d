/**
 * Milliseconds of process time, for the stats.elapsedMs of reports and diffs. Not `performance.now()`: in Node the
 * `performance` global loads perf_hooks on first use, which costs a one-shot CLI run more than the clock is worth.
 */
export function checkpointClock(): number {
  return process.uptime() * 1000;
}
