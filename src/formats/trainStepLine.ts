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
// The same line read from the bytes of a chunk (the parser's hot path): no string per line, no regex, no object
// until the event is made (and none at all for a TrainStepSink, see logParser.ts).

/**
 * Where scanTrainStepBytes puts the numbers of the line it read, by the slots below: a typed array, so that reading
 * a line boxes no double. Valid until the next scan.
 */
export const stepValues = new Float64Array(16);
export const enum StepSlot {
  epoch = 0,
  samplesSeen = 1,
  samplesPerEpoch = 2,
  percent = 3,
  dataTime = 4,
  batchTime = 5,
  samplesPerSecond = 6,
  samplesPerSecondPerGpu = 7,
  lr = 8,
  logitScale = 9,
  /** The usual losses: `Contrastive_loss: V (A)` first, `Loss: V (A)` second (see stepLossesUsual). */
  contrastiveValue = 10,
  contrastiveAvg = 11,
  lossValue = 12,
  lossAvg = 13,
  /** Scratch for a loss of another name. */
  otherValue = 14,
  otherAvg = 15,
}
const vals = stepValues;

/** Where the byte reader stopped: after the `\n` of the line it read (set by scanTrainStepBytes on success). */
export let trainStepNext = 0;
/** The timestamp text of the line scanned last (the same string while consecutive lines share it). */
export let stepTimestamp = '';
/**
 * After a successful scan: true when the line's losses were exactly `Contrastive_loss`, then `Loss` (OpenCLIP's
 * ClipLoss), all in stepValues; false when stepLosses() must be called for them.
 */
export let stepLossesUsual = false;

/** The loss pairs of the last scan beyond the usual two (in the order of the line), null when there are none. */
let otherLosses: [string, LossValue][] | null = null;
let hasContrastive = false;
let hasTotal = false;

/**
 * Reads the whole line at `buf[start]` as `YYYY-MM-DD,HH:MM:SS | LEVEL | Train Epoch: …` (the logger's prefix,
 * then the message of parseTrainStepLine) ending in `\n` or `\r\n`, from its bytes (`v`: a DataView of the same
 * bytes, for the word compares): the event, with `trainStepNext` set to the byte after the `\n`; null when the line
 * is anything else, has another shape, holds a byte that is not ASCII, or is longer than `maxLength` (without its
 * line break). Accepts exactly the lines on which the parser's string path (recordMessageStart + parseTrainStepLine)
 * gives a train step, with the same numbers to the last bit.
 *
 * The caller guarantees that the line's `\n` is at least 4 bytes before the end of `buf`.
 */
export function readTrainStepBytes(
  buf: Uint8Array,
  v: DataView,
  start: number,
  lineNo: number,
  maxLength: number,
): TrainStepEvent | null {
  return scanTrainStepBytes(buf, v, start, maxLength) ? trainStepEvent(lineNo) : null;
}

/** The event of the line scanned last (scanTrainStepBytes returned true). */
export function trainStepEvent(lineNo: number): TrainStepEvent {
  return {
    type: 'trainStep',
    line: lineNo,
    timestamp: stepTimestamp,
    epoch: vals[StepSlot.epoch]!,
    samplesSeen: vals[StepSlot.samplesSeen]!,
    samplesPerEpoch: vals[StepSlot.samplesPerEpoch]!,
    percent: vals[StepSlot.percent]!,
    dataTime: vals[StepSlot.dataTime]!,
    batchTime: vals[StepSlot.batchTime]!,
    samplesPerSecond: vals[StepSlot.samplesPerSecond]!,
    samplesPerSecondPerGpu: vals[StepSlot.samplesPerSecondPerGpu]!,
    lr: vals[StepSlot.lr]!,
    logitScale: vals[StepSlot.logitScale]!,
    losses: stepLossesUsual
      ? {
          contrastive_loss: { value: vals[StepSlot.contrastiveValue]!, avg: vals[StepSlot.contrastiveAvg]! },
          loss: { value: vals[StepSlot.lossValue]!, avg: vals[StepSlot.lossAvg]! },
        }
      : stepLosses(),
  };
}

/** The loss map of the line scanned last, in the order the string path (addLoss) gives it. */
export function stepLosses(): Readonly<Record<string, LossValue>> {
  const out: Record<string, LossValue> = {};
  if (hasContrastive) {
    out['contrastive_loss'] = { value: vals[StepSlot.contrastiveValue]!, avg: vals[StepSlot.contrastiveAvg]! };
  }
  if (hasTotal) out['loss'] = { value: vals[StepSlot.lossValue]!, avg: vals[StepSlot.lossAvg]! };
  for (const [key, loss] of otherLosses ?? []) out[key] = loss;
  return out;
}

/**
 * The byte reader behind readTrainStepBytes: true when the line at `start` is a train step line (see there), its
 * numbers then in stepValues, its timestamp in stepTimestamp, `trainStepNext` after its `\n`.
 *
 * Bytes are checked in order, one at a time or 4 at a time (a little-endian word against the word of the expected
 * text), and a `\n` matches nothing but the line's end, so no read goes more than 3 bytes past the line's `\n`:
 * never past `buf`. The position lives in a local; each number reader returns the position after its number (-1
 * when there is none) and stores the value in its slot.
 */
export function scanTrainStepBytes(buf: Uint8Array, v: DataView, start: number, maxLength: number): boolean {
  let i = prefixBytes(buf, v, start);
  // 'Train Epoch: '
  if (
    i < 0 ||
    v.getUint32(i, true) !== wTrai ||
    v.getUint32(i + 4, true) !== wNEp ||
    v.getUint32(i + 8, true) !== wOch_ ||
    buf[i + 12] !== 32
  ) {
    return false;
  }
  i = digitsBytes(buf, i + 13, StepSlot.epoch);
  if (i < 0 || buf[i] !== 32 || buf[i + 1] !== 91 /* [ */) return false;
  i += 2;
  while (buf[i] === 32) i++;
  i = digitsBytes(buf, i, StepSlot.samplesSeen);
  if (i < 0 || buf[i] !== 47 /* / */) return false;
  i = digitsBytes(buf, i + 1, StepSlot.samplesPerEpoch);
  if (i < 0 || buf[i] !== 32 || buf[i + 1] !== 40 /* ( */) return false;
  i = digitsBytes(buf, i + 2, StepSlot.percent);
  // '%)] Data (t): '
  if (i < 0 || v.getUint32(i, true) !== wPct || v.getUint32(i + 4, true) !== wData) return false;
  if (v.getUint32(i + 8, true) !== wSpT || buf[i + 12] !== 58 || buf[i + 13] !== 32) return false;
  i = numberBytes(buf, i + 14, StepSlot.dataTime);
  // ' Batch (t): '
  if (i < 0 || v.getUint32(i, true) !== wSpBat || v.getUint32(i + 4, true) !== wChP) return false;
  if (v.getUint32(i + 8, true) !== wTColon) return false;
  i = numberBytes(buf, i + 12, StepSlot.batchTime);
  // ', '
  if (i < 0 || buf[i] !== 44 || buf[i + 1] !== 32) return false;
  i = numberBytes(buf, i + 2, StepSlot.samplesPerSecond);
  // '/s, '
  if (i < 0 || v.getUint32(i, true) !== wPerS) return false;
  i = numberBytes(buf, i + 4, StepSlot.samplesPerSecondPerGpu);
  // '/s/gpu LR: '
  if (i < 0 || v.getUint32(i, true) !== wPerG || v.getUint32(i + 4, true) !== wPuL) return false;
  if (buf[i + 8] !== 82 /* R */ || buf[i + 9] !== 58 || buf[i + 10] !== 32) return false;
  i = numberBytes(buf, i + 11, StepSlot.lr);
  // ' Logit Scale: '
  if (i < 0 || v.getUint32(i, true) !== wSpLog || v.getUint32(i + 4, true) !== wItS) return false;
  if (v.getUint32(i + 8, true) !== wCale || buf[i + 12] !== 58 || buf[i + 13] !== 32) return false;
  i = numberBytes(buf, i + 14, StepSlot.logitScale);
  if (i < 0) return false;
  hasContrastive = false;
  hasTotal = false;
  otherLosses = null;
  let order = 0;
  for (; ; order++) {
    // ` Name: V (A)`, Name = \w+ (the usual two names are compared whole first).
    if (buf[i] !== 32) return false;
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
      if (i === nameStart || c !== 58 /* : */ || buf[i + 1] !== 32) return false;
      // OpenCLIP prints `name.capitalize()`: lower-casing gives the loss dict's key back (contracts §2.2).
      key = latin1(buf, nameStart, i).toLowerCase();
      i += 2;
    }
    // As addLoss: the first pair may be the contrastive loss, the second the total after it; all else in order.
    let slot: number;
    if (order === 0 && key === 'contrastive_loss') {
      slot = StepSlot.contrastiveValue;
      hasContrastive = true;
    } else if (order === 1 && key === 'loss' && hasContrastive) {
      slot = StepSlot.lossValue;
      hasTotal = true;
    } else {
      slot = StepSlot.otherValue;
    }
    i = numberBytes(buf, i, slot);
    if (i < 0 || buf[i] !== 32 || buf[i + 1] !== 40 /* ( */) return false;
    i = numberBytes(buf, i + 2, slot + 1);
    if (i < 0 || buf[i] !== 41 /* ) */) return false;
    i++;
    if (slot === StepSlot.otherValue) {
      (otherLosses ??= []).push([key, { value: vals[StepSlot.otherValue]!, avg: vals[StepSlot.otherAvg]! }]);
    }
    const c = buf[i]!;
    if (c === 32) continue;
    if (c === 10) {
      trainStepNext = i + 1;
      break;
    }
    if (c === 13 && buf[i + 1] === 10) {
      trainStepNext = i + 2;
      break;
    }
    return false;
  }
  if (i - start > maxLength) return false;
  stepLossesUsual = order === 1 && hasTotal;
  return true;
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

/**
 * The logger's `%Y-%m-%d,%H:%M:%S | LEVEL | ` prefix at `s` (LEVEL: 0–10 capitals, as recordMessageStart in
 * logParser.ts accepts it): the message's offset, -1 when it is not there; sets `stepTimestamp`. The first 16 bytes
 * are compared as 4 words with the last good timestamp's, and only checked byte by byte when they differ
 * (consecutive lines share their minute).
 */
function prefixBytes(buf: Uint8Array, v: DataView, s: number): number {
  if (
    v.getUint32(s, true) === stampWords[0] &&
    v.getUint32(s + 4, true) === stampWords[1] &&
    v.getUint32(s + 8, true) === stampWords[2] &&
    v.getUint32(s + 12, true) === stampWords[3]
  ) {
    const c16 = buf[s + 16]!;
    const c17 = buf[s + 17]!;
    const c18 = buf[s + 18]!;
    if (c16 !== 58 /* : */ || c17 < 48 || c17 > 57 || c18 < 48 || c18 > 57) return -1;
    const seconds = (c17 << 8) | c18;
    if (seconds !== stampSeconds) newStamp(buf, s, seconds);
  } else {
    for (let k = 0; k < 19; k++) {
      const c = buf[s + k]!;
      if (k === 4 || k === 7) {
        if (c !== 45 /* - */) return -1;
      } else if (k === 10) {
        if (c !== 44 /* , */) return -1;
      } else if (k === 13 || k === 16) {
        if (c !== 58 /* : */) return -1;
      } else if (c < 48 || c > 57) {
        return -1;
      }
    }
    newStamp(buf, s, (buf[s + 17]! << 8) | buf[s + 18]!);
    for (let w = 0; w < 4; w++) stampWords[w] = v.getUint32(s + 4 * w, true);
  }
  if (buf[s + 19] !== 32 || buf[s + 20] !== 124 || buf[s + 21] !== 32) return -1;
  // 'INFO | ', else any 0–10 capitals
  if (v.getUint32(s + 22, true) === wInfo && buf[s + 26] === 32 && buf[s + 27] === 124 && buf[s + 28] === 32) {
    return s + 29;
  }
  let i = s + 22;
  let c = buf[i]!;
  while (c >= 65 && c <= 90 && i < s + 33) c = buf[++i]!;
  if (i - s - 22 > 10 || c !== 32 || buf[i + 1] !== 124 || buf[i + 2] !== 32) return -1;
  return i + 3;
}

/**
 * The first 16 bytes of the last timestamp checked as words (-1: none; a word is never negative) and its seconds'
 * two bytes: consecutive lines mostly share the timestamp, so mostly no new string is made.
 */
const stampWords = new Float64Array([-1, -1, -1, -1]);
let stampSeconds = -1;

function newStamp(buf: Uint8Array, s: number, seconds: number): void {
  stampSeconds = seconds;
  // prettier-ignore
  stepTimestamp = String.fromCharCode(buf[s]!, buf[s + 1]!, buf[s + 2]!, buf[s + 3]!, buf[s + 4]!, buf[s + 5]!,
    buf[s + 6]!, buf[s + 7]!, buf[s + 8]!, buf[s + 9]!, buf[s + 10]!, buf[s + 11]!, buf[s + 12]!, buf[s + 13]!,
    buf[s + 14]!, buf[s + 15]!, buf[s + 16]!, buf[s + 17]!, buf[s + 18]!);
}

/**
 * `\d+` at `i` into stepValues[slot] (the number readNumber reads there): the position after it, -1 when there is
 * no digit at `i`.
 */
function digitsBytes(buf: Uint8Array, i: number, slot: number): number {
  const from = i;
  let c = buf[i]!;
  if (c < 48 || c > 57) return -1;
  let small = 0;
  do {
    small = (small * 10 + (c - 48)) | 0;
    c = buf[++i]!;
  } while (c >= 48 && c <= 57 && i - from < 9);
  if (c >= 48 && c <= 57) {
    let value = small;
    for (; c >= 48 && c <= 57; c = buf[++i]!) value = value * 10 + (c - 48);
    vals[slot] = i - from > 15 ? Number(latin1(buf, from, i)) : value;
  } else {
    vals[slot] = small;
  }
  return i;
}

/**
 * NUM at `i` (see numberFull) into stepValues[slot], the usual case first: up to 9 digits with an optional point, as
 * an int32 and one division of two exact doubles (correctly rounded by IEEE), small enough to be inlined. Anything
 * else (more digits, an exponent, nan, inf, not a number) goes to numberFull from the same place. Returns the
 * position after the number, -1 when there is none.
 */
function numberBytes(buf: Uint8Array, i: number, slot: number): number {
  const from = i;
  let c = buf[i]!;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = buf[++i]!;
  }
  if (c < 48 || c > 57) return numberFull(buf, from, slot);
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
  if ((c >= 48 && c <= 57) || c === 101 /* e */) return numberFull(buf, from, slot);
  const value = fraction === 0 ? m : m / pow10[fraction]!;
  vals[slot] = negative ? -value : value;
  return i;
}

/**
 * NUM of the shape (`[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|nan|inf)`) at `from` into stepValues[slot], as the same
 * double as `Number(text)`: the position after it, -1 when the bytes there do not start with one. Up to 15 digits
 * (an integer below 2^53) with a power of ten up to 22 are one IEEE multiplication or division of two exact
 * doubles, which rounds correctly (Clinger's fast path); anything else goes through Number on its text.
 */
function numberFull(buf: Uint8Array, from: number, slot: number): number {
  let i = from;
  let c = buf[i]!;
  let negative = false;
  if (c === 45 || c === 43) {
    negative = c === 45;
    c = buf[++i]!;
  }
  if (c === 110 /* n */) {
    if (buf[i + 1] !== 97 || buf[i + 2] !== 110) return -1;
    vals[slot] = NaN;
    return i + 3;
  }
  if (c === 105 /* i */) {
    if (buf[i + 1] !== 110 || buf[i + 2] !== 102) return -1;
    vals[slot] = negative ? -Infinity : Infinity;
    return i + 3;
  }
  if (c < 48 || c > 57) return -1;
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
    if (c < 48 || c > 57) return -1;
    let exponent = 0;
    do {
      if (exponent < 1e6) exponent = exponent * 10 + (c - 48);
      c = buf[++i]!;
    } while (c >= 48 && c <= 57);
    const power = (exponentNegative ? -exponent : exponent) - fraction;
    if (digits > 15 || power > 22 || power < -22) {
      vals[slot] = Number(latin1(buf, from, i));
      return i;
    }
    value = power >= 0 ? mantissa * pow10[power]! : mantissa / pow10[-power]!;
  } else {
    if (digits > 15) {
      vals[slot] = Number(latin1(buf, from, i));
      return i;
    }
    value = fraction === 0 ? mantissa : mantissa / pow10[fraction]!;
  }
  vals[slot] = negative ? -value : value;
  return i;
}

/** ASCII bytes as a string (only ever called on bytes already checked to be ASCII). */
function latin1(buf: Uint8Array, from: number, to: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('latin1');
}
