import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLogFile } from '../../../src/formats/logFile';
import type { LogEvent } from '../../../src/formats/logEvents';
import { LogParser, parseLogText } from '../../../src/formats/logParser';

const trainLine =
  '2026-11-28,15:38:50 | INFO | Train Epoch: 0 [ 4/16 (25%)] Data (t): 0.008 Batch (t): 5.865, 0.682013/s, 0.682013/s/gpu LR: 0.000250 Logit Scale: 14.286 Contrastive_loss: 1.3863 (1.3863) Loss: 1.3863 (1.3863)';

/** A deterministic pseudo-random byte stream (xorshift), so a failure can be replayed. */
function garbage(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function collect(write: (parser: LogParser) => void, maxLineLength?: number): LogEvent[] {
  const events: LogEvent[] = [];
  const parser = new LogParser((e) => events.push(e), maxLineLength === undefined ? {} : { maxLineLength });
  write(parser);
  parser.end();
  return events;
}

describe('LogParser on hostile input', function () {
  this.timeout(30_000);

  it('survives 4 MB of binary garbage in odd-sized chunks and still reads the train step after it', () => {
    for (const seed of [1, 42, 0xdeadbeef]) {
      const junk = garbage(4 * 1024 * 1024, seed);
      const events = collect((p) => {
        for (let i = 0; i < junk.length; i += 65_537) p.write(junk.subarray(i, i + 65_537));
        p.write(`\n${trainLine}\n`);
      });
      const last = events[events.length - 1];
      assert.equal(last?.type, 'trainStep', `seed ${seed}`);
      for (const e of events) {
        if (e.type === 'output') assert.ok(e.text.length <= 4096);
      }
    }
  });

  it('survives random bytes from the OS (NUL, lone surrogates as replacement characters, 0xFF runs)', () => {
    const junk = Buffer.concat([
      randomBytes(1 << 20),
      Buffer.alloc(4096, 0),
      Buffer.alloc(4096, 0xff),
      Buffer.from('\r\r\n\n\r'),
    ]);
    const events = collect((p) => p.write(junk));
    assert.ok(Array.isArray(events));
  });

  it('skips a 10 MB line fed in 64 KiB chunks as one oversizedLine event, then parses the next line', () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const total = 10 * 1024 * 1024;
    const events = collect((p) => {
      p.write(`${trainLine}\n`);
      for (let n = 0; n < total; n += chunk.length) p.write(chunk);
      p.write(`\n${trainLine}\n`);
    });
    assert.deepEqual(
      events.map((e) => [e.type, e.line, e.type === 'oversizedLine' ? e.length : null]),
      [
        ['trainStep', 1, null],
        ['oversizedLine', 2, total],
        ['trainStep', 3, null],
      ],
    );
  });

  it('skips a 10 MB line given as one string, and one that is the unterminated last line', () => {
    const big = 'y'.repeat(10 * 1024 * 1024);
    const inOne = parseLogText(`${big}\n${trainLine}\n`);
    assert.deepEqual(
      inOne.map((e) => e.type),
      ['oversizedLine', 'trainStep'],
    );
    const atEnd = parseLogText(`${trainLine}\n${big}`);
    assert.deepEqual(
      atEnd.map((e) => [e.type, e.line]),
      [
        ['trainStep', 1],
        ['oversizedLine', 2],
      ],
    );
  });

  it('honours a smaller maxLineLength', () => {
    const events = collect((p) => p.write(`${'z'.repeat(2000)}\n${trainLine}\n`), 1000);
    assert.deepEqual(
      events.map((e) => e.type),
      ['oversizedLine', 'trainStep'],
    );
  });

  it('parses an unterminated last line only at end(), never before', () => {
    const events: LogEvent[] = [];
    const parser = new LogParser((e) => events.push(e));
    parser.write(trainLine.slice(0, 100));
    parser.write(trainLine.slice(100));
    assert.equal(events.length, 0, 'the line might still grow');
    parser.end();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'trainStep');
    assert.throws(() => parser.write('more'), /after end/);
  });

  it('does not confuse a line that only looks like a prefix for a record', () => {
    const events = parseLogText(
      '2026-11-28,15:38:50 | info | lower-case level\n2026-13-99,99:99:99 | INFO |\n9999-99-99,99:99:99 | INFO | Start epoch 1\n',
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['output', 'output', 'startEpoch'],
    );
  });

  it('caps an endless model repr and an endless traceback', () => {
    const repr = ['2026-11-28,15:38:44 | INFO | Model:', '2026-11-28,15:38:44 | INFO | CLIP('];
    const line = '  (x): Linear(in_features=768, out_features=768, bias=True)';
    const text = `${repr.join('\n')}\n${`${line}\n`.repeat(100_000)}`;
    const events = parseLogText(text);
    assert.equal(events.length, 1);
    assert.ok(events[0]?.type === 'modelRepr');
    assert.ok(events[0].text.length <= 4 * 1024 * 1024 + line.length + 1);
    const tb = parseLogText(
      `Traceback (most recent call last):\n${'  File "x.py", line 1\n'.repeat(10_000)}ValueError: x\n`,
    );
    assert.ok(tb[0]?.type === 'traceback');
    assert.equal(tb[0].frames.length, 400);
    assert.equal(tb[0].exceptionType, 'ValueError');
  });

  it('streams a file from a byte offset, skipping the partial first line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tic-log-'));
    try {
      const path = join(dir, 'out.log');
      writeFileSync(
        path,
        `${trainLine}\n${trainLine.replace('[ 4/16 (25%)]', '[ 8/16 (50%)]')}\n${trainLine.replace('[ 4/16 (25%)]', '[12/16 (75%)]')}`,
      );
      const events: LogEvent[] = [];
      const result = await parseLogFile(path, (e) => events.push(e), { start: 10, chunkSize: 17 });
      assert.deepEqual(
        events.map((e) => (e.type === 'trainStep' ? e.samplesSeen : e.type)),
        [8, 12],
      );
      assert.equal(result.end, result.bytes + 10);
      const all: LogEvent[] = [];
      await parseLogFile(path, (e) => all.push(e));
      assert.equal(all.length, 3);
      const fromLineStart: LogEvent[] = [];
      await parseLogFile(path, (e) => fromLineStart.push(e), { start: trainLine.length + 1 });
      assert.deepEqual(
        fromLineStart.map((e) => (e.type === 'trainStep' ? e.samplesSeen : e.type)),
        [8, 12],
        'a start right after a newline keeps that line',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
