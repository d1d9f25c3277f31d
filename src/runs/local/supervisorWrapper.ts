import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runSecretVariable } from '../runClaims';
import { writeTextAtomic } from '../../shared/atomicWrite';

/** How the supervisor hands the run's secret to the wrapper, which passes it on as TIC_STUDIO_RUN to the run only. */
export const wrapperSecretVariable = 'TIC_STUDIO_RUN_FOR_CHILD';

/**
 * Why a wrapper: a run must outlive the VS Code window that started it (detached, own session), and after a
 * reload nobody is the run's parent any more, so nobody can waitpid() it for the exit code. The supervisor
 * therefore starts this small Node program (with the editor's own Node: `process.execPath` +
 * ELECTRON_RUN_AS_NODE=1, nothing to install) instead of argv[0]:
 *
 *   node supervisorWrapper-<hash>.cjs <started.json> <exit.json> <keep|drop> -- argv0 arg1 …
 *
 * The wrapper spawns argv in a new process group (`detached`, so pgid === the run's pid) with stdout and
 * stderr going to the log file it got as its own fd 1 and 2, writes `<id>.started.json` ({pid, startTicks,
 * bootId}) once it runs, waits, and writes `<id>.exit.json` ({exitCode, signal, endedAt} or {spawnError})
 * atomically. It is not in the run's process group, so a stop (SIGINT/SIGTERM/SIGKILL to the group) never hits
 * it and it records even a SIGKILL. SIGINT/SIGTERM sent to the wrapper itself are passed on to the group.
 * `<keep|drop>`: whether ELECTRON_RUN_AS_NODE, which the wrapper needs, stays in the run's environment.
 *
 * The source lives here as a string (the extension is one esbuild bundle; there is no separate file to ship)
 * and is written once into the runs folder under a content-hashed name.
 */
export const supervisorWrapperSource = `'use strict';
// TiC Studio supervisor wrapper (src/runs/local/supervisorWrapper.ts): starts one run, records how it ended.
const { spawn } = require('child_process');
const fs = require('fs');
const [startedPath, exitPath, electron, separator, ...argv] = process.argv.slice(2);
if (separator !== '--' || argv.length === 0) {
  process.stderr.write('TiC Studio wrapper: bad arguments\\n');
  process.exit(2);
}
const env = Object.assign({}, process.env);
if (electron !== 'keep') delete env.ELECTRON_RUN_AS_NODE;
// The run's secret marks the run's processes, not the wrapper: a stop must never kill the one that records the exit.
if (env.${wrapperSecretVariable} !== undefined) env.${runSecretVariable} = env.${wrapperSecretVariable};
delete env.${wrapperSecretVariable};
function writeAtomic(path, value) {
  // 'wx': a fresh temp file, never through a link planted in the workspace under this name.
  const temp = path + '.' + process.pid + '.' + require('crypto').randomBytes(4).toString('hex') + '.tmp';
  fs.writeFileSync(temp, JSON.stringify(value) + '\\n', { flag: 'wx' });
  fs.renameSync(temp, path);
}
function identity(pid) {
  try {
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return { startTicks: Number(fields[19]), bootId: bootId };
  } catch (e) {
    return { startTicks: null, bootId: null };
  }
}
let child;
let finished = false;
function finish(result) {
  if (finished) return;
  finished = true;
  result.endedAt = new Date().toISOString();
  writeAtomic(exitPath, result);
  process.exit(0);
}
function forward(signal) {
  if (child && child.pid) {
    try { process.kill(-child.pid, signal); } catch (e) { /* the group is gone */ }
  }
}
process.on('SIGINT', function () { forward('SIGINT'); });
process.on('SIGTERM', function () { forward('SIGTERM'); });
process.on('SIGHUP', function () {});
try {
  child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: env });
} catch (e) {
  finish({ exitCode: null, signal: null, spawnError: String(e && e.message) });
}
child.on('spawn', function () {
  const id = identity(child.pid);
  writeAtomic(startedPath, { pid: child.pid, pgid: child.pid, startTicks: id.startTicks, bootId: id.bootId, startedAt: new Date().toISOString() });
});
child.on('error', function (e) {
  if (child.pid === undefined) finish({ exitCode: null, signal: null, spawnError: String(e && e.message) });
});
child.on('exit', function (code, signal) {
  finish({ exitCode: code, signal: signal });
});
`;

/** Writes the wrapper into `dir` (once per content) and returns its path. */
export async function installSupervisorWrapper(dir: string): Promise<string> {
  const hash = createHash('sha256').update(supervisorWrapperSource).digest('hex').slice(0, 12);
  const path = join(dir, `supervisorWrapper-${hash}.cjs`);
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing !== supervisorWrapperSource) await writeTextAtomic(path, supervisorWrapperSource);
  return path;
}

/** `<id>.started.json`, written by the wrapper once argv[0] runs. */
export interface WrapperStarted {
  pid: number;
  pgid: number;
  startTicks: number | null;
  bootId: string | null;
  startedAt: string;
}

/** `<id>.exit.json`, written by the wrapper when the run has ended (or could not start). */
export interface WrapperExit {
  exitCode: number | null;
  signal: string | null;
  spawnError?: string;
  endedAt: string;
}

export function parseWrapperStarted(raw: unknown): WrapperStarted | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!isPid(r.pid) || !isPid(r.pgid) || typeof r.startedAt !== 'string') return undefined;
  const startTicks =
    typeof r.startTicks === 'number' && Number.isInteger(r.startTicks) && r.startTicks >= 0 ? r.startTicks : null;
  const bootId = typeof r.bootId === 'string' ? r.bootId : null;
  return { pid: r.pid, pgid: r.pgid, startTicks, bootId, startedAt: r.startedAt };
}

export function parseWrapperExit(raw: unknown): WrapperExit | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const exitCode =
    r.exitCode === null || (typeof r.exitCode === 'number' && Number.isInteger(r.exitCode))
      ? (r.exitCode as number | null)
      : undefined;
  const signal =
    r.signal === null || (typeof r.signal === 'string' && /^SIG[A-Z0-9]+$/.test(r.signal))
      ? (r.signal as string | null)
      : undefined;
  if (exitCode === undefined || signal === undefined || typeof r.endedAt !== 'string') return undefined;
  const result: WrapperExit = { exitCode, signal, endedAt: r.endedAt };
  if (typeof r.spawnError === 'string') result.spawnError = r.spawnError;
  return result;
}

function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
