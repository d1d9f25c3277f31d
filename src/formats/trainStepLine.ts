import type { LossValue, TrainStepEvent } from './logEvents';

/** A number as Python prints it with `%f`, `#g` and `#.5g`: `0.000250`, `146758.`, `1.23457e+06`, `nan`, `-inf`. */
const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|nan|inf)`;

/**
 * The whole shape of the message (§2.2, the contract's regex with the loss pairs folded in), without captures: the
 * regex engine checks it in native code, then the numbers are read at known offsets with no substring made.
 */
const trainShape = new RegExp(
  String.raw`Train Epoch: \d+ \[ *\d+\/\d+ \(\d+%\)\] Data \(t\): ${NUM} Batch \(t\): ${NUM}, ${NUM}\/s, ${NUM}\/s\/gpu LR: ${NUM} Logit Scale: ${NUM}(?: \w+: ${NUM} \(${NUM}\))+(?=\r?\n|$)`,
  'y',
);

/**
 * Reads `Train Epoch: E [N/T (P%)] Data (t): X Batch (t): X, R/s, G/s/gpu LR: X Logit Scale: X Name: V (A)…` from
 * `text` between `start` (the message start) and `end` (the line's end: before `\n` or `\r\n`, or the end of `text`) into the
 * event of that line, or returns null when the line does not have exactly that shape. Reading inside a larger text
 * spares the parser a substring per line.
 *
 * This runs on every line of multi-GB logs. Decimal numbers are converted as integer ÷ power of ten, which IEEE
 * division rounds correctly, so each value is the same double as `Number(text)` and Python's `float(text)`.
 */
export function parseTrainStepLine(
  line: string,
  start: number,
  end: number,
  lineNo: number,
  timestamp: string,
): TrainStepEvent | null {
  trainShape.lastIndex = start;
  if (!trainShape.test(line) || trainShape.lastIndex !== end) return null;
  // Offsets below are the lengths of the literal parts between the numbers, which the shape has just checked.
  at = start + 13; // 'Train Epoch: '
  const epoch = readNumber(line);
  at += 2; // ' ['
  while (line.charCodeAt(at) === 32) at++;
  const samplesSeen = readNumber(line);
  at += 1; // '/'
  const samplesPerEpoch = readNumber(line);
  at += 2; // ' ('
  const percent = readNumber(line);
  at += 14; // '%)] Data (t): '
  const dataTime = readNumber(line);
  at += 12; // ' Batch (t): '
  const batchTime = readNumber(line);
  at += 2; // ', '
  const samplesPerSecond = readNumber(line);
  at += 4; // '/s, '
  const samplesPerSecondPerGpu = readNumber(line);
  at += 11; // '/s/gpu LR: '
  const lr = readNumber(line);
  at += 14; // ' Logit Scale: '
  const logitScale = readNumber(line);
  return {
    type: 'trainStep',
    line: lineNo,
    timestamp,
    epoch,
    samplesSeen,
    samplesPerEpoch,
    percent,
    dataTime,
    batchTime,
    samplesPerSecond,
    samplesPerSecondPerGpu,
    lr,
    logitScale,
    losses: readLosses(line, end),
  };
}

/** The read position, shared by the helpers below (module state: the parse is synchronous and never re-entered). */
let at = 0;

/** Exact powers of ten (every one up to 1e22 is a double exactly). */
const pow10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** ` Name: V (A)` pairs to the end of the line. OpenCLIP's ClipLoss gives `Contrastive_loss`, then `Loss`. */
function readLosses(line: string, end: number): Readonly<Record<string, LossValue>> {
  startLosses();
  while (at < end) {
    at += 1; // ' '
    const colon = line.indexOf(': ', at);
    const nameLength = colon - at;
    let name: string | null = null;
    if (nameLength === 16 && line.startsWith('Contrastive_loss', at)) {
      name = 'contrastive_loss';
    } else if (nameLength === 4 && line.startsWith('Loss', at)) {
      name = 'loss';
    }
    // OpenCLIP prints `name.capitalize()`: lower-casing gives the loss dict's key back (contracts §2.2).
    const key = name ?? line.slice(at, colon).toLowerCase();
    at = colon + 2;
    const value = readNumber(line);
    at += 2; // ' ('
    const avg = readNumber(line);
    at += 1; // ')'
    addLoss(key, { value, avg });
  }
  return finishLosses();
}

/** The loss map being built (module state, like `at`): the usual pair gets one literal, other names keep their order. */
let contrastive: LossValue | null = null;
let total: LossValue | null = null;
let others: [string, LossValue][] | null = null;
let order = 0;

function startLosses(): void {
  contrastive = null;
  total = null;
  others = null;
  order = 0;
}

function addLoss(key: string, loss: LossValue): void {
  if (key === 'contrastive_loss' && contrastive === null && order === 0) contrastive = loss;
  else if (key === 'loss' && total === null && order === 1 && others === null) total = loss;
  else (others ??= []).push([key, loss]);
  order++;
}

function finishLosses(): Readonly<Record<string, LossValue>> {
  if (others === null && contrastive !== null && total !== null) return { contrastive_loss: contrastive, loss: total };
  const out: Record<string, LossValue> = {};
  if (contrastive !== null) out['contrastive_loss'] = contrastive;
  if (total !== null) out['loss'] = total;
  for (const [key, loss] of others ?? []) out[key] = loss;
  return out;
}

/** Reads the number at `at` (its shape already checked) and moves `at` past it. */
function readNumber(line: string): number {
  const from = at;
  let i = from;
  let c = line.charCodeAt(i);
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = line.charCodeAt(++i);
  }
  if (c === 110 /* n */) {
    at = i + 3;
    return NaN;
  }
  if (c === 105 /* i */) {
    at = i + 3;
    return negative ? -Infinity : Infinity;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  for (; c >= 48 && c <= 57; c = line.charCodeAt(++i)) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
  }
  if (c === 46 /* . */) {
    for (c = line.charCodeAt(++i); c >= 48 && c <= 57; c = line.charCodeAt(++i)) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      fraction++;
    }
  }
  if (c === 101 /* e */) {
    c = line.charCodeAt(++i);
    if (c === 43 || c === 45) c = line.charCodeAt(++i);
    while (c >= 48 && c <= 57) c = line.charCodeAt(++i);
    at = i;
    return Number(line.slice(from, i));
  }
  at = i;
  if (digits > 15) return Number(line.slice(from, i));
  const value = fraction === 0 ? mantissa : mantissa / pow10[fraction]!;
  return negative ? -value : value;
}

// ---------------------------------------------------------------------------------------------------------------
// The same line read from the bytes of a chunk (the parser's hot path): no string per line, no regex.

/** Where the byte reader stopped: after the `\n` of the line it read (set by readTrainStepBytes on success). */
export let trainStepNext = 0;

/**
 * Reads the whole line at `buf[start]` as `YYYY-MM-DD,HH:MM:SS | LEVEL | Train Epoch: …` (the logger's prefix,
 * then the message of parseTrainStepLine) ending in `\n` or `\r\n`, from its bytes (`v`: a DataView of the same
 * bytes, for the word compares): the event, with `trainStepNext` set to the byte after the `\n`; null when the line
 * is anything else, has another shape, holds a byte that is not ASCII, or is longer than `maxLength` (without its
 * line break). Accepts exactly the lines on which the parser's string path (recordMessageStart + parseTrainStepLine)
 * gives a train step, with the same numbers to the last bit.
 *
 * The caller guarantees that the line's `\n` is at least 4 bytes before the end of `buf`. Bytes are checked in
 * order, one at a time or 4 at a time (a little-endian word against the word of the expected text), and a `\n`
 * matches nothing but the line's end, so no read goes more than 3 bytes past the line's `\n`: never past `buf`.
 */
export function readTrainStepBytes(
  buf: Uint8Array,
  v: DataView,
  start: number,
  lineNo: number,
  maxLength: number,
): TrainStepEvent | null {
  if (!prefixBytes(buf, v, start)) return null;
  let i = at;
  // 'Train Epoch: '
  if (v.getUint32(i, true) !== wTrai || v.getUint32(i + 4, true) !== wNEp || v.getUint32(i + 8, true) !== wOch_) {
    return null;
  }
  if (buf[i + 12] !== 32) return null;
  at = i + 13;
  const epoch = digitsBytes(buf);
  i = at;
  if (epoch < 0 || buf[i] !== 32 || buf[i + 1] !== 91 /* [ */) return null;
  i += 2;
  while (buf[i] === 32) i++;
  at = i;
  const samplesSeen = digitsBytes(buf);
  i = at;
  if (samplesSeen < 0 || buf[i] !== 47 /* / */) return null;
  at = i + 1;
  const samplesPerEpoch = digitsBytes(buf);
  i = at;
  if (samplesPerEpoch < 0 || buf[i] !== 32 || buf[i + 1] !== 40 /* ( */) return null;
  at = i + 2;
  const percent = digitsBytes(buf);
  i = at;
  // '%)] Data (t): '
  if (percent < 0 || v.getUint32(i, true) !== wPct || v.getUint32(i + 4, true) !== wData) return null;
  if (v.getUint32(i + 8, true) !== wSpT || buf[i + 12] !== 58 || buf[i + 13] !== 32) return null;
  at = i + 14;
  bad = false;
  const dataTime = numberBytes(buf);
  i = at;
  // ' Batch (t): '
  if (bad || v.getUint32(i, true) !== wSpBat || v.getUint32(i + 4, true) !== wChP) return null;
  if (v.getUint32(i + 8, true) !== wTColon) return null;
  at = i + 12;
  const batchTime = numberBytes(buf);
  i = at;
  // ', '
  if (bad || buf[i] !== 44 || buf[i + 1] !== 32) return null;
  at = i + 2;
  const samplesPerSecond = numberBytes(buf);
  i = at;
  // '/s, '
  if (bad || v.getUint32(i, true) !== wPerS) return null;
  at = i + 4;
  const samplesPerSecondPerGpu = numberBytes(buf);
  i = at;
  // '/s/gpu LR: '
  if (bad || v.getUint32(i, true) !== wPerG || v.getUint32(i + 4, true) !== wPuL) return null;
  if (buf[i + 8] !== 82 /* R */ || buf[i + 9] !== 58 || buf[i + 10] !== 32) return null;
  at = i + 11;
  const lr = numberBytes(buf);
  i = at;
  // ' Logit Scale: '
  if (bad || v.getUint32(i, true) !== wSpLog || v.getUint32(i + 4, true) !== wItS) return null;
  if (v.getUint32(i + 8, true) !== wCale || buf[i + 12] !== 58 || buf[i + 13] !== 32) return null;
  at = i + 14;
  const logitScale = numberBytes(buf);
  if (bad) return null;
  startLosses();
  let end: number;
  for (;;) {
    // ` Name: V (A)`, Name = \w+ (the usual two names are compared whole first).
    i = at;
    if (buf[i] !== 32) return null;
    i++;
    let key: string;
    if (
      v.getUint32(i, true) === wCont &&
      v.getUint32(i + 4, true) === wRast &&
      v.getUint32(i + 8, true) === wIve_ &&
      v.getUint32(i + 12, true) === wLoss &&
      buf[i + 16] === 58 &&
      buf[i + 17] === 32
    ) {
      key = 'contrastive_loss';
      i += 18;
    } else if (v.getUint32(i, true) === wCapLoss && buf[i + 4] === 58 && buf[i + 5] === 32) {
      key = 'loss';
      i += 6;
    } else {
      const nameStart = i;
      let c = buf[i]!;
      while ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) c = buf[++i]!;
      if (i === nameStart || c !== 58 /* : */ || buf[i + 1] !== 32) return null;
      // OpenCLIP prints `name.capitalize()`: lower-casing gives the loss dict's key back (contracts §2.2).
      key = latin1(buf, nameStart, i).toLowerCase();
      i += 2;
    }
    at = i;
    const value = numberBytes(buf);
    i = at;
    if (bad || buf[i] !== 32 || buf[i + 1] !== 40 /* ( */) return null;
    at = i + 2;
    const avg = numberBytes(buf);
    i = at;
    if (bad || buf[i] !== 41 /* ) */) return null;
    i++;
    at = i;
    addLoss(key, { value, avg });
    const c = buf[i]!;
    if (c === 32) continue;
    if (c === 10) {
      end = i;
      trainStepNext = i + 1;
      break;
    }
    if (c === 13 && buf[i + 1] === 10) {
      end = i;
      trainStepNext = i + 2;
      break;
    }
    return null;
  }
  if (end - start > maxLength) return null;
  return {
    type: 'trainStep',
    line: lineNo,
    timestamp: stamp,
    epoch,
    samplesSeen,
    samplesPerEpoch,
    percent,
    dataTime,
    batchTime,
    samplesPerSecond,
    samplesPerSecondPerGpu,
    lr,
    logitScale,
    losses: finishLosses(),
  };
}

/** 4 bytes of text as the little-endian word DataView.getUint32(i, true) reads. */
function word(text: string): number {
  return (
    (text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16) | (text.charCodeAt(3) << 24)) >>> 0
  );
}
const wTrai = word('Trai');
const wNEp = word('n Ep');
const wOch_ = word('och:');
const wPct = word('%)] ');
const wData = word('Data');
const wSpT = word(' (t)');
const wSpBat = word(' Bat');
const wChP = word('ch (');
const wTColon = word('t): ');
const wPerS = word('/s, ');
const wPerG = word('/s/g');
const wPuL = word('pu L');
const wSpLog = word(' Log');
const wItS = word('it S');
const wCale = word('cale');
const wCont = word('Cont');
const wRast = word('rast');
const wIve_ = word('ive_');
const wLoss = word('loss');
const wCapLoss = word('Loss');
const wInfo = word('INFO');

/** Set by numberBytes when the bytes at `at` are not a number. */
let bad = false;

/**
 * The logger's `%Y-%m-%d,%H:%M:%S | LEVEL | ` prefix at `s` (LEVEL: 0–10 capitals, as recordMessageStart in
 * logParser.ts accepts it); sets `at` to the message and `stamp` to the timestamp's text. The first 16 bytes are
 * compared as 4 words with the last good timestamp's, and only checked byte by byte when they differ (consecutive
 * lines share their minute).
 */
function prefixBytes(buf: Uint8Array, v: DataView, s: number): boolean {
  if (
    v.getUint32(s, true) === stampWords[0] &&
    v.getUint32(s + 4, true) === stampWords[1] &&
    v.getUint32(s + 8, true) === stampWords[2] &&
    v.getUint32(s + 12, true) === stampWords[3]
  ) {
    const c16 = buf[s + 16]!;
    const c17 = buf[s + 17]!;
    const c18 = buf[s + 18]!;
    if (c16 !== 58 /* : */ || c17 < 48 || c17 > 57 || c18 < 48 || c18 > 57) return false;
    const seconds = (c17 << 8) | c18;
    if (seconds !== stampSeconds) newStamp(buf, s, seconds);
  } else {
    for (let k = 0; k < 19; k++) {
      const c = buf[s + k]!;
      if (k === 4 || k === 7) {
        if (c !== 45 /* - */) return false;
      } else if (k === 10) {
        if (c !== 44 /* , */) return false;
      } else if (k === 13 || k === 16) {
        if (c !== 58 /* : */) return false;
      } else if (c < 48 || c > 57) {
        return false;
      }
    }
    newStamp(buf, s, (buf[s + 17]! << 8) | buf[s + 18]!);
    for (let w = 0; w < 4; w++) stampWords[w] = v.getUint32(s + 4 * w, true);
  }
  if (buf[s + 19] !== 32 || buf[s + 20] !== 124 || buf[s + 21] !== 32) return false;
  // 'INFO | ', else any 0–10 capitals
  if (v.getUint32(s + 22, true) === wInfo && buf[s + 26] === 32 && buf[s + 27] === 124 && buf[s + 28] === 32) {
    at = s + 29;
    return true;
  }
  let i = s + 22;
  let c = buf[i]!;
  while (c >= 65 && c <= 90 && i < s + 33) c = buf[++i]!;
  if (i - s - 22 > 10 || c !== 32 || buf[i + 1] !== 124 || buf[i + 2] !== 32) return false;
  at = i + 3;
  return true;
}

/**
 * The text of the last timestamp checked, the first 16 of its bytes as words (-1: none; a word is never negative)
 * and its seconds' two bytes: consecutive lines mostly share the timestamp, so mostly no new string is made.
 */
let stamp = '';
const stampWords = new Float64Array([-1, -1, -1, -1]);
let stampSeconds = -1;

function newStamp(buf: Uint8Array, s: number, seconds: number): void {
  stampSeconds = seconds;
  // prettier-ignore
  stamp = String.fromCharCode(buf[s]!, buf[s + 1]!, buf[s + 2]!, buf[s + 3]!, buf[s + 4]!, buf[s + 5]!, buf[s + 6]!,
    buf[s + 7]!, buf[s + 8]!, buf[s + 9]!, buf[s + 10]!, buf[s + 11]!, buf[s + 12]!, buf[s + 13]!, buf[s + 14]!,
    buf[s + 15]!, buf[s + 16]!, buf[s + 17]!, buf[s + 18]!);
}

/** `\d+` at `at` as a number (as readNumber reads it), or -1 when there is no digit there. */
function digitsBytes(buf: Uint8Array): number {
  const from = at;
  let i = from;
  let c = buf[i]!;
  if (c < 48 || c > 57) return -1;
  let small = 0;
  do {
    small = (small * 10 + (c - 48)) | 0;
    c = buf[++i]!;
  } while (c >= 48 && c <= 57 && i - from < 9);
  let value = small;
  for (; c >= 48 && c <= 57; c = buf[++i]!) value = value * 10 + (c - 48);
  at = i;
  return i - from > 15 ? Number(latin1(buf, from, i)) : value;
}

/**
 * NUM at `at` (see numberFull), the usual case first: up to 9 digits with an optional point, in int32 arithmetic and
 * one division, small enough to be inlined. Anything else (more digits, an exponent, nan, inf, not a number) goes
 * to numberFull from the same place.
 */
function numberBytes(buf: Uint8Array): number {
  let i = at;
  let c = buf[i]!;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = buf[++i]!;
  }
  if (c < 48 || c > 57) return numberFull(buf);
  let m = 0;
  let digits = 0;
  do {
    m = (m * 10 + (c - 48)) | 0;
    digits++;
    c = buf[++i]!;
  } while (c >= 48 && c <= 57 && digits < 9);
  let fraction = 0;
  if (c === 46 /* . */) {
    c = buf[++i]!;
    for (; c >= 48 && c <= 57 && digits < 9; c = buf[++i]!) {
      m = (m * 10 + (c - 48)) | 0;
      digits++;
      fraction++;
    }
  }
  if ((c >= 48 && c <= 57) || c === 101 /* e */) return numberFull(buf);
  at = i;
  const value = fraction === 0 ? m : m / pow10[fraction]!;
  return negative ? -value : value;
}

/**
 * NUM of the shape (`[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|nan|inf)`) at `at`, as the same double as `Number(text)`;
 * sets `bad` when the bytes there do not start with one. Up to 15 digits with a power of ten up to 22 are one
 * IEEE multiplication or division of two exact doubles, which rounds correctly (Clinger's fast path); anything
 * else goes through Number on its text.
 */
function numberFull(buf: Uint8Array): number {
  const from = at;
  let i = from;
  let c = buf[i]!;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = buf[++i]!;
  }
  if (c === 110 /* n */) {
    if (buf[i + 1] !== 97 || buf[i + 2] !== 110) return fail();
    at = i + 3;
    return NaN;
  }
  if (c === 105 /* i */) {
    if (buf[i + 1] !== 110 || buf[i + 2] !== 102) return fail();
    at = i + 3;
    return negative ? -Infinity : Infinity;
  }
  if (c < 48 || c > 57) return fail();
  // The first 9 digits in int32 arithmetic (a short dependency chain), more as doubles (exact up to 15 digits).
  let small = 0;
  let digits = 0;
  do {
    small = (small * 10 + (c - 48)) | 0;
    digits++;
    c = buf[++i]!;
  } while (c >= 48 && c <= 57 && digits < 9);
  let mantissa = small;
  for (; c >= 48 && c <= 57; c = buf[++i]!) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
  }
  let fraction = 0;
  if (c === 46 /* . */) {
    c = buf[++i]!;
    if (digits < 9) {
      small = mantissa;
      for (; c >= 48 && c <= 57 && digits < 9; c = buf[++i]!) {
        small = (small * 10 + (c - 48)) | 0;
        digits++;
        fraction++;
      }
      mantissa = small;
    }
    for (; c >= 48 && c <= 57; c = buf[++i]!) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      fraction++;
    }
  }
  let value: number;
  if (c === 101 /* e */) {
    c = buf[++i]!;
    let exponentNegative = false;
    if (c === 43 || c === 45) {
      exponentNegative = c === 45;
      c = buf[++i]!;
    }
    if (c < 48 || c > 57) return fail();
    let exponent = 0;
    do {
      if (exponent < 1e6) exponent = exponent * 10 + (c - 48);
      c = buf[++i]!;
    } while (c >= 48 && c <= 57);
    at = i;
    const power = (exponentNegative ? -exponent : exponent) - fraction;
    if (digits > 15 || power > 22 || power < -22) return Number(latin1(buf, from, i));
    value = power >= 0 ? mantissa * pow10[power]! : mantissa / pow10[-power]!;
  } else {
    at = i;
    if (digits > 15) return Number(latin1(buf, from, i));
    value = fraction === 0 ? mantissa : mantissa / pow10[fraction]!;
  }
  return negative ? -value : value;
}

function fail(): number {
  bad = true;
  return 0;
}

/** ASCII bytes as a string (only ever called on bytes already checked to be ASCII). */
function latin1(buf: Uint8Array, from: number, to: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('latin1');
}
