import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cleanText, ClipTokenizer, loadClipTokenizer } from '../../../src/probe/clipTokenizer';
import { ProbeError } from '../../../src/probe/probeError';

const root = join(__dirname, '../../..');
const referencePath = join(root, 'test/fixtures/clip-tokenizer/reference.jsonl');

/** reference.jsonl: texts and the 77 ids open_clip's SimpleTokenizer gave them. */
function reference(): { text: string; ids: number[] }[] {
  return readFileSync(referencePath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { text: string; ids: number[] });
}

describe('ClipTokenizer (open_clip SimpleTokenizer)', () => {
  let tokenizer: ClipTokenizer;
  before(() => {
    tokenizer = loadClipTokenizer();
  });

  it('gives open_clip’s ids for every text of the reference (302 texts)', () => {
    const rows = reference();
    assert.equal(rows.length, 302);
    const tokenized = tokenizer.tokenize(rows.map((r) => r.text));
    const mismatches = rows
      .map((row, i) => ({ text: row.text, expected: row.ids, actual: Array.from(tokenized[i]!) }))
      .filter((m) => m.actual.join(' ') !== m.expected.join(' '));
    assert.deepEqual(mismatches, []);
  });

  it('has open_clip’s vocabulary: 49,408 entries, <start_of_text> 49406, <end_of_text> 49407', () => {
    assert.equal(tokenizer.vocabSize, 49408);
    assert.equal(tokenizer.sotTokenId, 49406);
    assert.equal(tokenizer.eotTokenId, 49407);
  });

  it('encodes without the special tokens and pads tokenize rows with zeros to 77', () => {
    assert.deepEqual(tokenizer.encode('a photo of a cat'), [320, 1125, 539, 320, 2368]);
    const [row] = tokenizer.tokenize(['a photo of a cat']);
    assert.ok(row instanceof Int32Array);
    assert.equal(row.length, 77);
    assert.deepEqual(Array.from(row.subarray(0, 8)), [49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    assert.ok(row.subarray(7).every((id) => id === 0));
  });

  it('cuts a text that does not fit and makes the end token its last id', () => {
    const long = Array.from({ length: 100 }, () => 'long').join(' ');
    const [row] = tokenizer.tokenize([long]);
    assert.equal(row!.length, 77);
    assert.equal(row![0], 49406);
    assert.equal(row![76], 49407);
    assert.ok(row!.subarray(1, 76).every((id) => id === tokenizer.encode('long')[0]));
    const [short] = tokenizer.tokenize([long], 5);
    assert.deepEqual(Array.from(short!), [49406, 1538, 1538, 1538, 49407]);
    const [one] = tokenizer.tokenize(['cat'], 1);
    assert.deepEqual(Array.from(one!), [49407]);
  });

  it('takes other context lengths and refuses ones that are not positive integers', () => {
    assert.equal(tokenizer.tokenize(['cat'], 16)[0]!.length, 16);
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      assert.throws(
        () => tokenizer.tokenize(['cat'], bad),
        (e: unknown) => ProbeError.is(e, 'badInput'),
      );
    }
  });

  it('reads special tokens written in the text as special tokens, in any case, like open_clip', () => {
    assert.deepEqual(tokenizer.encode('a <start_of_text> b <END_OF_TEXT>'), [320, 49406, 321, 49407]);
  });

  it('follows Python’s case-insensitive pattern: long s is an s, the iota subscript U+0345 is dropped', () => {
    // Expected ids from open_clip's tokenizer code (Python `regex`, IGNORECASE) on the same strings.
    assert.deepEqual(tokenizer.encode("'\u017f"), [6, 129, 379]);
    assert.deepEqual(tokenizer.encode("it'\u017f a \u0345 test"), [585, 6, 129, 379, 320, 1628]);
    assert.deepEqual(tokenizer.encode('<\u017ftart_of_text>'), [27, 129, 123, 16707, 62, 684, 62, 18169, 285]);
  });

  it('lower-cases like Python (final sigma, dotted capital I) and keeps a decoded byte-order mark', () => {
    assert.equal(cleanText('\u039f\u0394\u039f\u03a3'), '\u03bf\u03b4\u03bf\u03c2');
    assert.deepEqual(tokenizer.encode('\u039f\u0394\u039f\u03a3'), [138, 123, 138, 112, 138, 123, 139, 480]);
    assert.deepEqual(tokenizer.encode('\u0130stanbul'), [328, 16384, 11231]);
    assert.deepEqual(tokenizer.encode('\ufeffbom\ufeff'), [19469]); // ftfy removes a literal U+FEFF
    assert.deepEqual(tokenizer.encode('&amp;amp;'), [261]);
  });

  it('cleans whitespace, HTML entities and curly quotes before splitting', () => {
    assert.equal(cleanText('  “Smart”\t&amp;\n&lt;b&gt;  ﬁne\u3000ＷＩＤＥ  '), '"smart" & <b> fine wide');
  });

  it('tokenizes the same text the same way from its cache', () => {
    const first = Array.from(tokenizer.tokenize(['Pokémon café in 東京'])[0]!);
    const second = Array.from(tokenizer.tokenize(['Pokémon café in 東京'])[0]!);
    assert.deepEqual(second, first);
  });

  it('tokenizes 10,000 short captions in well under a second', () => {
    const words = [
      'a',
      'photo',
      'of',
      'the',
      'cat',
      "it's",
      'café',
      'Zürich',
      '東京',
      '3.14',
      '👍🏽',
      '“quoted”',
      'A&amp;B',
    ];
    const captions = Array.from({ length: 10_000 }, (_, i) =>
      Array.from({ length: 8 }, (_, j) => words[(i * 7 + j * 13 + ((i * j) % 5)) % words.length]).join(' '),
    );
    const start = performance.now();
    const rows = tokenizer.tokenize(captions);
    const ms = performance.now() - start;
    assert.equal(rows.length, 10_000);
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });
});

describe('loadClipTokenizer', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clip-vocab-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the vocabulary shipped in media/ and reads it once', () => {
    assert.equal(loadClipTokenizer(), loadClipTokenizer());
    assert.equal(loadClipTokenizer(join(root, 'media/bpe_simple_vocab_16e6.txt.gz')).vocabSize, 49408);
  });

  it('says a vocabulary file is missing', () => {
    assert.throws(
      () => loadClipTokenizer(join(dir, 'nope.txt.gz')),
      (e: unknown) => ProbeError.is(e, 'missingFile') && e.message.includes('nope.txt.gz'),
    );
  });

  it('refuses a file that is not gzip or does not hold the 48,894 merges', () => {
    const notGzip = join(dir, 'plain.txt.gz');
    writeFileSync(notGzip, 'not gzip');
    assert.throws(
      () => loadClipTokenizer(notGzip),
      (e: unknown) => ProbeError.is(e, 'badInput'),
    );
    const short = join(dir, 'short.txt.gz');
    writeFileSync(short, gzipSync('#version: 0.2\ni n\nt h\n'));
    assert.throws(
      () => loadClipTokenizer(short),
      (e: unknown) => ProbeError.is(e, 'badInput') && /holds 3 merges/.test(e.message),
    );
  });
});
