import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/runCli';
import { runRecordVersion, type RunRecord } from '../../../src/runs/model/runRecord';
import { runRecordsDir } from '../../../src/runs/model/runRecordStore';
import { runCliInProcess } from '../../support/runCliInProcess';
import { encodeValues, safetensorsBytes } from '../checkpoint/syntheticCheckpoints';

/**
 * Text a workspace file can hold that would drive a terminal printed raw: retitle the window (OSC 0 … BEL), clear
 * the screen (CSI 2 J), overwrite the line (CR), a one-byte C1 CSI, and a right-to-left override.
 */
const hostile = 'evil \x1b]0;pwned\x07 \x1b[2J done\rfake \u009b31m \u202etxt.exe';
/** The same, as `tic-studio` must print it: every one of those characters spelled out. */
const shown = 'evil \\x1b]0;pwned\\x07 \\x1b[2J done\\x0dfake \\u009b31m \\u202etxt.exe';
// eslint-disable-next-line no-control-regex -- the test looks for control characters
const terminalControls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function tic(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(runCli, args);
}

/** Nothing in what was printed can act on the terminal (a failure quotes the text around the first control). */
function assertInert(out: { stdout: string; stderr: string }): void {
  for (const [name, text] of Object.entries({ stdout: out.stdout, stderr: out.stderr })) {
    const at = text.search(terminalControls);
    assert.equal(
      at,
      -1,
      `${name} holds a control character: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 60))}`,
    );
  }
}

describe('CLI output hygiene: control characters from files come out escaped', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tic-output-hygiene-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe('a run label in tic-studio runs', () => {
    beforeEach(() => {
      const id = '20261129-020000-eval-abc123';
      const dir = runRecordsDir(root);
      mkdirSync(dir, { recursive: true });
      const record: RunRecord = {
        version: runRecordVersion,
        id,
        kind: 'eval',
        label: hostile,
        argv: ['python', 'evaluate.py'],
        cwd: root,
        env: {},
        host: 'workstation',
        scheduler: 'local',
        simulated: false,
        status: 'succeeded',
        createdAt: '2026-11-29T02:00:00.000Z',
        startedAt: '2026-11-29T02:00:01.000Z',
        endedAt: '2026-11-29T02:10:00.000Z',
        exitCode: 0,
        logPath: join(dir, `${id}.log`),
      };
      writeFileSync(join(dir, `${id}.json`), `${JSON.stringify(record, null, 2)}\n`);
    });

    it('is escaped in the table', async () => {
      const out = await tic('runs', root);
      assert.equal(out.code, 0, out.stderr);
      assertInert(out);
      assert.ok(out.stdout.includes(shown), out.stdout);
    });

    it('is valid JSON of the same value with --json, C1 and bidi characters escaped too', async () => {
      const out = await tic('runs', root, '--json');
      assert.equal(out.code, 0, out.stderr);
      assertInert(out);
      const [run] = JSON.parse(out.stdout) as { label: string }[];
      assert.equal(run?.label, hostile);
    });
  });

  describe('a tensor name in tic-studio inspect', () => {
    let file: string;
    beforeEach(() => {
      file = join(root, 'weights.safetensors');
      writeFileSync(
        file,
        safetensorsBytes([
          { name: `visual.${hostile}`, code: 'F32', shape: [2], data: encodeValues('float32', [1, 2]) },
        ]),
      );
    });

    it('is escaped in the report', async () => {
      const out = await tic('inspect', file);
      assert.equal(out.code, 0, out.stderr);
      assertInert(out);
      assert.ok(out.stdout.includes(`visual.${shown}`), out.stdout);
    });

    it('is valid JSON of the same value with --json', async () => {
      const out = await tic('inspect', file, '--json');
      assert.equal(out.code, 0, out.stderr);
      assertInert(out);
      const report = JSON.parse(out.stdout) as { tensors: { name: string }[] };
      assert.deepEqual(
        report.tensors.map((t) => t.name),
        [`visual.${hostile}`],
      );
    });
  });

  describe('an experiment name in tic-studio results', () => {
    it('is escaped where the experiment is listed as not in a chain', async () => {
      const exp = join(root, `exp ${hostile}`);
      mkdirSync(exp);
      writeFileSync(join(exp, 'out.log'), 'started\n');
      const out = await tic('results', root);
      assert.equal(out.code, 1);
      assertInert(out);
      assert.ok(out.stderr.includes(`exp ${shown}: not in a chain`), out.stderr);
    });

    it('is valid JSON of the same value with --json', async () => {
      const demo = join(__dirname, '../../../demo/datacomp');
      cpSync(join(demo, 'results'), join(root, 'results'), { recursive: true });
      cpSync(join(demo, 'eval_results'), join(root, 'eval_results'), { recursive: true });
      const name = `datacomp_medium-basic_cumulative ${hostile}_2016`;
      renameSync(join(root, 'results/datacomp_medium-basic_cumulative_2016'), join(root, 'results', name));
      const out = await tic('results', root, '--json');
      assert.equal(out.code, 0, out.stderr);
      assertInert(out);
      const json = JSON.parse(out.stdout) as { chains: { steps: { expName: string | null }[] }[] };
      assert.ok(
        json.chains.some((c) => c.steps.some((s) => s.expName === name)),
        'the renamed experiment is a step of a chain',
      );
    });
  });
});
