// Loaded by every mocha config before the tests: TiC Studio's per-user state folder (XDG_STATE_HOME/tic-studio,
// src/shared/userStateDir.ts) points into a fresh temp folder, so tests never read or write the real one, and every
// child process they start (the CLI, code-server) shares it with the test.
'use strict';
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

if (!process.env.TIC_TEST_STATE_HOME) {
  process.env.TIC_TEST_STATE_HOME = mkdtempSync(join(tmpdir(), 'tic-state-'));
  process.env.XDG_STATE_HOME = process.env.TIC_TEST_STATE_HOME;
}
