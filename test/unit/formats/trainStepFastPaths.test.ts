import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainStepEvent } from '../../../src/formats/logEvents';
import { LogParser, parseLogText } from '../../../src/formats/logParser';
import {
  StepSeries,
  StepSeriesFollower,
  parseLogTimestamp,
  readStepSeries,
  storedStepColumns,
} from '../../../src/formats/stepSeries';

/**
 * The two fast paths of issue 16's parser: numbers read from bytes must be the very double Number() gives (the
 * exact shortcut is taken only where it is provably correctly rounded), and the columnar path (a StepSeries as the
 * parser's TrainStepSink, no event per line) must give the columns that appending the events gives.
 */

const root = join(__dirname, '../../..');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ts = '2026-11-28,15:38:50 | INFO | ';
const decimalFields = [
  'dataTime',
  'batchTime',
  'samplesPerSecond',
  'samplesPerSecondPerGpu',
  'lr',
  'logitScale',
  'contrastive_loss.value',
  'contrastive_loss.avg',
  'loss.value',
  'loss.avg',
] as const;

function trainLine(d: readonly string[], ints: readonly string[] = ['3', '1234', '36864', '3']): string {
  return `${ts}Train Epoch: ${ints[0]} [ ${ints[1]}/${ints[2]} (${ints[3]}%)] Data (t): ${d[0]} Batch (t): ${d[1]}, ${d[2]}/s, ${d[3]}/s/gpu LR: ${d[4]} Logit Scale: ${d[5]} Contrastive_loss: ${d[6]} (${d[7]}) Loss: ${d[8]} (${d[9]})`;
}

function fieldOf(event: TrainStepEvent, field: (typeof decimalFields)[number]): number {
  switch (field) {
    case 'contrastive_loss.value':
      return event.losses['contrastive_loss']!.value;
    case 'contrastive_loss.avg':
      return event.losses['contrastive_loss']!.avg;
    case 'loss.value':
      return event.losses['loss']!.value;
    case 'loss.avg':
      return event.losses['loss']!.avg;
    default:
      return event[field];
  }
}

/** The train step events of `text` read from its bytes (the byte path takes every whole line but the last). */
function stepsFromBytes(text: string): TrainStepEvent[] {
  return parseLogText(Buffer.from(text)).filter((e): e is TrainStepEvent => e.type === 'trainStep');
}

/** Decimal texts that a shortcut could get wrong by one bit, or that must not take the shortcut at all. */
const adversarial = [
  '-0',
  '-0.000',
  '-0e0',
  '-0.0e-5',
  '+0.0',
  '1e-7',
  '1e-07',
  '1.0e-7',
  '0.0000001',
  '0.1',
  '0.3',
  '4.35',
  '0.000250',
  '999999999',
  '999999999.5',
  '0.999999999',
  '9.99999999',
  '2147483647',
  '2147483648',
  '4294967296.5',
  '123456789012345',
  '999999999999999',
  '9999999999999999',
  '9007199254740992',
  '9007199254740993',
  '9007199254740995',
  '18014398509481985',
  '1.0000000000000002',
  '1.00000000000000011102230246251565404236316680908203125',
  '1.00000000000000011102230246251565404236316680908203124',
  '1.00000000000000011102230246251565404236316680908203126',
  '0.30000000000000004',
  '9.5367431640625e-07',
  '1e22',
  '1e23',
  '1e-22',
  '1e-23',
  '123456789012345e7',
  '123456789012345e8',
  '123456789012345e-22',
  '123456789012345e-23',
  '1234567890123456e-22',
  '0.000000000000000000001234',
  '12345.6789e-20',
  '8.9772e+00',
  '1.23457e+06',
  '2.2250738585072011e-308',
  '2.2250738585072014e-308',
  '4.9406564584124654e-324',
  '2.4703282292062327e-324',
  '2.4703282292062328e-324',
  '1.7976931348623157e308',
  '1.7976931348623158e308',
  '1.7976931348623159e308',
  '1e309',
  '1e-400',
  '1e99999999',
  '1e-99999999',
  '00000000000000000000001.5',
  '1.50000000000000000000000',
  '146758.',
];

describe('train step fast paths (issue 16)', function () {
  it('reads every decimal as the same double as Number(), adversarial texts at every field', () => {
    for (const text of adversarial) {
      for (const [k, field] of decimalFields.entries()) {
        const d = Array.from({ length: 10 }, () => '0.5');
        d[k] = text;
        const line = trainLine(d);
        const steps = stepsFromBytes(`${line}\n${line}\n`);
        assert.equal(steps.length, 2, `${text} at ${field}: ${line}`);
        // Object.is: -0 is not 0, NaN is NaN.
        const expected = Number(text.replace('E', 'e'));
        for (const step of steps) assert.ok(Object.is(fieldOf(step, field), expected), `${text} at ${field}`);
      }
    }
  });

  it('reads random decimals (1–25 digits, a point anywhere, exponents) as the same double as Number()', () => {
    const rand = mulberry32(500);
    const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(rand() * 10))).join('');
    const lines: string[] = [];
    const texts: string[][] = [];
    for (let n = 0; n < 4000; n++) {
      const d = Array.from({ length: 10 }, () => {
        const count = 1 + Math.floor(rand() * (rand() < 0.7 ? 17 : 25));
        const all = digits(count);
        const point = Math.floor(rand() * (count + 1));
        let text = rand() < 0.8 ? `${all.slice(0, point) || '0'}.${all.slice(point)}` : all;
        if (rand() < 0.3) text += `e${rand() < 0.5 ? '-' : '+'}${Math.floor(rand() * 40)}`;
        if (rand() < 0.2) text = `-${text}`;
        return text;
      });
      texts.push(d);
      lines.push(trainLine(d));
    }
    const steps = stepsFromBytes(`${lines.join('\n')}\n`);
    assert.equal(steps.length, lines.length);
    for (const [n, step] of steps.entries()) {
      for (const [k, field] of decimalFields.entries()) {
        const text = texts[n]![k]!;
        assert.ok(Object.is(fieldOf(step, field), Number(text)), `${text} at ${field}: got ${fieldOf(step, field)}`);
      }
    }
  });

  it('reads the integer fields as Number() does, huge counts included', () => {
    const values = ['0', '7', '0007', '999999999', '1000000000', '2147483648', '4294967297', '9007199254740993'];
    values.push('123456789012345', '1234567890123456', '12345678901234567890', '99999999999999999999999');
    for (const text of values) {
      for (let k = 0; k < 4; k++) {
        const ints = ['3', '1234', '36864', '3'];
        ints[k] = text;
        const line = trainLine(
          Array.from({ length: 10 }, () => '0.5'),
          ints,
        );
        const [step] = stepsFromBytes(`${line}\n${line}\n`);
        const got = [step!.epoch, step!.samplesSeen, step!.samplesPerEpoch, step!.percent][k]!;
        assert.ok(Object.is(got, Number(text)), `${text} at integer ${k}: got ${got}`);
      }
    }
  });

  it('turns timestamps into the ms of Date.UTC, minute after minute (leap second, day overflow, years 0–99)', () => {
    const rand = mulberry32(60);
    const two = (n: number): string => String(n).padStart(2, '0');
    const texts: string[] = [];
    for (let n = 0; n < 20000; n++) {
      // Runs of seconds within a minute (what parseLogTimestamp caches), then a jump anywhere.
      const y = rand() < 0.05 ? Math.floor(rand() * 100) : 1990 + Math.floor(rand() * 60);
      const base = `${String(y).padStart(4, '0')}-${two(1 + Math.floor(rand() * 12))}-${two(1 + Math.floor(rand() * 31))},${two(Math.floor(rand() * 24))}:${two(Math.floor(rand() * 60))}`;
      for (let k = Math.floor(rand() * 5); k >= 0; k--) texts.push(`${base}:${two(Math.floor(rand() * 61))}`);
    }
    texts.push('2024-02-30,23:59:60', '2024-02-30,23:59:59', '2023-12-31,23:59:60', '2023-13-01,00:00:00');
    for (const text of texts) {
      const [date, time] = text.split(',') as [string, string];
      const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
      const [h, mi, sec] = time.split(':').map(Number) as [number, number, number];
      const expected = mo > 12 ? NaN : Date.UTC(y, mo - 1, d, h, mi, sec);
      assert.ok(Object.is(parseLogTimestamp(text), expected), `${text}: ${parseLogTimestamp(text)} vs ${expected}`);
    }
  });

  // -------------------------------------------------------------------------------------------------------------
  // The columnar path against the event path.

  function logsIn(dir: string): string[] {
    const out: string[] = [];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) out.push(...logsIn(path));
      else if (name.endsWith('.log')) out.push(path);
    }
    return out;
  }

  /** The series made the old way: every train step event appended. */
  function byEvents(bytes: Uint8Array): StepSeries {
    const series = new StepSeries();
    for (const event of parseLogText(bytes)) if (event.type === 'trainStep') series.append(event);
    return series;
  }

  /** The series as the dashboard now builds it: the parser writes the usual lines straight into it. */
  let sinkCalls = 0;

  function bySink(pieces: readonly Uint8Array[]): StepSeries {
    const series = new StepSeries();
    const parser = new LogParser(
      (event) => {
        if (event.type === 'trainStep') series.append(event);
      },
      {
        trainSteps: {
          trainStep: (line, timestamp) => {
            sinkCalls++;
            series.trainStep(line, timestamp);
          },
        },
      },
    );
    for (const piece of pieces) parser.write(piece);
    parser.end();
    return series;
  }

  function assertSameSeries(actual: StepSeries, expected: StepSeries, what: string): void {
    assert.equal(actual.length, expected.length, `${what}: length`);
    for (const name of [...storedStepColumns, 'optSteps'] as const) {
      const a = actual.column(name);
      const e = expected.column(name);
      for (let i = 0; i < e.length; i++) {
        if (!Object.is(a[i], e[i])) assert.fail(`${what}: ${name}[${i}] is ${a[i]}, events give ${e[i]}`);
      }
    }
    assert.ok(Object.is(actual.samplesPerOptStep, expected.samplesPerOptStep), `${what}: samplesPerOptStep`);
    assert.equal(actual.replaced, expected.replaced, `${what}: replaced`);
    assert.deepStrictEqual(actual.state().minSamplesSeen, expected.state().minSamplesSeen, `${what}: minSamplesSeen`);
    assert.deepStrictEqual(actual.lastEvent, expected.lastEvent, `${what}: lastEvent`);
  }

  function chunked(bytes: Uint8Array, rand: () => number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let from = 0;
    while (from < bytes.length) {
      const size = 1 + Math.floor(rand() * (rand() < 0.5 ? 64 : 4096));
      out.push(bytes.subarray(from, from + size));
      from += size;
    }
    return out;
  }

  const fixtureLogs = [...logsIn(join(root, 'test/fixtures')), ...logsIn(join(root, 'demo/datacomp/results'))];

  it('gives the columns of the events on every fixture and demo log, whole and in random chunks', () => {
    assert.ok(fixtureLogs.length >= 4);
    const rand = mulberry32(7);
    let steps = 0;
    sinkCalls = 0;
    for (const path of fixtureLogs) {
      const bytes = readFileSync(path);
      const expected = byEvents(bytes);
      steps += expected.length;
      assertSameSeries(bySink([bytes]), expected, `${path}, whole`);
      assertSameSeries(bySink(chunked(bytes, rand)), expected, `${path}, chunked`);
    }
    assert.ok(steps > 1000, `only ${steps} points in the fixture logs`);
    // Most lines took the columnar path (no event), not the event path.
    assert.ok(sinkCalls > steps, `${sinkCalls} lines through the sink for ${steps} points`);
  });

  function genLog(rand: () => number): Buffer {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const num = (): string =>
      rand() < 0.8
        ? (rand() * 10 ** Math.floor(rand() * 7)).toFixed(Math.floor(rand() * 7))
        : pick(['nan', 'inf', '-inf', '-0.000', '1.23457e+06', '1e-7', '9007199254740993', '0.1234567890123456789']);
    const lines: string[] = [];
    let epoch = 0;
    let seen = 0;
    let second = 0;
    const count = 50 + Math.floor(rand() * 400);
    for (let n = 0; n < count; n++) {
      if (rand() < 0.3) second++;
      const stamp = `2026-11-${String(1 + (Math.floor(second / 86400) % 28)).padStart(2, '0')},${String(Math.floor(second / 3600) % 24).padStart(2, '0')}:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`;
      const r = rand();
      if (r < 0.04) {
        // A restart: the same samples again (replaced points).
        seen = Math.max(0, seen - Math.floor(rand() * 5) * 512);
        lines.push(`${stamp} | INFO | => resuming checkpoint '/x/epoch_${epoch}.pt' (epoch ${epoch})`);
        continue;
      }
      if (r < 0.06) {
        epoch++;
        seen = 0;
        lines.push(`${stamp} | INFO | Start epoch ${epoch}`);
        continue;
      }
      if (r < 0.08) {
        lines.push(`${stamp} | INFO | Params:`, `${stamp} | INFO |   lr: 0.1`, `${stamp} | INFO |   name: x`);
        continue;
      }
      seen += 512;
      const losses =
        rand() < 0.85
          ? ` Contrastive_loss: ${num()} (${num()}) Loss: ${num()} (${num()})`
          : pick([
              ` Loss: ${num()} (${num()})`,
              ` Loss: ${num()} (${num()}) Contrastive_loss: ${num()} (${num()})`,
              ` Contrastive_loss: ${num()} (${num()}) Distill_loss: ${num()} (${num()}) Loss: ${num()} (${num()})`,
              ` Contrastive_loss: ${num()} (${num()})`,
              ` Siglip_loss: ${num()} (${num()})`,
            ]);
      const level = rand() < 0.95 ? 'INFO' : 'WARNING';
      let line = `${stamp} | ${level} | Train Epoch: ${epoch} [ ${seen}/65536 (${Math.floor(seen / 655)}%)] Data (t): ${num()} Batch (t): ${num()}, ${num()}/s, ${num()}/s/gpu LR: ${num()} Logit Scale: ${num()}${losses}`;
      if (rand() < 0.03) line = `${line}\r`;
      if (rand() < 0.02) line = line.slice(0, Math.floor(rand() * line.length));
      lines.push(line);
    }
    let text = lines.join('\n');
    if (rand() < 0.7) text += '\n';
    if (rand() < 0.15) text = text.replace(/\n/g, '\r\n');
    return Buffer.from(text);
  }

  it('gives the columns of the events on 150 generated logs (restarts, odd losses, CRLF), in random chunks', () => {
    const rand = mulberry32(16);
    for (let n = 0; n < 150; n++) {
      const bytes = genLog(rand);
      const expected = byEvents(bytes);
      assertSameSeries(bySink([bytes]), expected, `generated log #${n}, whole`);
      assertSameSeries(bySink(chunked(bytes, rand)), expected, `generated log #${n}, chunked`);
    }
  });

  it('reads a real file through readStepSeries and a follower into the columns of the events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tic-step-fast-'));
    try {
      const rand = mulberry32(3);
      const bytes = Buffer.concat(
        Array.from({ length: 20 }, () => genLog(rand)).map((b) => Buffer.concat([b, Buffer.from('\n')])),
      );
      const path = join(dir, 'out.log');
      writeFileSync(path, bytes);
      const expected = byEvents(bytes);
      assert.ok(
        expected.length > 50 && expected.replaced > 1000,
        `${expected.length} points, ${expected.replaced} replaced`,
      );
      for (const chunkSize of [997, 1 << 20]) {
        assertSameSeries(await readStepSeries(path, { chunkSize }), expected, `readStepSeries, ${chunkSize} B reads`);
        const follower = new StepSeriesFollower(path, { chunkSize });
        await follower.poll();
        assertSameSeries(follower.series, expected, `follower, ${chunkSize} B reads`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
