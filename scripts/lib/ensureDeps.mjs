// Installs the extension's own npm dependencies when package-lock.json changed since the last install.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './codeServer.mjs';
import { run } from './run.mjs';

export async function ensureNodeModules() {
  const stamp = createHash('sha256')
    .update(readFileSync(join(projectRoot, 'package-lock.json')))
    .digest('hex');
  const stampFile = join(projectRoot, 'node_modules/.tic-studio-deps');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return true;
  console.log('Installing npm dependencies (npm ci)…');
  // onnxruntime-node's postinstall downloads GPU libraries from outside the npm registry: skip it (CPU only).
  const { code } = await run('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: projectRoot,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (code !== 0) return false;
  writeFileSync(stampFile, stamp);
  return true;
}
