import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEvent } from '../../../src/formats/logEvents';
import { LogParser, type LogParserOptions } from '../../../src/formats/logParser';
import { ReferenceLogParser } from '../../support/referenceLogParser';

/**
 * The byte-level parser (issue 16) against a frozen copy of the parser before it (test/support/referenceLogParser.ts):
 * the same events, field by field (NaN, -0 and every bit of every number included: deepStrictEqual compares with
 * Object.is), and the same line count, on every log the repository holds and on generated logs cut anywhere.
 */

const root = join(__dirname, '../../..');

type Piece = Uint8Array | string;

function run(
  Parser: typeof LogParser | typeof ReferenceLogParser,
  pieces: readonly Piece[],
  options?: LogParserOptions,
): { events: LogEvent[]; lines: number } {
  const events: LogEvent[] = [];
  const parser = new Parser((e) => events.push(e), options);
  for (const piece of pieces) parser.write(piece);
  parser.end();
  return { events, lines: parser.lines };
}

function assertSame(pieces: readonly Piece[], what: string, options?: LogParserOptions): void {
  const expected = run(ReferenceLogParser, pieces, options);
  const actual = run(LogParser, pieces, options);
  assert.deepStrictEqual(actual, expected, what);
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const at of [...offsets].sort((a, b) => a - b)) {
    out.push(bytes.subarray(from, at));
    from = at;
  }
  out.push(bytes.subarray(from));
  return out;
}

function bySize(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

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

function logsIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...logsIn(path));
    else if (name.endsWith('.log')) out.push(path);
  }
  return out;
}

const fixtureLogs = [...logsIn(join(root, 'test/fixtures')), ...logsIn(join(root, 'demo/datacomp/results'))];

describe('LogParser (byte-level) against the frozen reference parser', function () {
  it('finds the fixture logs', () => {
    assert.ok(fixtureLogs.length >= 4, fixtureLogs.join(', '));
  });

  for (const path of fixtureLogs) {
    const name = path.slice(root.length + 1);
    it(`gives the same events on ${name}: whole, in odd chunks, at random cuts, as text, with CRLF`, () => {
      const bytes = readFileSync(path);
      assertSame([bytes], `${name} whole`);
      for (const size of [1, 2, 3, 5, 64, 255, 4093]) assertSame(bySize(bytes, size), `${name} in chunks of ${size}`);
      const rand = mulberry32(bytes.length);
      for (let round = 0; round < 20; round++) {
        const offsets = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * bytes.length));
        assertSame(cut(bytes, offsets), `${name} cut at ${offsets.join(',')}`);
      }
      assertSame([bytes.toString('utf8')], `${name} as one string`);
      const crlf = Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
      assertSame([crlf], `${name} with CRLF`);
      assertSame(bySize(crlf, 97), `${name} with CRLF in chunks of 97`);
      const noLastNewline = bytes.subarray(0, bytes.length - 1);
      assertSame([noLastNewline], `${name} without its last newline`);
      assertSame([bytes], `${name} with maxLineLength 150`, { maxLineLength: 150 });
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Generated logs: train lines with every number shape Python prints (and some it does not), mutated lines, the
  // other records and blocks, CR, CRLF, non-ASCII and invalid UTF-8, cut at random.

  const numbers = [
    '0.000250',
    '1.3863',
    '146758.',
    '1.23457e+06',
    '1e-05',
    '2.5e-7',
    '-1.5e-05',
    '+3.25',
    '-0.000',
    '0',
    '0e0',
    '7E5',
    '1e400',
    '1e-400',
    '5e22',
    '5e23',
    '123456789012345',
    '1234567890123456789',
    '0.1234567890123456789',
    '9007199254740993',
    '1.7976931348623157e+308',
    '4.9e-324',
    '123456789.123',
    '98722.63758120987',
    '9023552172285.411',
    '98722.63758120987e0',
    '1234567890E5',
    '9876543210',
    '2147483648.25',
    '12345678901.5e-3',
    'nan',
    '-nan',
    'inf',
    '-inf',
    '+inf',
    'nanx',
    '1.',
    '.5',
    '1e',
    '1e+',
    '--1',
    '00012.500',
    '100.000',
  ];

  const integers = [
    '0',
    '0007',
    '2147483647',
    '2147483648',
    '9876543210',
    '123456789012345',
    '12345678901234567890',
    'x',
    '',
  ];

  function genLog(rand: () => number): Buffer {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const num = (): string =>
      rand() < 0.6 ? (rand() * 10 ** Math.floor(rand() * 8)).toFixed(Math.floor(rand() * 7)) : pick(numbers);
    const int = (): string =>
      rand() < 0.9 ? String(Math.floor(rand() * 10 ** Math.floor(1 + rand() * 9))) : pick(integers);
    let second = Math.floor(rand() * 50);
    const stamp = (): string => {
      if (rand() < 0.4) second++;
      const s = second % 60;
      const m = Math.floor(second / 60) % 60;
      return `2026-11-28,15:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    };
    const level = (): string =>
      rand() < 0.9 ? 'INFO' : pick(['WARNING', 'ERROR', 'DEBUG', '', 'ABCDEFGHIJK', 'Info']);
    const losses = (): string => {
      const r = rand();
      const names =
        r < 0.7
          ? ['Contrastive_loss', 'Loss']
          : r < 0.8
            ? ['Loss', 'Contrastive_loss']
            : r < 0.9
              ? ['Contrastive_loss', 'Distill_loss', 'Loss']
              : [pick(['Siglip_loss', 'Caption_loss', 'X', 'Contrastive_loss', 'Loss', 'a_1'])];
      return names.map((n) => ` ${n}: ${num()} (${num()})`).join('');
    };
    const train = (): string =>
      `Train Epoch: ${int()} [${' '.repeat(Math.floor(rand() * 5))}${int()}/${int()} (${int()}%)] Data (t): ${num()} Batch (t): ${num()}, ${num()}/s, ${num()}/s/gpu LR: ${num()} Logit Scale: ${num()}${losses()}`;
    const others = [
      () =>
        `${stamp()} | ${level()} | Eval Epoch: ${int()} imagenet-zeroshot-val-top1: ${num()}\timagenet-zeroshot-val-top5: ${num()}`,
      () => `${stamp()} | INFO | Eval Epoch: ${int()} [${int()} / ${int()}]\tClip Loss: ${num()}\t`,
      () => `${stamp()} | INFO | Start epoch ${int()}`,
      () => `${stamp()} | INFO | => resuming checkpoint '/x/epoch_${int()}.pt' (epoch ${int()})`,
      () => `${stamp()} | INFO | No latest resume checkpoint found in /data/résultats/ツ/checkpoints.`,
      () => `${stamp()} | INFO | Params:\n${stamp()} | INFO |   lr: ${num()}\n${stamp()} | INFO |   name: run`,
      () => `${stamp()} | INFO | Model:\n${stamp()} | INFO | CLIP(\n  (visual): VisionTransformer()\n)`,
      () => `Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad ${num()}`,
      () => ` 45%|████▌     | 450/1000 [00:10<00:12, 43.2it/s]\r 46%|████▌     | 460/1000 [00:10<00:12, 43.2it/s]`,
      () => `Running training on scale small`,
      () => `World size is ${int()}.`,
      () => `${stamp()} | INFO | Obtained ${int()} samples.`,
      () => `print output ${num()}`,
      () => '',
    ];
    const lines: string[] = [];
    const count = 20 + Math.floor(rand() * 120);
    for (let k = 0; k < count; k++) {
      let line = rand() < 0.65 ? `${stamp()} | ${level()} | ${train()}` : pick(others)();
      const r = rand();
      if (r < 0.12) {
        // One character changed, dropped or added anywhere.
        const at = Math.floor(rand() * (line.length + 1));
        const ch = pick([' ', '\r', 'x', '0', '.', 'e', '-', ':', '|', '\t', 'é', '\u0000', ')', '(']);
        const how = rand();
        line =
          how < 0.33
            ? line.slice(0, at) + ch + line.slice(at + 1)
            : how < 0.66
              ? line.slice(0, at) + line.slice(at + 1)
              : line.slice(0, at) + ch + line.slice(at);
      } else if (r < 0.15) {
        line = `${line}\r`;
      } else if (r < 0.17) {
        line = `${line}\r\r`;
      } else if (r < 0.19) {
        line = `${line} `;
      }
      lines.push(line);
    }
    let text = lines.join('\n');
    if (rand() < 0.7) text += '\n';
    if (rand() < 0.2) text = text.replace(/\n/g, '\r\n');
    if (rand() < 0.1) text = `\uFEFF${text}`;
    const bytes = Buffer.from(text, 'utf8');
    if (rand() < 0.2) {
      // Invalid UTF-8: a lone continuation byte, a cut sequence, 0xFF.
      const at = Math.floor(rand() * bytes.length);
      const bad = Buffer.from(pick([[0x80], [0xe3, 0x81], [0xff], [0xf0, 0x9f, 0x98]]));
      return Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)]);
    }
    return bytes;
  }

  it('gives the same events on 200 generated logs, whole and cut at random (bytes, text, both mixed)', () => {
    const rand = mulberry32(16);
    for (let n = 0; n < 200; n++) {
      const bytes = genLog(rand);
      const what = `generated log #${n}: ${JSON.stringify(bytes.toString('latin1').slice(0, 3000))}`;
      assertSame([bytes], `${what}, whole`);
      const offsets = Array.from({ length: Math.floor(rand() * 12) }, () => Math.floor(rand() * (bytes.length + 1)));
      const pieces = cut(bytes, offsets);
      assertSame(pieces, `${what}, cut at ${offsets.join(',')}`);
      assertSame(bySize(bytes, 1 + Math.floor(rand() * 300)), `${what}, in chunks`);
      if (n % 4 === 0) {
        const mixed = pieces.map((p, i) => (i % 2 === 1 ? Buffer.from(p).toString('latin1') : p));
        assertSame(mixed, `${what}, bytes and text mixed`);
      }
      if (n % 5 === 0) assertSame(pieces, `${what}, maxLineLength 120`, { maxLineLength: 120 });
    }
  });

  it('gives the same events with a train line cut at every byte, after a character cut in half, or a lone lead byte', () => {
    const step =
      '2026-11-28,15:38:50 | INFO | Train Epoch: 0 [ 4/16 (25%)] Data (t): 0.008 Batch (t): 5.865, 0.682013/s, 0.682013/s/gpu LR: 0.000250 Logit Scale: 14.286 Contrastive_loss: 1.3863 (1.3863) Loss: 1.3863 (1.3863)';
    for (const before of ['', 'ツ\n', 'x\n', `${step}\n`]) {
      for (const end of ['\n', '\r\n']) {
        const bytes = Buffer.from(`${before}${step}${end}${step}${end}`);
        for (let at = 0; at <= bytes.length; at++)
          assertSame(cut(bytes, [at]), `${JSON.stringify(before)} cut at ${at}`);
      }
    }
    // Text, then bytes: the text's unfinished line (short, or over maxLineLength) goes on in the bytes.
    for (const text of ['x', step.slice(0, 40), 'y'.repeat(300)]) {
      assertSame([text, Buffer.from(`${step}\n${step}\n`)], `text ${text.slice(0, 40)} then bytes`, {
        maxLineLength: 250,
      });
    }
    // A lead byte whose sequence never completes, alone at the end of a chunk, before a train line.
    const line = Buffer.from(`${step}\n`);
    for (const lead of [[0xe3], [0xe3, 0x81], [0xf0, 0x9f, 0x98], [0xc3]]) {
      const bytes = Buffer.concat([line, Buffer.from(lead), line, line]);
      assertSame(cut(bytes, [line.length + lead.length]), `lead ${lead.join(' ')} cut after it`);
      assertSame(cut(bytes, [line.length, line.length + lead.length]), `lead ${lead.join(' ')} alone`);
    }
  });

  it('gives the same train step for each number shape at every field, in bytes and as text', () => {
    const ts = '2026-11-28,15:38:50 | INFO | ';
    const fields = (values: string[]): string =>
      `${ts}Train Epoch: 3 [ 1234/36864 (3%)] Data (t): ${values[0]} Batch (t): ${values[1]}, ${values[2]}/s, ${values[3]}/s/gpu LR: ${values[4]} Logit Scale: ${values[5]} Contrastive_loss: ${values[6]} (${values[7]}) Loss: ${values[8]} (${values[9]})`;
    for (const value of integers) {
      for (const [field, line] of [
        `${ts}Train Epoch: ${value} [ 1234/36864 (3%)]`,
        `${ts}Train Epoch: 3 [ ${value}/36864 (3%)]`,
        `${ts}Train Epoch: 3 [ 1234/${value} (3%)]`,
        `${ts}Train Epoch: 3 [ 1234/36864 (${value}%)]`,
      ].entries()) {
        const bytes = Buffer.from(
          `${line} Data (t): 0.5 Batch (t): 0.5, 0.5/s, 0.5/s/gpu LR: 0.5 Logit Scale: 0.5 Loss: 0.5 (0.5)\n`,
        );
        assertSame([bytes, bytes], `integer ${value} at field ${field}`);
      }
    }
    for (const value of numbers) {
      for (let field = 0; field < 10; field++) {
        const values = Array.from({ length: 10 }, () => '0.5');
        values[field] = value;
        const line = fields(values);
        for (const end of ['\n', '\r\n', '']) {
          const bytes = Buffer.from(`${line}${end}${line}${end}`);
          assertSame([bytes], `${JSON.stringify(line + end)} twice`);
          assertSame([bytes.toString('latin1')], `${JSON.stringify(line + end)} twice, as text`);
        }
      }
    }
  });
});
