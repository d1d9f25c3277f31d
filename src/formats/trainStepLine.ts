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
  let contrastive: LossValue | null = null;
  let total: LossValue | null = null;
  let others: [string, LossValue][] | null = null;
  let order = 0;
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
    const loss: LossValue = { value, avg };
    if (key === 'contrastive_loss' && contrastive === null && order === 0) contrastive = loss;
    else if (key === 'loss' && total === null && order === 1 && others === null) total = loss;
    else (others ??= []).push([key, loss]);
    order++;
  }
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
