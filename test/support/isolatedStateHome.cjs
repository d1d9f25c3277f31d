// Loaded by every mocha config before the tests: TiC Studio's per-user state folder (XDG_STATE_HOME/tic-studio,
// src/shared/userStateDir.ts) and its series cache (XDG_CACHE_HOME/tic-studio/series,
// src/formats/seriesCache/seriesCache.ts) point into a fresh temp folder, so tests never read or write the real
// ones, and every child process they start (the CLI, code-server) shares them with the test.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

if (!process.env.TIC_TEST_STATE_HOME) {
  process.env.TIC_TEST_STATE_HOME = mkdtempSync(join(tmpdir(), 'tic-state-'));
  process.env.XDG_STATE_HOME = process.env.TIC_TEST_STATE_HOME;
  process.env.XDG_CACHE_HOME = join(process.env.TIC_TEST_STATE_HOME, 'cache');
  // The process that made the folder removes it: the children it started (the CLI, code-server) end before it.
  const made = process.env.TIC_TEST_STATE_HOME;
  process.on('exit', () => rmSync(made, { recursive: true, force: true }));
}
