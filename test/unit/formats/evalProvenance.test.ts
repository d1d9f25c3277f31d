import assert from 'node:assert/strict';
import { parseEvalProvenance, serializeEvalProvenance } from '../../../src/formats/evalProvenance';

const commit = '0123456789abcdef0123456789abcdef01234567';

describe('tic-studio-eval.json (what TiC Studio records next to an evaluation it launches)', () => {
  it('reads a record and writes it back the same', () => {
    const text = `{\n  "version": 1,\n  "checkoutCommit": "${commit}",\n  "dirty": false,\n  "tasks": [\n    "tic/datacomp/retrieval/yearly/2014"\n  ]\n}\n`;
    const parsed = parseEvalProvenance(text);
    assert.deepEqual(parsed, {
      provenance: { version: 1, checkoutCommit: commit, dirty: false, tasks: ['tic/datacomp/retrieval/yearly/2014'] },
      reason: null,
    });
    assert.equal(serializeEvalProvenance(parsed.provenance!), text);
  });

  it('takes null (git could not say) and absent keys as unknown, and ignores keys it does not know', () => {
    assert.deepEqual(parseEvalProvenance('{"version": 1, "checkoutCommit": null, "dirty": null, "later": 3}'), {
      provenance: { version: 1, checkoutCommit: null, dirty: null, tasks: null },
      reason: null,
    });
    assert.deepEqual(parseEvalProvenance('{"version": 1}').provenance, {
      version: 1,
      checkoutCommit: null,
      dirty: null,
      tasks: null,
    });
  });

  const bad: [string, string][] = [
    ['not json', 'tic-studio-eval.json is not JSON'],
    ['[1]', 'tic-studio-eval.json is not a JSON object'],
    ['null', 'tic-studio-eval.json is not a JSON object'],
    ['{}', 'tic-studio-eval.json has no version'],
    ['{"version": 2}', 'tic-studio-eval.json has version 2, this TiC Studio reads version 1'],
    ['{"version": "1"}', 'tic-studio-eval.json has version "1", this TiC Studio reads version 1'],
    [
      '{"version": 1, "checkoutCommit": "HEAD"}',
      'tic-studio-eval.json has a checkoutCommit that is not 40 lower-case hex digits',
    ],
    [
      `{"version": 1, "checkoutCommit": "${commit.toUpperCase()}"}`,
      'tic-studio-eval.json has a checkoutCommit that is not 40 lower-case hex digits',
    ],
    [
      `{"version": 1, "checkoutCommit": "${commit}0"}`,
      'tic-studio-eval.json has a checkoutCommit that is not 40 lower-case hex digits',
    ],
    [
      '{"version": 1, "checkoutCommit": 7}',
      'tic-studio-eval.json has a checkoutCommit that is not 40 lower-case hex digits',
    ],
    ['{"version": 1, "dirty": "yes"}', 'tic-studio-eval.json has a dirty that is not true, false or null'],
    ['{"version": 1, "tasks": "tic/x"}', 'tic-studio-eval.json has tasks that are not a list'],
    [
      '{"version": 1, "tasks": [3]}',
      'tic-studio-eval.json has a task that is not a task key (printable, no spaces, at most 256 characters)',
    ],
    [
      '{"version": 1, "tasks": ["a b"]}',
      'tic-studio-eval.json has a task that is not a task key (printable, no spaces, at most 256 characters)',
    ],
    [
      '{"version": 1, "tasks": ["tic/\\u001b[31m"]}',
      'tic-studio-eval.json has a task that is not a task key (printable, no spaces, at most 256 characters)',
    ],
    ['{"version": 1, "tasks": ["a", "a"]}', 'tic-studio-eval.json lists the task a twice'],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${text.slice(0, 60)}: null and a reason`, () => {
      assert.deepEqual(parseEvalProvenance(text), { provenance: null, reason });
    });
  }

  it('refuses a list of more than 4096 tasks', () => {
    const tasks = Array.from({ length: 4097 }, (_, i) => `t${i}`);
    assert.deepEqual(parseEvalProvenance(JSON.stringify({ version: 1, tasks })), {
      provenance: null,
      reason: 'tic-studio-eval.json lists more than 4096 tasks',
    });
  });
});
