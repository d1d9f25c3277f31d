// Small helpers for the project scripts: run a program (argv array, never a shell) and stream its output.
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';

/** How long output may keep arriving after the program itself exited (from processes it left behind). */
const DRAIN_MS = 10_000;

/**
 * Runs a program to completion, output passed through (and captured when `capture` is set).
 *
 * With `timeoutMs`, the program runs in its own process group and the whole group is stopped (SIGTERM, then SIGKILL)
 * when it runs longer, after printing which of its processes were still running: a hung tier must end CI with a
 * reason, not run into CI's own time limit without a word. Either way the run ends at most DRAIN_MS after the
 * program exits, even when a process it left behind still holds its output open (that process is named).
 */
export function run(cmd, args, { cwd, env, capture = false, quiet = false, timeoutMs, name = cmd } = {}) {
  return new Promise((resolve) => {
    const group = timeoutMs !== undefined;
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: group,
    });
    let output = '';
    let settled = false;
    let timedOut = false;
    const pass = (stream) => (chunk) => {
      if (!quiet) stream.write(chunk);
      if (capture || quiet) output += chunk.toString();
    };
    child.stdout.on('data', pass(process.stdout));
    child.stderr.on('data', pass(process.stderr));

    if (group && child.pid) trackGroup(child.pid);
    const timers = [];
    if (group) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          const minutes = Math.round(timeoutMs / 60_000);
          process.stderr.write(
            `\n${name}: still running after ${minutes} min; stopping it. Its processes:\n${describeGroup(child.pid) || '  (none found)'}\n`,
          );
          signalGroup(child.pid, 'SIGTERM');
          timers.push(setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 15_000));
        }, timeoutMs),
      );
    }
    const finish = (code, note = '') => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      if (group && child.pid) {
        untrackGroup(child.pid);
        const left = describeGroup(child.pid);
        if (left) {
          process.stderr.write(`\n${name}: ended; stopping the processes it left running:\n${left}\n`);
          signalGroup(child.pid, 'SIGKILL');
        }
      }
      resolve({ code, output: `${output}${note}`, timedOut });
    };
    child.on('error', (error) => finish(127, `\n${error.message}`));
    child.on('exit', (code, signal) => {
      const status = code ?? (signal ? 128 : 1);
      // 'close' waits for every holder of the pipes; a process the program left running may hold them forever.
      timers.push(
        setTimeout(() => {
          process.stderr.write(
            `\n${name}: exited ${status}, but processes it left running still hold its output open; going on without them.\n`,
          );
          child.stdout.destroy();
          child.stderr.destroy();
          finish(status);
        }, DRAIN_MS),
      );
      child.once('close', () => finish(status));
    });
  });
}

/**
 * Process groups of runs in progress. They do not share this script's group, so a Ctrl-C in the terminal does not
 * reach them: while one runs, an interrupt of this script stops them too.
 */
const activeGroups = new Set();
const interruptSignals = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
function onInterrupt(signal) {
  for (const pgid of activeGroups) signalGroup(pgid, 'SIGTERM');
  process.exit(interruptSignals[signal]);
}
function trackGroup(pgid) {
  if (activeGroups.size === 0) for (const signal of Object.keys(interruptSignals)) process.on(signal, onInterrupt);
  activeGroups.add(pgid);
}
function untrackGroup(pgid) {
  activeGroups.delete(pgid);
  if (activeGroups.size === 0) for (const signal of Object.keys(interruptSignals)) process.off(signal, onInterrupt);
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** The processes of a process group, one per line ("pid seconds command"), for a report. */
function describeGroup(pgid) {
  try {
    const table = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,etimes=,args='], { encoding: 'utf8', timeout: 10_000 });
    const rows = table
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      // Zombies are dead already (only their parent can make them disappear): not worth a line.
      .filter((cols) => cols.length >= 5 && Number(cols[1]) === pgid && !cols[2].startsWith('Z'))
      .map(([pid, , , seconds, ...command]) => `  ${pid} (${seconds} s) ${command.join(' ').slice(0, 300)}`);
    return rows.join('\n');
  } catch (error) {
    return `  (ps failed: ${error.message})`;
  }
}

/** Whether an executable of that name is on PATH. */
export function onPath(name) {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      return statSync(`${dir}/${name}`).isFile();
    } catch {
      return false;
    }
  });
}
