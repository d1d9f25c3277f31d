// Small helpers for the project scripts: run a program (argv array, never a shell) and stream its output.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';

/** Runs a program to completion, output passed through (and captured when `capture` is set). */
export function run(cmd, args, { cwd, env, capture = false, quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const pass = (stream) => (chunk) => {
      if (!quiet) stream.write(chunk);
      if (capture || quiet) output += chunk.toString();
    };
    child.stdout.on('data', pass(process.stdout));
    child.stderr.on('data', pass(process.stderr));
    child.on('error', (error) => resolve({ code: 127, output: `${output}\n${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
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
