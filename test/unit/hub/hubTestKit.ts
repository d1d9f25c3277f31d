import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ticClipRepos } from '../../../src/tic/ticClipRepos';
import type { LoopbackRepoSpec } from '../../support/loopbackHub';

export const root = join(__dirname, '../../..');
export const cliEntry = join(__dirname, 'hubCliEntry.ts');

/** A scratch folder under the OS temp dir, removed by the returned function. */
export function scratch(prefix = 'tic-hub-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The six TiC-CLIP repos as contracts.md §6.1 lists them, with small generated checkpoints. */
export function ticClipLoopbackRepos(checkpointSize = 64 * 1024): LoopbackRepoSpec[] {
  const yearsOf = (repo: string): number[] =>
    repo.endsWith('cumulative')
      ? [2016, 2017, 2018, 2019, 2020, 2021, 2022]
      : repo.endsWith('sequential')
        ? [2017, 2018, 2019, 2020, 2021, 2022]
        : [2022];
  return ticClipRepos.map((id) => ({
    id,
    files: [
      { path: '.gitattributes', content: '*.pt filter=lfs diff=lfs merge=lfs -text\n' },
      { path: 'README.md', content: `---\nlicense: other\nlibrary_name: tic-clip\n---\n# ${id}\n` },
      ...yearsOf(id).flatMap((year) => [
        { path: `checkpoints/${year}.pt`, size: checkpointSize + year },
        { path: `params/${year}.yaml`, content: `model: ViT-B-16\nbatch_size: 2816\nyear: ${year}\n` },
      ]),
    ],
  }));
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `tic-studio hub …` as a real child process (node + tsx), with its output collected. */
export function spawnHubCli(
  args: string[],
  env: Record<string, string | undefined>,
): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Polls until `predicate` holds (every 10 ms), failing after `ms`. */
export async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Captures what a CLI command writes. */
export function captureIo(): {
  io: { stdout: { write(t: string): boolean }; stderr: { write(t: string): boolean } };
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => ((out += t), true) }, stderr: { write: (t: string) => ((err += t), true) } },
    out: () => out,
    err: () => err,
  };
}
