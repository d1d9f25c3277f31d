import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLogFile } from '../../../src/formats/logFile';
import { LogSummaryBuilder, type LogSummary } from '../../../src/formats/logSummary';
import { SummaryCache, summaryCacheDir } from '../../../src/formats/seriesCache/summaryCache';
import {
  decodeSummaryEntry,
  encodeSummaryEntry,
  logSummaryVersion,
} from '../../../src/formats/seriesCache/summaryCacheFile';
import { crc32 } from '../../../src/formats/seriesCache/seriesCacheFile';
import { stepSeriesParserVersion } from '../../../src/formats/stepSeries';
import { trainLine } from '../../support/openclipTrainLine';

const root = join(__dirname, '../../..');
const demo = join(root, 'demo/datacomp/results');
const versions = { parser: stepSeriesParserVersion, summary: logSummaryVersion };

/** A fresh parse of the whole log, without any cache: what every summary must equal. */
async function parsed(log: string): Promise<LogSummary> {
  const builder = new LogSummaryBuilder();
  await parseLogFile(log, builder.add);
  return builder.result();
}

/** Reads the log through a new cache on `dir` (a new window): the outcome, the summary and the bytes parsed. */
async function readOnce(dir: string, log: string, maxBytes?: number) {
  const cache = new SummaryCache({ dir, maxBytes });
  const { summary, outcome } = await cache.read(log);
  return { summary, outcome, cache, bytes: cache.stats.bytesParsed };
}

/** Every log of the demo and of the OpenCLIP fixtures. */
function sampleLogs(): string[] {
  const demoLogs = readdirSync(demo).map((name) => join(demo, name, 'out.log'));
  const fixtures = ['out.sample.full.log', 'out.sample.newrun.log', 'out.sample.filtered.log'].map((f) =>
    join(root, 'test/fixtures/openclip', f),
  );
  return [...demoLogs, ...fixtures];
}

describe('SummaryCache: whole-log summaries kept between windows', () => {
  let tmp: string;
  let dir: string;
  let log: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tic-summary-cache-'));
    dir = join(tmp, 'cache', 'summaries');
    log = join(tmp, 'out.log');
    copyFileSync(join(demo, 'datacomp_medium-basic_cumulative_2017', 'out.log'), log);
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('lives in $XDG_CACHE_HOME/tic-studio/summaries, else ~/.cache/tic-studio/summaries', () => {
    assert.equal(summaryCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u'), '/x/cache/tic-studio/summaries');
    assert.equal(summaryCacheDir({ XDG_CACHE_HOME: 'rel' }, '/home/u'), '/home/u/.cache/tic-studio/summaries');
    assert.equal(summaryCacheDir({}, '/home/u'), '/home/u/.cache/tic-studio/summaries');
  });

  it('reads an unchanged log from its entry, parsing 0 bytes of it: every demo log and fixture, equal to a parse', async () => {
    const logs = sampleLogs();
    assert.ok(logs.length >= 10, logs.join(', '));
    for (const sample of logs) {
      const first = await readOnce(dir, sample);
      assert.equal(first.outcome, 'miss', sample);
      assert.equal(first.bytes, statSync(sample).size, sample);
      const again = await readOnce(dir, sample);
      assert.equal(again.outcome, 'hit', `${sample}: ${again.cache.lastProblem}`);
      assert.equal(again.bytes, 0, `${sample}: no byte went through the parser`);
      assert.deepStrictEqual(again.summary, await parsed(sample), sample);
    }
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'the folder is the user’s alone');
  });

  it('keeps NaN, ±Infinity and -0 (which JSON has not) and the params’ null-prototype object', async () => {
    appendFileSync(log, `${trainLine('2026-01-01,00:00:00', 5, 4096, 3_686_400, NaN)}\n`);
    appendFileSync(
      log,
      `${trainLine('2026-01-01,00:01:00', 5, 8192, 3_686_400, 1.5).replace('LR: 0.000500', 'LR: -0.0').replace('Logit Scale: 38.171', 'Logit Scale: inf')}\n`,
    );
    await readOnce(dir, log);
    const again = await readOnce(dir, log);
    assert.equal(again.outcome, 'hit');
    const summary = again.summary;
    assert.ok(Number.isNaN(summary.firstNonFiniteLoss?.losses.loss?.value));
    assert.ok(Object.is(summary.lastStep?.lr, -0));
    assert.equal(summary.lastStep?.logitScale, Infinity);
    assert.equal(Object.getPrototypeOf(summary.params!.values), null);
    assert.deepStrictEqual(summary, await parsed(log));
  });

  it('parses again a log that grew, was rewritten in place (same size and mtime) or replaced by another file', async () => {
    await readOnce(dir, log);
    // Grown: a training step's log gets new lines.
    appendFileSync(log, `${trainLine('2026-01-01,00:00:00', 5, 4096, 3_686_400, 1.25)}\n`);
    let again = await readOnce(dir, log);
    assert.equal(again.outcome, 'miss');
    assert.equal(again.bytes, statSync(log).size, 'the whole log, from its first byte');
    assert.deepStrictEqual(again.summary, await parsed(log));
    assert.equal(again.summary.lastStep?.epoch, 5);
    const rebuilt = await readOnce(dir, log);
    assert.equal(rebuilt.outcome, 'hit', 'the new entry is the grown log’s');
    assert.deepStrictEqual(rebuilt.summary, again.summary);

    // Rewritten in place, same inode, size and mtime: one digit of the last loss differs.
    const original = readFileSync(log);
    const { atime, mtime } = statSync(log);
    const at = original.lastIndexOf('Loss: ') + 7;
    const rewritten = Buffer.from(original);
    rewritten[at] = rewritten[at] === 0x31 ? 0x32 : 0x31;
    writeFileSync(log, rewritten);
    utimesSync(log, atime, mtime);
    again = await readOnce(dir, log);
    assert.equal(again.outcome, 'miss');
    assert.deepStrictEqual(again.summary, await parsed(log));

    // Replaced by a copy (another inode) with the same bytes and mtime: an entry of another file is not used.
    const copy = join(tmp, 'copy.log');
    copyFileSync(log, copy);
    const stat = statSync(log);
    utimesSync(copy, stat.atime, stat.mtime);
    renameSync(copy, log);
    again = await readOnce(dir, log);
    assert.equal(again.outcome, 'miss');
    assert.equal(again.bytes, stat.size);
    assert.equal((await readOnce(dir, log)).outcome, 'hit', 'rebuilt for the new file');
  });

  describe('an entry that fails a check is removed, the log parsed, and the entry rebuilt', () => {
    /** The entry's JSON with `change` applied, written back with a valid checksum: a forgery, not damage. */
    // A forgery edits the JSON anywhere, whatever its type says.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    type Json = Record<string, any>;
    const forge =
      (change: (entry: { log: Json; summary: Json }) => void) =>
      (bytes: Buffer): Buffer => {
        const json = JSON.parse(bytes.subarray(24, bytes.length - 4).toString());
        change(json);
        return Buffer.from(encodeSummaryEntry(json.log, json.summary, versions)!);
      };
    const damage: Record<string, (bytes: Buffer) => Buffer> = {
      'a flipped bit (checksum)': (b) => {
        b[b.length >> 1]! ^= 0x10;
        return b;
      },
      'cut short (a torn write)': (b) => b.subarray(0, b.length - 9),
      'one byte too many': (b) => Buffer.concat([b, Buffer.from([0])]),
      'another magic': (b) => {
        b[1] = 0x58;
        return b;
      },
      'a huge length': (b) => {
        b.writeUInt32LE(0xffffff00, 20);
        return b;
      },
      empty: () => Buffer.alloc(0),
      'not JSON under a valid checksum': (b) => {
        b.write('[', 24);
        b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
        return b;
      },
      'a count of the wrong type': forge((e) => {
        e.summary.trainSteps = String(e.summary.trainSteps);
      }),
      'NaN where a count is': forge((e) => {
        e.summary.lines = NaN;
      }),
      'a count beyond 2^53': forge((e) => {
        e.summary.oversizedLines = 1e300;
      }),
      'an unknown key': forge((e) => {
        e.summary.lastStep.extra = 1;
      }),
      'a missing key': forge((e) => {
        delete e.summary.runs[0].done;
      }),
      'a loss that is not a number': forge((e) => {
        e.summary.lastStep.losses.loss.value = 'x';
      }),
      'a huge list (21 unparsed samples)': forge((e) => {
        e.summary.unparsedLines = 1000;
        e.summary.unparsedSamples = Array.from({ length: 21 }, (_, i) => ({
          type: 'unparsedLine',
          line: i + 1,
          timestamp: null,
          expected: 'trainStep',
          text: 'x',
        }));
      }),
      'more runs than the log has lines': forge((e) => {
        e.summary.runs = Array.from({ length: e.summary.lines + 1 }, () => ({ ...e.summary.runs[0], trainSteps: 0 }));
      }),
      'counts that do not add up': forge((e) => {
        e.summary.trainSteps += 1;
      }),
      'an own __proto__ among the losses': forge((e) => {
        Object.defineProperty(e.summary.lastStep.losses, '__proto__', {
          value: { value: 1, avg: 1 },
          enumerable: true,
        });
      }),
      'a malformed identity': forge((e) => {
        e.log.ino = '-1';
      }),
    };
    for (const [what, change] of Object.entries(damage)) {
      it(what, async () => {
        const first = await readOnce(dir, log);
        const entry = first.cache.entryPath(log);
        writeFileSync(entry, change(readFileSync(entry)));

        const again = await readOnce(dir, log);
        assert.equal(again.outcome, 'corrupt', again.cache.lastProblem ?? '');
        assert.equal(again.cache.stats.corrupt, 1);
        assert.equal(again.bytes, statSync(log).size, 'parsed from its first byte');
        assert.deepStrictEqual(again.summary, await parsed(log));
        const rebuilt = await readOnce(dir, log);
        assert.equal(rebuilt.outcome, 'hit', 'the parse wrote a good entry in its place');
        assert.equal(rebuilt.bytes, 0);
        assert.deepStrictEqual(rebuilt.summary, again.summary);
      });
    }

    it('an entry of another version is not used (a miss, replaced by the parse)', async () => {
      const first = await readOnce(dir, log);
      const entry = first.cache.entryPath(log);
      const bytes = readFileSync(entry);
      const good = decodeSummaryEntry(bytes, versions);
      assert.ok(good.ok);
      writeFileSync(entry, encodeSummaryEntry(good.log, good.summary, { ...versions, summary: versions.summary + 1 })!);
      const again = await readOnce(dir, log);
      assert.equal(again.outcome, 'miss');
      assert.equal(again.cache.stats.corrupt, 0);
      assert.equal((await readOnce(dir, log)).outcome, 'hit');
    });
  });

  it('never reads through a link planted at an entry’s name, and replaces the link, not its target', async () => {
    const first = await readOnce(dir, log);
    const entry = first.cache.entryPath(log);
    const target = join(tmp, 'elsewhere.summary');
    renameSync(entry, target);
    const targetBytes = readFileSync(target);
    symlinkSync(target, entry);
    const again = await readOnce(dir, log);
    assert.equal(again.outcome, 'miss', 'a valid entry behind a link is not read');
    assert.equal(again.bytes, statSync(log).size);
    assert.equal(statSync(entry).isFile(), true);
    assert.deepEqual(readFileSync(target), targetBytes, 'the link’s target is untouched');
  });

  it('is off, and every log parsed, when its folder is a link', async () => {
    const real = join(tmp, 'real');
    mkdirSync(real);
    mkdirSync(join(tmp, 'cache'));
    symlinkSync(real, dir);
    for (let i = 0; i < 2; i++) {
      const read = await readOnce(dir, log);
      assert.equal(read.outcome, 'miss');
      assert.equal(read.bytes, statSync(log).size);
      assert.equal(read.cache.stats.errors, 1);
      assert.deepStrictEqual(read.summary, await parsed(log));
    }
    assert.deepEqual(readdirSync(real), []);
  });

  it('keeps the folder under its bound, the least recently used entries going first', async () => {
    const logs = ['2016', '2017', '2018'].map((year) => {
      const path = join(tmp, `out.${year}.log`);
      copyFileSync(join(demo, `datacomp_medium-basic_cumulative_${year}`, 'out.log'), path);
      return path;
    });
    const unbounded = new SummaryCache({ dir });
    for (const path of logs) await unbounded.read(path);
    const sizes = logs.map((p) => statSync(unbounded.entryPath(p)).size);
    logs.forEach((p, i) => utimesSync(unbounded.entryPath(p), 1000 + i, 1000 + i));
    rmSync(unbounded.entryPath(logs[2]!));
    // One byte short of room for the three: the third's write removes 2016's, the least recently used.
    const cache = new SummaryCache({ dir, maxBytes: sizes[0]! + sizes[1]! + sizes[2]! - 1 });
    assert.equal((await cache.read(logs[2]!)).outcome, 'miss');
    assert.equal(cache.stats.evicted, 1);
    assert.throws(() => statSync(cache.entryPath(logs[0]!)), { code: 'ENOENT' });
    for (const kept of logs.slice(1)) statSync(cache.entryPath(kept));
  });
});
