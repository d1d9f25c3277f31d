import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { htmlUnescape } from './htmlEntities';
import { ProbeError } from './probeError';
import { fixText } from './textRepair';

/**
 * open_clip's `SimpleTokenizer` (open_clip/tokenizer.py, the byte-level BPE of OpenAI's CLIP), ported so that the
 * ids are the same for every text: clean (ftfy, HTML unescaped twice, whitespace collapsed, lower case), split with
 * CLIP's pattern, map each piece's UTF-8 bytes to printable characters, apply the 48,894 merges of
 * bpe_simple_vocab_16e6.txt.gz by rank, look up the 49,408-entry vocabulary.
 */

export const CLIP_VOCAB_FILE = 'bpe_simple_vocab_16e6.txt.gz';
export const DEFAULT_CONTEXT_LENGTH = 77;
export const START_OF_TEXT = '<start_of_text>';
export const END_OF_TEXT = '<end_of_text>';

/** tokenizer.py: `merges[1:49152-256-2+1]`, the first line being a version header. */
const MERGE_COUNT = 49152 - 256 - 2;

/** Python's `str.isspace()` characters, which `str.strip()` removes (a superset of the `regex` module's `\s`). */
const WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WHITESPACE_RUN = new RegExp(`[${WHITESPACE}]+`, 'g');
const EDGE_WHITESPACE = new RegExp(`^[${WHITESPACE}]+|[${WHITESPACE}]+$`, 'g');

/**
 * tokenizer.py's `pat`, which the `regex` module compiles with IGNORECASE. The text is lower case by then, so what
 * that flag still does is spelled out instead, because JavaScript's `i` flag differs from it on one character:
 * - `s` also matches U+017F LATIN SMALL LETTER LONG S (its simple case folding), in `'s` and `<start_of_text>`;
 * - U+0345 COMBINING GREEK YPOGEGRAMMENI folds to the letter ι, so the negated class excludes it (and nothing
 *   matches it: it is dropped), while `[\p{L}]` does not match it in Python but does under JavaScript's `iu`.
 * An explicit whitespace class stands for `\s`, since JavaScript's also matches U+FEFF and Python's does not (after
 * `whitespaceClean` only single spaces are left, so Python's two whitespace definitions cannot disagree here).
 */
const TOKEN_PATTERN = new RegExp(
  `<[s\u017f]tart_of_text>|<end_of_text>|'[s\u017f]|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${WHITESPACE}\\p{L}\\p{N}\u0345]+`,
  'gu',
);

/** Past this many distinct pieces the BPE cache starts over (Python's grows without bound). */
const CACHE_LIMIT = 200_000;

/**
 * tokenizer.py's `bytes_to_unicode`: each byte as a printable character (the printable Latin-1 bytes as themselves,
 * the others from U+0100 on), in the dictionary's order, which is also the order of the vocabulary's first 256
 * entries.
 */
function bytesToUnicode(): { bytes: number[]; chars: string[] } {
  const bytes: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCharCode(b));
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(String.fromCharCode(256 + n));
      n++;
    }
  }
  return { bytes, chars };
}

/** `basic_clean`: ftfy, then `html.unescape` twice, then `strip()`. */
export function basicClean(text: string): string {
  return htmlUnescape(htmlUnescape(fixText(text))).replace(EDGE_WHITESPACE, '');
}

/** `whitespace_clean`: every run of whitespace becomes one space, then `strip()`. */
export function whitespaceClean(text: string): string {
  return text.replace(WHITESPACE_RUN, ' ').replace(EDGE_WHITESPACE, '');
}

/** What `encode` tokenizes: `whitespace_clean(basic_clean(text)).lower()`. */
export function cleanText(text: string): string {
  return whitespaceClean(basicClean(text)).toLowerCase();
}

export class ClipTokenizer {
  readonly sotTokenId: number;
  readonly eotTokenId: number;
  readonly vocabSize: number;
  private readonly byteChars: string[] = new Array<string>(256);
  private readonly encoder: Map<string, number>;
  /** Merge ranks keyed `first + ' ' + second` (no byte character is a space). */
  private readonly ranks: Map<string, number>;
  /** Ids of each byte-encoded piece, like tokenizer.py's `cache` (seeded with the special tokens). */
  private readonly cache = new Map<string, readonly number[]>();

  /** `merges`: the merge lines of the vocabulary file, header excluded, as "first second". */
  constructor(merges: readonly string[]) {
    const { bytes, chars } = bytesToUnicode();
    bytes.forEach((b, i) => (this.byteChars[b] = chars[i]!));
    const vocab = [...chars, ...chars.map((c) => `${c}</w>`)];
    this.ranks = new Map();
    merges.forEach((line, rank) => {
      const pair = line.split(' ').filter((part) => part !== '');
      if (pair.length !== 2) {
        throw new ProbeError(
          'badInput',
          `CLIP vocabulary merge ${rank + 1} is not two symbols: ${JSON.stringify(line)}`,
        );
      }
      this.ranks.set(`${pair[0]} ${pair[1]}`, rank);
      vocab.push(pair[0]! + pair[1]!);
    });
    vocab.push(START_OF_TEXT, END_OF_TEXT);
    this.encoder = new Map(vocab.map((token, id) => [token, id]));
    this.vocabSize = vocab.length;
    this.sotTokenId = this.encoder.get(START_OF_TEXT)!;
    this.eotTokenId = this.encoder.get(END_OF_TEXT)!;
    this.seedCache();
  }

  /** The ids of a text, without the start and end tokens (tokenizer.py's `encode`). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const match of cleanText(text).matchAll(TOKEN_PATTERN)) {
      for (const id of this.pieceIds(match[0])) ids.push(id);
    }
    return ids;
  }

  /**
   * Each text as `contextLength` ids (tokenizer.py's `__call__`): start token, the text's ids, end token, zeros.
   * A text that does not fit is cut and its last kept id replaced by the end token.
   */
  tokenize(texts: readonly string[], contextLength = DEFAULT_CONTEXT_LENGTH): Int32Array[] {
    if (!Number.isInteger(contextLength) || contextLength < 1) {
      throw new ProbeError('badInput', `context length must be a positive integer, not ${contextLength}`);
    }
    return texts.map((text) => {
      const ids = [this.sotTokenId, ...this.encode(text), this.eotTokenId];
      const row = new Int32Array(contextLength);
      if (ids.length > contextLength) {
        row.set(ids.slice(0, contextLength));
        row[contextLength - 1] = this.eotTokenId;
      } else {
        row.set(ids);
      }
      return row;
    });
  }

  private seedCache(): void {
    this.cache.clear();
    this.cache.set(START_OF_TEXT, [this.sotTokenId]);
    this.cache.set(END_OF_TEXT, [this.eotTokenId]);
  }

  private pieceIds(piece: string): readonly number[] {
    let token = '';
    if (/^[\x21-\x7e]*$/.test(piece)) {
      token = piece; // printable ASCII bytes stand for themselves
    } else {
      for (const b of Buffer.from(piece, 'utf8')) token += this.byteChars[b]!;
    }
    const cached = this.cache.get(token);
    if (cached !== undefined) return cached;
    const ids = this.bpe(token).map((symbol) => this.encoder.get(symbol)!);
    if (this.cache.size >= CACHE_LIMIT) this.seedCache();
    this.cache.set(token, ids);
    return ids;
  }

  /** tokenizer.py's `bpe`: merge the adjacent pair of lowest rank, all its occurrences at once, until none ranks. */
  private bpe(token: string): string[] {
    let word = [...token];
    word[word.length - 1] += '</w>';
    while (word.length > 1) {
      let best = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < best) {
          best = rank;
          first = word[i]!;
          second = word[i + 1]!;
        }
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length;) {
        if (word[i] === first && i < word.length - 1 && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]!);
          i += 1;
        }
      }
      word = merged;
    }
    return word;
  }
}

/** Where the shipped vocabulary may be: next to dist/ (bundles: dist/cli.js, dist/extension.js) or src/probe/. */
function defaultVocabCandidates(): string[] {
  return [join(__dirname, '..', 'media', CLIP_VOCAB_FILE), join(__dirname, '..', '..', 'media', CLIP_VOCAB_FILE)];
}

const loaded = new Map<string, ClipTokenizer>();

/**
 * The tokenizer of a bpe_simple_vocab_16e6.txt.gz (default: the copy in the extension's media/), read and
 * decompressed once per path.
 */
export function loadClipTokenizer(vocabPath?: string): ClipTokenizer {
  const candidates = vocabPath === undefined ? defaultVocabCandidates() : [vocabPath];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new ProbeError('missingFile', `CLIP vocabulary not found: ${candidates.join(' or ')}`);
  }
  const cached = loaded.get(path);
  if (cached) return cached;
  let text: string;
  try {
    text = gunzipSync(readFileSync(path)).toString('utf8');
  } catch (error) {
    throw new ProbeError('badInput', `cannot read the CLIP vocabulary ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const merges = text.split('\n').slice(1, MERGE_COUNT + 1);
  if (merges.length !== MERGE_COUNT) {
    throw new ProbeError(
      'badInput',
      `${path} holds ${merges.length} merges, not the ${MERGE_COUNT} of CLIP's vocabulary`,
    );
  }
  const tokenizer = new ClipTokenizer(merges);
  loaded.set(path, tokenizer);
  return tokenizer;
}
