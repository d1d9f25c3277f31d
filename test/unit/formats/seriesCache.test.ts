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
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { SeriesCache, seriesCacheDir, seriesCacheMaxBytes } from '../../../src/formats/seriesCache/seriesCache';
import {
  copyColumns,
  crc32,
  crc32Table,
  decodeSeriesEntry,
  encodeSeriesEntry,
} from '../../../src/formats/seriesCache/seriesCacheFile';
import {
  readStepSeries,
  StepSeries,
  stepSeriesParserVersion,
  storedStepColumns,
  type StepSeriesFollower,
} from '../../../src/formats/stepSeries';
import { trainLine } from '../../support/openclipTrainLine';

const demo = join(__dirname, '../../../demo/datacomp/results');
const demoLog = (name: string) => join(demo, name, 'out.log');

/** Every column of the follower's series equals a fresh parse of the whole file (the parser, not the cache). */
async function assertSameAsParse(follower: StepSeriesFollower): Promise<void> {
  const parsed = await readStepSeries(follower.path);
  assert.equal(follower.series.length, parsed.length, 'points');
  assert.ok(parsed.length > 0);
  for (const name of storedStepColumns)
    assert.deepEqual(Array.from(follower.series.column(name)), Array.from(parsed.column(name)), name);
  assert.equal(follower.series.replaced, parsed.replaced);
  assert.equal(follower.series.samplesPerOptStep, parsed.samplesPerOptStep);
}

/** Opens the log through the cache and reads what the entry does not cover. */
async function openAndPoll(cache: SeriesCache, log: string) {
  const { follower, outcome } = await cache.open(log);
  await follower.poll();
  return { follower, outcome, parsed: follower.parsedBytes };
}

/** Parses the log from its first byte and writes its entry. */
async function fill(cache: SeriesCache, log: string): Promise<StepSeriesFollower> {
  const { follower } = await openAndPoll(cache, log);
  assert.equal(await cache.save(follower), true, cache.lastProblem ?? '');
  return follower;
}

describe('SeriesCache: parsed out.log series kept between windows', () => {
  let root: string;
  let dir: string;
  let log: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-series-cache-'));
    dir = join(root, 'cache', 'series');
    log = join(root, 'out.log');
    copyFileSync(demoLog('datacomp_medium-basic_cumulative_2017'), log);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lives in $XDG_CACHE_HOME/tic-studio/series, else ~/.cache/tic-studio/series', () => {
    assert.equal(seriesCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u'), '/x/cache/tic-studio/series');
    assert.equal(seriesCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u'), '/home/u/.cache/tic-studio/series');
    assert.equal(seriesCacheDir({}, '/home/u'), '/home/u/.cache/tic-studio/series');
    assert.equal(seriesCacheMaxBytes, 512 * 1024 * 1024);
  });

  it('reads an unchanged log from its entry without parsing a byte of it, with every value', async () => {
    const first = await openAndPoll(new SeriesCache({ dir }), log);
    assert.equal(first.outcome, 'miss');
    assert.equal(first.parsed, statSync(log).size);
    await new SeriesCache({ dir }).save(first.follower);
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'the folder is the user’s alone');

    const cache = new SeriesCache({ dir });
    const again = await openAndPoll(cache, log);
    assert.equal(again.outcome, 'hit');
    assert.equal(again.parsed, 0, 'no byte of the log went through the parser');
    assert.deepEqual(cache.stats, { ...cache.stats, hits: 1, misses: 0, corrupt: 0, errors: 0 });
    await assertSameAsParse(again.follower);
  });

  it('parses only the tail of a log that grew, from the end of its last complete line', async () => {
    // The log ends in the middle of a line when it is first read (training is writing it).
    const rest = `${trainLine('2026-01-01,00:00:00', 5, 4096, 3_686_400, 1.25)}\n`;
    const cut = 40;
    appendFileSync(log, rest.slice(0, cut));
    const before = statSync(log).size;
    const first = await fill(new SeriesCache({ dir }), log);
    const points = first.series.length;

    const added = `${rest.slice(cut)}${trainLine('2026-01-01,00:01:00', 5, 409600, 3_686_400, 1.125)}\n`;
    appendFileSync(log, added);
    const again = await openAndPoll(new SeriesCache({ dir }), log);
    assert.equal(again.outcome, 'tail');
    // The cut line's start again, then what was appended: nothing before it.
    assert.equal(again.parsed, cut + Buffer.byteLength(added));
    assert.equal(again.parsed, statSync(log).size - before + cut);
    assert.equal(again.follower.series.length, points + 2);
    await assertSameAsParse(again.follower);
  });

  it('parses again a log truncated, rewritten in place (even to the same size and mtime), or replaced', async () => {
    await fill(new SeriesCache({ dir }), log);
    const original = readFileSync(log);
    const { mtime, atime } = statSync(log);

    // Rewritten in place, same inode, same size and mtime: one digit of the last line's loss differs.
    const at = original.lastIndexOf('Loss: ') + 7;
    const rewritten = Buffer.from(original);
    rewritten[at] = rewritten[at] === 0x31 ? 0x32 : 0x31;
    writeFileSync(log, rewritten);
    utimesSync(log, atime, mtime);
    let again = await openAndPoll(new SeriesCache({ dir }), log);
    assert.equal(again.outcome, 'miss');
    assert.equal(again.parsed, original.length);
    await assertSameAsParse(again.follower);

    // Truncated (a new run's log in the same file), then longer than before with other lines.
    await fill(new SeriesCache({ dir }), log);
    truncateSync(log, 0);
    writeFileSync(log, readFileSync(demoLog('datacomp_medium-basic_cumulative_2018')));
    again = await openAndPoll(new SeriesCache({ dir }), log);
    assert.equal(again.outcome, 'miss');
    assert.equal(again.parsed, statSync(log).size);
    await assertSameAsParse(again.follower);

    // Replaced by another file (another inode) that starts with the same bytes.
    await fill(new SeriesCache({ dir }), log);
    writeFileSync(`${log}.new`, Buffer.concat([readFileSync(log), Buffer.from('\n')]));
    renameSync(`${log}.new`, log);
    again = await openAndPoll(new SeriesCache({ dir }), log);
    assert.equal(again.outcome, 'miss');
    await assertSameAsParse(again.follower);

    // Shorter than it was: the entry's lines are not all there.
    await fill(new SeriesCache({ dir }), log);
    truncateSync(log, statSync(log).size - 1);
    again = await openAndPoll(new SeriesCache({ dir }), log);
    assert.equal(again.outcome, 'miss');
    await assertSameAsParse(again.follower);
  });

  describe('a damaged entry is removed and the log parsed again, never trusted', () => {
    const damage: Record<string, (bytes: Buffer) => Buffer> = {
      'a flipped bit in a column (checksum)': (b) => {
        b[b.length - 100]! ^= 0x04;
        return b;
      },
      'a flipped bit in the checksum': (b) => {
        b[b.length - 1]! ^= 0x80;
        return b;
      },
      'another magic': (b) => {
        b[1] = 0x58;
        return b;
      },
      'cut short (a torn write)': (b) => b.subarray(0, b.length - 13),
      'one byte too many': (b) => Buffer.concat([b, Buffer.from([0])]),
      'a point count that does not match its length': (b) => {
        b.writeUInt32LE(b.readUInt32LE(20) + 1, 20);
        return b;
      },
      'a huge meta length': (b) => {
        b.writeUInt32LE(0xffffffff, 16);
        return b;
      },
      empty: () => Buffer.alloc(0),
    };
    for (const [what, change] of Object.entries(damage)) {
      it(what, async () => {
        const cache = new SeriesCache({ dir });
        await fill(cache, log);
        const entry = cache.entryPath(log);
        writeFileSync(entry, change(readFileSync(entry)));

        const reader = new SeriesCache({ dir });
        const again = await openAndPoll(reader, log);
        assert.equal(again.outcome, 'corrupt');
        assert.equal(reader.stats.corrupt, 1);
        assert.equal(again.parsed, statSync(log).size, 'parsed from its first byte');
        assert.throws(() => statSync(entry), { code: 'ENOENT' }, 'the damaged entry is gone');
        await assertSameAsParse(again.follower);

        // Rebuilt: the next window reads it again.
        await reader.save(again.follower);
        const rebuilt = await openAndPoll(new SeriesCache({ dir }), log);
        assert.equal(rebuilt.outcome, 'hit');
        assert.equal(rebuilt.parsed, 0);
        await assertSameAsParse(rebuilt.follower);
      });
    }

    it('a valid checksum over values no series can hold (samples out of order)', async () => {
      const follower = await fill(new SeriesCache({ dir }), log);
      const cache = new SeriesCache({ dir });
      const entry = cache.entryPath(log);
      const good = decodeSeriesEntry(readFileSync(entry), stepSeriesParserVersion);
      assert.ok(good.ok);
      const state = follower.series.state();
      const samples = Float64Array.from(state.columns.samples);
      samples[3] = samples[1]!;
      const chunks = encodeSeriesEntry(
        good.meta,
        copyColumns({ ...state, columns: { ...state.columns, samples } }),
        stepSeriesParserVersion,
      );
      writeFileSync(entry, Buffer.concat(chunks));
      const again = await openAndPoll(cache, log);
      assert.equal(again.outcome, 'corrupt');
      await assertSameAsParse(again.follower);
    });
  });

  it('does not use an entry of another parser version (a miss, replaced at the next write)', async () => {
    const follower = await fill(new SeriesCache({ dir }), log);
    const cache = new SeriesCache({ dir });
    const entry = cache.entryPath(log);
    const good = decodeSeriesEntry(readFileSync(entry), stepSeriesParserVersion);
    assert.ok(good.ok);
    const old = encodeSeriesEntry(good.meta, copyColumns(follower.series.state()), stepSeriesParserVersion + 1);
    writeFileSync(entry, Buffer.concat(old));
    assert.deepEqual(decodeSeriesEntry(readFileSync(entry), stepSeriesParserVersion), {
      ok: false,
      problem: 'parserVersion',
      detail: `parser version ${stepSeriesParserVersion + 1}, not ${stepSeriesParserVersion}`,
    });
    const again = await openAndPoll(cache, log);
    assert.equal(again.outcome, 'miss');
    assert.equal(again.parsed, statSync(log).size);
  });

  it('keeps the folder under its bound, the least recently used entries going first', async () => {
    const logs = ['2016', '2017', '2018', '2019'].map((year) => {
      const path = join(root, `out.${year}.log`);
      copyFileSync(demoLog(`datacomp_medium-basic_cumulative_${year}`), path);
      return path;
    });
    const unbounded = new SeriesCache({ dir });
    for (const path of logs.slice(0, 3)) await fill(unbounded, path);
    const sizes = logs.slice(0, 3).map((p) => statSync(unbounded.entryPath(p)).size);
    // Written long ago in this order; then 2016's is read (used) again.
    logs.slice(0, 3).forEach((p, i) => utimesSync(unbounded.entryPath(p), 1000 + i, 1000 + i));
    const bound = sizes[0]! + sizes[1]! + sizes[2]! + 100;
    const cache = new SeriesCache({ dir, maxBytes: bound });
    assert.equal((await openAndPoll(cache, logs[0]!)).outcome, 'hit');

    await fill(cache, logs[3]!);
    const left = readdirSync(dir);
    const total = left.reduce((n, name) => n + statSync(join(dir, name)).size, 0);
    assert.ok(total <= bound, `${total} bytes kept, the bound is ${bound}`);
    assert.equal(cache.stats.evicted, 1);
    assert.throws(() => statSync(cache.entryPath(logs[1]!)), { code: 'ENOENT' }, '2017: the least recently used');
    for (const kept of [logs[0]!, logs[2]!, logs[3]!]) statSync(cache.entryPath(kept));
  });

  it('does not write an entry larger than the whole bound', async () => {
    const { follower } = await openAndPoll(new SeriesCache({ dir }), log);
    const tiny = new SeriesCache({ dir, maxBytes: 1024 });
    assert.equal(await tiny.save(follower), false);
    assert.throws(() => statSync(tiny.entryPath(log)), { code: 'ENOENT' });
  });

  it('two windows writing the same entry at once leave one whole entry, never a mix', async () => {
    const a = (await openAndPoll(new SeriesCache({ dir }), log)).follower;
    appendFileSync(log, `${trainLine('2026-01-01,00:00:00', 5, 4096, 3_686_400, 1.25)}\n`);
    const b = (await openAndPoll(new SeriesCache({ dir }), log)).follower;
    assert.equal(b.series.length, a.series.length + 1);
    const one = new SeriesCache({ dir });
    const two = new SeriesCache({ dir });
    const saves: Promise<boolean>[] = [];
    for (let i = 0; i < 8; i++) saves.push(one.save(a), two.save(b));
    assert.ok((await Promise.all(saves)).every((saved) => saved));
    assert.deepEqual(readdirSync(dir), [one.entryPath(log).slice(dir.length + 1)], 'no temp file left');
    const decoded = decodeSeriesEntry(readFileSync(one.entryPath(log)), stepSeriesParserVersion);
    assert.ok(decoded.ok, 'a whole entry');
    assert.ok([a.series.length, b.series.length].includes(decoded.state.columns.samples.length));
    // Whichever won, the log read through it has all its values.
    await assertSameAsParse((await openAndPoll(new SeriesCache({ dir }), log)).follower);
  });

  it('never reads through a link planted at an entry’s name, and replaces the link instead of its target', async () => {
    const cache = new SeriesCache({ dir });
    const follower = await fill(cache, log);
    const entry = cache.entryPath(log);
    const target = join(root, 'elsewhere.series');
    renameSync(entry, target);
    const targetBytes = readFileSync(target);
    symlinkSync(target, entry);
    const again = await openAndPoll(new SeriesCache({ dir }), log);
    assert.equal(again.outcome, 'miss', 'a valid entry behind a link is not read');
    assert.equal(await new SeriesCache({ dir }).save(follower), true);
    assert.equal(statSync(entry).isFile(), true);
    assert.deepEqual(readFileSync(target), targetBytes, 'the link’s target is untouched');
  });

  it('is off, and the log parsed, when its folder is a link (the user’s own folder or nothing)', async () => {
    const real = join(root, 'real');
    mkdirSync(real);
    mkdirSync(join(root, 'cache'));
    symlinkSync(real, dir);
    const cache = new SeriesCache({ dir });
    const first = await openAndPoll(cache, log);
    assert.equal(first.outcome, 'miss');
    assert.equal(await cache.save(first.follower), false);
    assert.equal(cache.stats.errors, 1);
    assert.deepEqual(readdirSync(real), []);
    await assertSameAsParse(first.follower);
  });

  it('removes temp files of writes that never finished, once they are old', async () => {
    const cache = new SeriesCache({ dir });
    await fill(cache, log);
    const stale = join(dir, 'x.series.123.abcd.tmp');
    const fresh = join(dir, 'y.series.124.abcd.tmp');
    writeFileSync(stale, 'half');
    writeFileSync(fresh, 'half');
    utimesSync(stale, 1000, 1000);
    await cache.evict();
    assert.throws(() => statSync(stale), { code: 'ENOENT' });
    statSync(fresh);
  });

  it('checks entries with the CRC-32 zlib computes, also where zlib has none', () => {
    const data = Buffer.from(readFileSync(log));
    const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
    const expected = native ? native(data) : crc32(data);
    assert.equal(crc32Table(data), expected);
    assert.equal(crc32Table(data.subarray(100), crc32Table(data.subarray(0, 100))), expected, 'continued');
    assert.equal(crc32Table(Buffer.from('123456789')), 0xcbf43926, 'the CRC-32 check value');
  });

  it('refuses a state no series could have come to', () => {
    const ok = (n: number) => Object.fromEntries(storedStepColumns.map((c) => [c, new Float64Array(n)]));
    const samples = Float64Array.from([4, 8, 8]);
    const state = (columns: Record<string, Float64Array>, min = 4, replaced = 0) =>
      ({ columns, minSamplesSeen: min, replaced }) as Parameters<typeof StepSeries.fromState>[0];
    assert.throws(() => StepSeries.fromState(state({ ...ok(3), samples })), RangeError, 'not increasing');
    assert.throws(() => StepSeries.fromState(state({ ...ok(3), loss: new Float64Array(2) })), RangeError, 'lengths');
    assert.throws(() => StepSeries.fromState(state({ ...ok(0) }, -1)), RangeError, 'minSamplesSeen');
    assert.throws(() => StepSeries.fromState(state({ ...ok(0) }, 4, 0.5)), RangeError, 'replaced');
    const restored = StepSeries.fromState(state({ ...ok(3), samples: Float64Array.from([4, 8, 12]) }));
    assert.equal(restored.length, 3);
    assert.equal(restored.samplesPerOptStep, 4);
  });
});
