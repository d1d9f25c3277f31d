import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/runCli';
import { tokenizeCommand, tokenizeUsage } from '../../../src/cli/tokenizeCommand';
import { runCliInProcess } from '../../support/runCliInProcess';

/** Through the top-level runner, which turns usage errors into exit code 2. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(runCli, ['tokenize', ...args]);
}

describe('tic-studio tokenize (in-process)', () => {
  it('prints each text’s ids up to the end token and their count, one line per text', async () => {
    const r = await cli('a photo of a cat', 'café');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      '"a photo of a cat": 7 ids: 49406 320 1125 539 320 2368 49407\n"café": 3 ids: 49406 15304 49407\n',
    );
  });

  it('prints all 77 ids of each text as JSON with --json', async () => {
    const r = await cli('--json', 'a photo of a cat', '');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { text: string; ids: number[] }[];
    assert.deepEqual(
      out.map((o) => o.text),
      ['a photo of a cat', ''],
    );
    assert.equal(out[0]!.ids.length, 77);
    assert.deepEqual(out[0]!.ids.slice(0, 8), [49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    assert.deepEqual(out[1]!.ids.slice(0, 3), [49406, 49407, 0]);
  });

  it('honours --context-length and says when a text was cut to fit', async () => {
    const json = await cli('--json', '--context-length', '4', 'a photo of a cat');
    assert.deepEqual((JSON.parse(json.stdout) as { ids: number[] }[])[0]!.ids, [49406, 320, 1125, 49407]);
    const plain = await cli('--context-length', '4', 'a photo of a cat');
    assert.equal(plain.stdout, '"a photo of a cat": 4 ids (cut to fit): 49406 320 1125 49407\n');
  });

  it('takes texts that start with a dash after --', async () => {
    const r = await cli('--', '--- *** !!! ???');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^"--- \*\*\* !!! \?\?\?": \d+ ids: 49406 /);
  });

  it('exits 2 with one line on stderr without a text, with a bad context length or an unknown option', async () => {
    for (const args of [[], ['--context-length', '0', 'x'], ['--context-length', 'ten', 'x'], ['--frobnicate', 'x']]) {
      const r = await cli(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /^tic-studio tokenize: /);
    }
  });

  it('exits 1 and names the reason when the vocabulary is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenize-cli-'));
    try {
      const r = await runCliInProcess(tokenizeCommand, ['--vocab', join(dir, 'missing.txt.gz'), 'cat']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^tic-studio tokenize: missingFile: .*missing\.txt\.gz/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its usage with --help and is listed in the top-level help', async () => {
    const help = await cli('--help');
    assert.equal(help.stdout, `${tokenizeUsage}\n`);
    const top = await runCliInProcess(runCli, ['--help']);
    assert.match(top.stdout, /^ {2}tokenize {5}/m);
  });
});
