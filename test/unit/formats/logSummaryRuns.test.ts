import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEvent } from '../../../src/formats/logEvents';
import { LogParser } from '../../../src/formats/logParser';
import { summarizeLog } from '../../../src/formats/logSummary';

const read = (name: string): string => readFileSync(join(__dirname, '../../fixtures/openclip', name), 'utf8');

function parse(text: string): LogEvent[] {
  const events: LogEvent[] = [];
  const parser = new LogParser((e) => events.push(e));
  parser.write(text);
  parser.end();
  return events;
}

/** What each start of a log says about its own duration and geometry (compute accounting, contracts §9). */
describe('LogSummary runs: each start’s last timestamp, geometry and whether its beginning was seen', () => {
  it('the real two-start fixture', () => {
    const { runs } = summarizeLog(parse(read('out.sample.full.log')));
    assert.deepEqual(
      runs.map((r) => [r.startTimestamp, r.lastTimestamp, r.startSeen, r.worldSize, r.batchSize, r.accumFreq]),
      [
        // The last line of start 1 is its second eval (line 481), before start 2's `Found latest…` at 15:40:19.
        ['2026-11-28,15:38:44', '2026-11-28,15:39:39', true, 1, 4, 1],
        ['2026-11-28,15:40:19', '2026-11-28,15:40:24', true, 1, 4, 1],
      ],
    );
  });

  it('a tail cut inside a start: its first run is marked as not seen from its beginning', () => {
    const lines = read('out.sample.full.log').split('\n');
    // From start 1's `Start epoch 1` (line 462) on: the lookup, Running and Params lines of start 1 are cut off.
    const { runs } = summarizeLog(parse(lines.slice(461).join('\n')));
    assert.deepEqual(
      runs.map((r) => [r.startSeen, r.batchSize, r.trainSteps]),
      [
        [false, null, 8],
        [true, 4, 0],
      ],
    );
  });

  it('a Running line after a tail’s first start is a new start, not the tail’s own', () => {
    const full = read('out.sample.full.log').split('\n');
    // A tail that begins inside start 2's Params block (after its Running line), then a `--resume <path>` start
    // appended to the same file (the newrun fixture opens with its Running line: no `latest` lookup).
    const tail = full.slice(900).join('\n');
    const { runs } = summarizeLog(parse(`${tail}\n${read('out.sample.newrun.log')}`));
    assert.equal(runs.length, 2);
    assert.deepEqual(
      runs.map((r) => [r.startSeen, r.resumes.map((x) => x.kind), r.trainSteps, r.startTimestamp, r.lastTimestamp]),
      [
        [false, ['resuming'], 0, '2026-11-28,15:40:24', '2026-11-28,15:40:24'],
        [true, ['resuming'], 4, '2026-11-28,15:40:26', '2026-11-28,15:40:38'],
      ],
    );
  });
});
