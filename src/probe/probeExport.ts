import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { probeFiles } from './probeModel';
import { ProbeError } from './probeError';

export interface ProbeExportRequest {
  /** The Python with torch and open_clip (the runs' interpreter). */
  readonly python: string;
  /** python/exportProbe.py of the extension. */
  readonly script: string;
  readonly checkpoint: string;
  /** open_clip's model name, from the checkpoint reader (e.g. ViT-B-16). */
  readonly arch: string;
  /** sha256 of the checkpoint: exports are cached per content, not per path. */
  readonly sha256: string;
  /** Where exports are kept, one folder per checkpoint hash. */
  readonly cacheRoot: string;
  readonly signal?: AbortSignal;
  onProgress?(fraction: number, message: string): void;
}

export interface ProbeExportResult {
  readonly dir: string;
  /** The checkpoint had been exported before: nothing was run. */
  readonly cached: boolean;
}

/** `<cacheRoot>/<sha256>`: the export folder of a checkpoint. */
export function probeExportDir(cacheRoot: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ProbeError('badInput', `Not a sha256: ${sha256}.`);
  return join(cacheRoot, sha256);
}

/**
 * Exports a checkpoint's two towers to ONNX with the user's Python (python/exportProbe.py), once per checkpoint
 * content: into a temporary folder, renamed into place only when the script succeeded, so a cancelled or failed
 * export never leaves a half export that looks complete. The child runs without a shell (argv only).
 */
export async function exportForProbe(request: ProbeExportRequest): Promise<ProbeExportResult> {
  const dir = probeExportDir(request.cacheRoot, request.sha256);
  if (existsSync(join(dir, probeFiles.manifest))) return { dir, cached: true };
  await mkdir(request.cacheRoot, { recursive: true });
  const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
  try {
    await runScript(request, partial);
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    return { dir, cached: false };
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

function runScript(request: ProbeExportRequest, out: string): Promise<void> {
  const argv = [request.script, '--checkpoint', request.checkpoint, '--arch', request.arch, '--out', out];
  return new Promise((resolve, reject) => {
    request.signal?.throwIfAborted();
    const child = spawn(request.python, argv, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    let stdoutTail = '';
    let stderr = '';
    const abort = () => child.kill('SIGTERM');
    request.signal?.addEventListener('abort', abort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdoutTail += chunk;
      const lines = stdoutTail.split('\n');
      stdoutTail = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^PROGRESS ([\d.]+) (.*)$/.exec(line);
        if (match) request.onProgress?.(Number(match[1]), match[2]!);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.on('error', (error) => {
      request.signal?.removeEventListener('abort', abort);
      reject(
        new ProbeError(
          'exportFailed',
          `Could not start ${request.python}: ${error.message}. Set ticStudio.runs.python.`,
          {
            cause: error,
          },
        ),
      );
    });
    child.on('close', (code, signal) => {
      request.signal?.removeEventListener('abort', abort);
      if (request.signal?.aborted) return reject(new ProbeError('cancelled', 'The export was cancelled.'));
      if (code === 0) return resolve();
      const missing = /^MISSING (\S+)/m.exec(stderr)?.[1];
      if (code === 3 && missing) {
        return reject(
          new ProbeError(
            'missingDependency',
            `${request.python} has no ${missing}: exporting needs the training environment's Python (torch and open_clip). Choose it with the Python extension or ticStudio.runs.python.`,
          ),
        );
      }
      const last = stderr.trim().split('\n').slice(-3).join(' ⏎ ');
      reject(
        new ProbeError(
          'exportFailed',
          `The export of ${request.checkpoint} failed (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`,
        ),
      );
    });
  });
}
