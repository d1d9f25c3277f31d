import type { LogEvent, TracebackEvent } from './logEvents';
import { ParamsBuilder, parsePythonFloat } from './paramsText';
import {
  parseTrainStepLine,
  scanTrainStepBytes,
  stepLossesUsual,
  stepTimestamp,
  trainStepEvent,
  trainStepNext,
} from './trainStepLine';
import { Utf8Chunks } from '../shared/utf8Chunks';

export interface LogParserOptions {
  /** Lines longer than this many characters are skipped (one `oversizedLine` event each). Default 1 Mi. */
  readonly maxLineLength?: number;
  /**
   * Where the usual `Train Epoch` lines go instead of becoming events (see TrainStepSink): for a reader that keeps
   * only numbers (StepSeries), so that a line costs no object. Every other line, train step lines included, still
   * comes to `onEvent`, in input order.
   */
  readonly trainSteps?: TrainStepSink;
}

/**
 * Takes the train step lines that the parser reads from the bytes of a chunk (the hot path: every whole
 * `Train Epoch` line of a byte chunk while no multi-line structure is open) whose losses are OpenCLIP's usual pair,
 * `Contrastive_loss` then `Loss`. The line's numbers are in `stepValues` (trainStepLine.ts, by StepSlot) during the
 * call; the event the parser would have made holds exactly those numbers (trainStepEvent).
 */
export interface TrainStepSink {
  trainStep(line: number, timestamp: string): void;
}

/**
 * A streaming parser for OpenCLIP's `out.log` and for train.py's captured stdout/stderr (contracts §1.6, §2.1–2.3).
 *
 * Feed it chunks as they arrive (`write`), bytes or text, split anywhere: a partial line waits for the next chunk,
 * a UTF-8 sequence split between chunks is decoded whole, CRLF and tqdm's `\r` progress fragments are taken
 * apart, and a logging record that spans lines (the `Model:` repr) or records that belong together (the `Params:`
 * block, a Python traceback) come out as one event when they end. `end()` flushes an unterminated last line.
 *
 * Events go to `onEvent` synchronously, in input order. Memory stays bounded by the longest line kept
 * (`maxLineLength`), so a multi-GB log streams through in constant space.
 */
export class LogParser {
  private readonly maxLineLength: number;
  private readonly sink: TrainStepSink | null;
  private decoder: Utf8Chunks | null = null;
  /** The start of a line whose end has not arrived yet. */
  private pending = '';
  /** Characters of an oversized line dropped so far, or -1 when not inside one. */
  private discarding = -1;
  private lineNo = 0;
  /** The last bytes written did not end a line: the decoder may hold part of a character, `pending` part of a line. */
  private midLine = false;
  private lastTimestamp: string | null = null;
  private ended = false;

  /** Open multi-line structures. */
  private expectModelRepr = false;
  private model: { line: number; timestamp: string; lines: string[]; chars: number } | null = null;
  private params: { line: number; timestamp: string; builder: ParamsBuilder } | null = null;
  private traceback: { line: number; timestamp: string | null; frames: string[] } | null = null;

  constructor(
    private readonly onEvent: (event: LogEvent) => void,
    options: LogParserOptions = {},
  ) {
    this.maxLineLength = options.maxLineLength ?? 1024 * 1024;
    this.sink = options.trainSteps ?? null;
  }

  /** Lines started so far (complete or not). */
  get lines(): number {
    return this.lineNo;
  }

  write(chunk: Uint8Array | string): void {
    if (this.ended) throw new Error('LogParser.write after end()');
    if (typeof chunk === 'string') {
      const text = this.decoder ? this.decoder.flush() + chunk : chunk;
      this.decoder = null;
      this.midLine = false;
      if (text.length > 0) this.consume(text);
      return;
    }
    this.writeBytes(chunk);
  }

  /**
   * Bytes: each whole `Train Epoch` line is read from the bytes themselves (scanTrainStepBytes: no string but its
   * timestamp, no regex, no decoding); every other line, and a line cut by the chunk's end, is decoded and goes
   * through `consume` as text, exactly as a text chunk would. A `\n` byte is never part of a multi-byte sequence,
   * so decoding line by line gives the same text as decoding the chunk whole.
   */
  private writeBytes(buf: Uint8Array): void {
    const n = buf.length;
    let p = 0;
    // The end of a line begun in an earlier chunk (or of a UTF-8 sequence cut by its end) goes the text way.
    if (this.midLine || this.pending.length > 0 || this.discarding >= 0) {
      const nl = buf.indexOf(10);
      if (nl === -1) return this.decodeAndConsume(buf);
      this.decodeAndConsume(buf.subarray(0, nl + 1));
      p = nl + 1;
    }
    // Every line that starts at or before the chunk's last `\n` ends in this chunk; the byte reader takes those that
    // end at least 4 bytes before the chunk's end (it may read 3 bytes past a line's end).
    const lastNl = buf.lastIndexOf(10);
    const safeNl = n >= 4 ? buf.lastIndexOf(10, n - 4) : -1;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const sink = this.sink;
    const maxLineLength = this.maxLineLength;
    // Only the text path opens or closes a multi-line structure: checked again after each line it takes.
    let plain = this.noneOpen();
    while (p <= lastNl) {
      if (plain && p <= safeNl && scanTrainStepBytes(buf, view, p, maxLineLength)) {
        const lineNo = ++this.lineNo;
        this.lastTimestamp = stepTimestamp;
        p = trainStepNext;
        if (sink !== null && stepLossesUsual) sink.trainStep(lineNo, stepTimestamp);
        else this.onEvent(trainStepEvent(lineNo));
        continue;
      }
      const nl = buf.indexOf(10, p);
      this.decodeAndConsume(buf.subarray(p, nl + 1));
      p = nl + 1;
      plain = this.noneOpen();
    }
    if (p < n) this.decodeAndConsume(buf.subarray(p));
  }

  private noneOpen(): boolean {
    return this.model === null && this.params === null && this.traceback === null && !this.expectModelRepr;
  }

  private decodeAndConsume(bytes: Uint8Array): void {
    this.decoder ??= new Utf8Chunks();
    let text = this.decoder.decode(bytes);
    if (this.lineNo === 0 && this.pending.length === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (bytes.length > 0) this.midLine = bytes[bytes.length - 1] !== 10;
    if (text.length > 0) this.consume(text);
  }

  end(): void {
    if (this.ended) return;
    if (this.decoder) {
      const rest = this.decoder.flush();
      this.decoder = null;
      if (rest.length > 0) this.consume(rest);
    }
    this.ended = true;
    if (this.discarding >= 0) {
      this.onEvent({ type: 'oversizedLine', line: this.lineNo, length: this.discarding });
      this.discarding = -1;
    } else if (this.pending.length > 0) {
      const line = this.pending;
      this.pending = '';
      this.handleLine(line);
    }
    this.closeOpen();
  }

  private consume(text: string): void {
    let start = 0;
    /** The next `\r` at or after `start` (text.length when there is none): found once, not per line. */
    let nextCr = text.indexOf('\r');
    if (nextCr === -1) nextCr = text.length;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      if (nextCr < start) {
        nextCr = text.indexOf('\r', start);
        if (nextCr === -1) nextCr = text.length;
      }
      if (this.discarding >= 0) {
        this.onEvent({ type: 'oversizedLine', line: this.lineNo, length: this.discarding + (nl - start) });
        this.discarding = -1;
      } else {
        let line: string;
        let cr = nextCr < nl;
        if (this.pending.length > 0) {
          line = this.pending + text.slice(start, nl);
          this.pending = '';
          cr ||= line.indexOf('\r') !== -1;
        } else {
          this.lineNo++;
          // A plain LF line, or a CRLF line whose only `\r` is the last character.
          const end = cr && nextCr === nl - 1 ? nl - 1 : nl;
          if ((!cr || end < nl) && end - start <= this.maxLineLength && this.trainStepIn(text, start, end)) {
            start = nl + 1;
            continue;
          }
          line = text.slice(start, nl);
        }
        if (line.length > this.maxLineLength) {
          this.onEvent({ type: 'oversizedLine', line: this.lineNo, length: line.length });
        } else if (cr) {
          this.handleCarriageReturns(line);
        } else {
          this.handleLine(line);
        }
      }
      start = nl + 1;
    }
    if (start < text.length) {
      const rest = text.length - start;
      if (this.discarding >= 0) {
        this.discarding += rest;
      } else {
        if (this.pending.length === 0) this.lineNo++;
        if (this.pending.length + rest > this.maxLineLength) {
          this.discarding = this.pending.length + rest;
          this.pending = '';
        } else {
          this.pending += text.slice(start);
        }
      }
    }
  }

  /**
   * The hot path, on the chunk itself (no substring per line): a `Train Epoch` record while no multi-line structure
   * is open. False when the line is anything else; handleLine then takes it (and reports a malformed one).
   */
  private trainStepIn(text: string, start: number, end: number): boolean {
    const msgStart = recordMessageStart(text, start, end);
    if (
      msgStart === -1 ||
      text.charCodeAt(msgStart) !== 84 /* T */ ||
      !text.startsWith('Train Epoch: ', msgStart) ||
      this.model !== null ||
      this.params !== null ||
      this.traceback !== null ||
      this.expectModelRepr
    ) {
      return false;
    }
    const timestamp = text.slice(start, start + 19);
    const event = parseTrainStepLine(text, msgStart, end, this.lineNo, timestamp);
    if (event === null) return false;
    this.lastTimestamp = timestamp;
    this.onEvent(event);
    return true;
  }

  /** CRLF, and tqdm bars that redraw with `\r`: each non-empty `\r`-separated piece is a line of its own. */
  private handleCarriageReturns(line: string): void {
    let start = 0;
    for (;;) {
      const cr = line.indexOf('\r', start);
      const piece = line.slice(start, cr === -1 ? line.length : cr);
      if (piece.length > 0) this.handleLine(piece);
      if (cr === -1) return;
      start = cr + 1;
    }
  }

  private handleLine(line: string): void {
    const msgStart = recordMessageStart(line, 0, line.length);
    if (msgStart === -1) {
      // A logging record glued after a tqdm fragment that had no newline: `…[00:01<00:00]2026-11-28,15:39:15 | …`.
      const glued = line.length > 30 && line.indexOf(' | ') !== -1 ? gluedRecord.exec(line) : null;
      if (glued !== null && glued.index > 0) {
        this.handleUnprefixed(line.slice(0, glued.index));
        const record = line.slice(glued.index);
        this.handleRecord(record, recordMessageStart(record, 0, record.length));
        return;
      }
      this.handleUnprefixed(line);
      return;
    }
    this.handleRecord(line, msgStart);
  }

  private handleRecord(line: string, msgStart: number): void {
    const timestamp = line.slice(0, 19);
    this.lastTimestamp = timestamp;
    const lineNo = this.lineNo;
    const first = line.charCodeAt(msgStart);
    // The hot path: a train step line closes nothing but an open params block or traceback.
    if (first === 84 /* T */ && line.startsWith('Train Epoch: ', msgStart)) {
      if (this.model || this.params || this.traceback || this.expectModelRepr) this.closeOpen();
      this.trainStep(line, msgStart, timestamp, lineNo);
      return;
    }
    if (this.params !== null) {
      if (first === 32 /* space */ && line.startsWith('  ', msgStart)) {
        this.params.builder.add(line.slice(msgStart), lineNo);
        return;
      }
    }
    if (this.expectModelRepr) {
      this.closeOpen();
      this.model = { line: lineNo, timestamp, lines: [line.slice(msgStart)], chars: line.length - msgStart };
      return;
    }
    this.closeOpen();
    const levelEnd = msgStart - 3;
    const message = line.slice(msgStart);
    switch (first) {
      case 69 /* E */:
        if (message.startsWith('Eval Epoch: ')) return this.evalEpoch(line, message, timestamp, lineNo);
        break;
      case 83 /* S */:
        if (message.startsWith('Start epoch ')) {
          const epoch = wholeNumber(message, 12, message.length);
          if (epoch === undefined) return this.unparsed('startEpoch', line, lineNo, timestamp);
          return this.onEvent({ type: 'startEpoch', line: lineNo, timestamp, epoch });
        }
        if (message === 'Starting zero-shot imagenet.') {
          return this.onEvent({ type: 'zeroShot', line: lineNo, timestamp, phase: 'start' });
        }
        break;
      case 70 /* F */:
        if (message.startsWith('Found latest resume checkpoint at ')) {
          return this.onEvent({
            type: 'resume',
            line: lineNo,
            timestamp,
            kind: 'foundLatest',
            path: stripFinalDot(message.slice(34)),
            epoch: null,
          });
        }
        if (message === 'Finished zero-shot imagenet.') {
          return this.onEvent({ type: 'zeroShot', line: lineNo, timestamp, phase: 'finish' });
        }
        break;
      case 78 /* N */:
        if (message.startsWith('No latest resume checkpoint found in ')) {
          return this.onEvent({
            type: 'resume',
            line: lineNo,
            timestamp,
            kind: 'noLatest',
            path: stripFinalDot(message.slice(37)),
            epoch: null,
          });
        }
        break;
      case 61 /* = */: {
        const m = resumeLine.exec(message);
        if (m !== null) {
          return this.onEvent({
            type: 'resume',
            line: lineNo,
            timestamp,
            kind: m[1] === 'resuming' ? 'resuming' : 'loaded',
            path: m[2]!,
            epoch: Number(m[3]),
          });
        }
        if (message.startsWith('=> resuming') || message.startsWith('=> loaded')) {
          return this.unparsed('resume', line, lineNo, timestamp);
        }
        break;
      }
      case 82 /* R */: {
        if (message.startsWith('Running with a single process. Device ')) {
          return this.onEvent({
            type: 'runStart',
            line: lineNo,
            timestamp,
            mode: 'single',
            device: stripFinalDot(message.slice(38)),
            rank: 0,
            localRank: 0,
            worldSize: 1,
          });
        }
        if (message.startsWith('Running in distributed mode')) {
          const m = distributedLine.exec(message);
          if (m === null) return this.unparsed('runStart', line, lineNo, timestamp);
          return this.onEvent({
            type: 'runStart',
            line: lineNo,
            timestamp,
            mode: 'distributed',
            device: m[1]!,
            rank: Number(m[2]),
            localRank: Number(m[3]),
            worldSize: Number(m[4]),
          });
        }
        break;
      }
      case 76 /* L */: {
        const m = loadedModelLine.exec(message);
        if (m !== null) return this.onEvent({ type: 'modelConfig', line: lineNo, timestamp, model: m[1]! });
        break;
      }
      case 77 /* M */:
        if (message === 'Model:') {
          this.expectModelRepr = true;
          return;
        }
        break;
      case 80 /* P */:
        if (message === 'Params:') {
          this.params = { line: lineNo, timestamp, builder: new ParamsBuilder() };
          return;
        }
        break;
      case 66 /* B */:
        if (message === 'Building zero-shot classifier') {
          return this.onEvent({ type: 'zeroShot', line: lineNo, timestamp, phase: 'buildClassifier' });
        }
        break;
      case 85 /* U */:
        if (message === 'Using classifier') {
          return this.onEvent({ type: 'zeroShot', line: lineNo, timestamp, phase: 'useClassifier' });
        }
        break;
      case 79 /* O */:
        if (message.startsWith('Obtained ')) {
          const m = obtainedLine.exec(message);
          if (m === null) return this.unparsed('samplesObtained', line, lineNo, timestamp);
          return this.onEvent({ type: 'samplesObtained', line: lineNo, timestamp, samples: Number(m[1]) });
        }
        break;
    }
    this.onEvent({ type: 'record', line: lineNo, timestamp, level: line.slice(22, levelEnd), message });
  }

  private handleUnprefixed(line: string): void {
    const lineNo = this.lineNo;
    if (this.model !== null) {
      // Continuation of the `str(model)` record; capped so a log that never logs again cannot grow it forever.
      if (this.model.chars < modelReprLimit) {
        this.model.lines.push(line);
        this.model.chars += line.length + 1;
      }
      // torch's module repr ends with a `)` in column 0: what follows is ordinary output again.
      if (line === ')') this.closeOpen();
      return;
    }
    if (this.traceback !== null) {
      const c = line.charCodeAt(0);
      if (c === 32 || c === 9) {
        this.traceback.frames.push(line);
        if (this.traceback.frames.length > tracebackFrameLimit) this.traceback.frames.shift();
        return;
      }
      if (line.trim() === '') return;
      const tb = this.traceback;
      this.traceback = null;
      const m = exceptionLine.exec(line);
      if (m !== null) {
        this.onEvent({
          type: 'traceback',
          line: tb.line,
          timestamp: tb.timestamp,
          exceptionType: m[1]!,
          message: m[2] ?? '',
          frames: tb.frames,
        });
        return;
      }
      this.onEvent(cutTraceback(tb));
    } else if (this.params !== null || this.expectModelRepr) {
      this.closeOpen();
    }
    const timestamp = this.lastTimestamp;
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (line.startsWith('Traceback (most recent call last)')) {
      this.traceback = { line: lineNo, timestamp, frames: [] };
      return;
    }
    if (trimmed.startsWith('Error. Experiment already exists')) {
      this.onEvent({ type: 'trainingError', line: lineNo, timestamp, kind: 'experimentExists', text: trimmed });
      return;
    }
    if (trimmed === 'Error running training. Exiting.') {
      this.onEvent({ type: 'trainingError', line: lineNo, timestamp, kind: 'trainingError', text: trimmed });
      return;
    }
    if (trimmed === 'Done training.') {
      this.onEvent({ type: 'doneTraining', line: lineNo, timestamp });
      return;
    }
    if (trimmed.startsWith('Running training on scale ')) {
      this.onEvent({ type: 'trainScale', line: lineNo, timestamp, scale: trimmed.slice(26).trim() });
      return;
    }
    const world = worldSizeLine.exec(trimmed);
    if (world !== null) {
      this.onEvent({ type: 'worldSize', line: lineNo, timestamp, worldSize: Number(world[1]) });
      return;
    }
    if (tqdmBar.test(line)) return;
    this.onEvent({ type: 'output', line: lineNo, timestamp, text: line.slice(0, outputTextLimit) });
  }

  /** Emits whatever multi-line structure is open: the params block, the model repr, a cut-off traceback. */
  private closeOpen(): void {
    this.expectModelRepr = false;
    if (this.params !== null) {
      const p = this.params;
      this.params = null;
      this.onEvent({ type: 'params', line: p.line, timestamp: p.timestamp, params: p.builder.build() });
    }
    if (this.model !== null) {
      const m = this.model;
      this.model = null;
      this.onEvent({
        type: 'modelRepr',
        line: m.line,
        timestamp: m.timestamp,
        text: m.lines.join('\n'),
        lineCount: m.lines.length,
      });
    }
    if (this.traceback !== null) {
      const tb = this.traceback;
      this.traceback = null;
      this.onEvent(cutTraceback(tb));
    }
  }

  private trainStep(line: string, msgStart: number, timestamp: string, lineNo: number): void {
    const event = parseTrainStepLine(line, msgStart, line.length, lineNo, timestamp);
    if (event === null) return this.unparsed('trainStep', line, lineNo, timestamp);
    this.onEvent(event);
  }

  private evalEpoch(line: string, message: string, timestamp: string, lineNo: number): void {
    const progress = valProgressLine.exec(message);
    if (progress !== null) {
      this.onEvent({
        type: 'valProgress',
        line: lineNo,
        timestamp,
        epoch: Number(progress[1]),
        samples: Number(progress[2]),
        total: Number(progress[3]),
        clipLoss: num(progress[4]!),
      });
      return;
    }
    // `"Eval Epoch: {epoch} " + "\t".join(f"{k}: {round(v, 4):.4f}")` (§2.3): keys may hold spaces, never TABs.
    const space = message.indexOf(' ', 12);
    const epoch = wholeNumber(message, 12, space === -1 ? message.length : space);
    if (epoch === undefined) return this.unparsed('evalMetrics', line, lineNo, timestamp);
    const metrics: Record<string, number> = {};
    if (space !== -1) {
      for (const part of message.slice(space + 1).split('\t')) {
        if (part === '') continue;
        const colon = part.lastIndexOf(': ');
        const value = colon === -1 ? undefined : parsePythonFloat(part.slice(colon + 2).trim());
        if (value === undefined) return this.unparsed('evalMetrics', line, lineNo, timestamp);
        metrics[part.slice(0, colon)] = value;
      }
    }
    this.onEvent({ type: 'evalMetrics', line: lineNo, timestamp, epoch, metrics });
  }

  private unparsed(
    expected: 'trainStep' | 'evalMetrics' | 'startEpoch' | 'resume' | 'runStart' | 'samplesObtained',
    line: string,
    lineNo: number,
    timestamp: string | null,
  ): void {
    this.onEvent({ type: 'unparsedLine', line: lineNo, timestamp, expected, text: line.slice(0, outputTextLimit) });
  }
}

/** All events of a whole log (for small inputs and tests; stream big files through LogParser). */
export function parseLogText(text: string | Uint8Array, options?: LogParserOptions): LogEvent[] {
  const events: LogEvent[] = [];
  const parser = new LogParser((event) => events.push(event), options);
  parser.write(text);
  parser.end();
  return events;
}

const modelReprLimit = 4 * 1024 * 1024;
const tracebackFrameLimit = 400;
const outputTextLimit = 4096;

/**
 * Where the message of a `%Y-%m-%d,%H:%M:%S | LEVEL | message` record starts (contracts §2.1), as an offset into
 * `text`, for the line `text[start, end)`; -1 when that line is not a logging record. Checked by character codes:
 * this runs on every line of a multi-GB log.
 */
function recordMessageStart(text: string, start: number, end: number): number {
  if (
    end - start < 26 ||
    text.charCodeAt(start + 4) !== 45 ||
    text.charCodeAt(start + 7) !== 45 ||
    text.charCodeAt(start + 10) !== 44 ||
    text.charCodeAt(start + 13) !== 58 ||
    text.charCodeAt(start + 16) !== 58 ||
    text.charCodeAt(start + 19) !== 32 ||
    text.charCodeAt(start + 20) !== 124 ||
    text.charCodeAt(start + 21) !== 32
  ) {
    return -1;
  }
  if (
    !isDigit(text.charCodeAt(start)) ||
    !isDigit(text.charCodeAt(start + 1)) ||
    !isDigit(text.charCodeAt(start + 2)) ||
    !isDigit(text.charCodeAt(start + 3)) ||
    !isDigit(text.charCodeAt(start + 5)) ||
    !isDigit(text.charCodeAt(start + 6)) ||
    !isDigit(text.charCodeAt(start + 8)) ||
    !isDigit(text.charCodeAt(start + 9)) ||
    !isDigit(text.charCodeAt(start + 11)) ||
    !isDigit(text.charCodeAt(start + 12)) ||
    !isDigit(text.charCodeAt(start + 14)) ||
    !isDigit(text.charCodeAt(start + 15)) ||
    !isDigit(text.charCodeAt(start + 17)) ||
    !isDigit(text.charCodeAt(start + 18))
  ) {
    return -1;
  }
  if (text.startsWith('INFO | ', start + 22)) return start + 29;
  const bar = text.indexOf(' | ', start + 22);
  if (bar === -1 || bar >= end || bar - start - 22 > 10) return -1;
  for (let i = start + 22; i < bar; i++) {
    const c = text.charCodeAt(i);
    if (c < 65 || c > 90) return -1;
  }
  return bar + 3;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A number as Python prints it with `%f`, `%g` or `#g`: digits with an optional exponent, or nan/inf. */
const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?(?:e[-+]?\d+)?|nan|inf)`;

const valProgressLine = new RegExp(String.raw`^Eval Epoch: (\d+) \[(\d+) / (\d+)\]\tClip Loss: (${NUM})`);
const resumeLine = /^=> (resuming|loaded) checkpoint '(.*)' \(epoch (\d+)\)$/;
const distributedLine =
  /^Running in distributed mode with multiple processes\. Device: (.*?)\.Process \(global: (\d+), local (\d+)\), total (\d+)\.$/;
const loadedModelLine = /^Loaded (.+) model config\.$/;
const obtainedLine = /^Obtained (\d+) samples\.$/;
const worldSizeLine = /^World size is (\d+)\.$/;
/** The last line of a traceback: `ValueError: bad value`, `torch.cuda.OutOfMemoryError: …`, `KeyboardInterrupt`. */
const exceptionLine = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/;
const gluedRecord = /\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2} \| [A-Z]{1,10} \| /;
/** tqdm's bar: ` 45%|████▌     | 450/1000 [00:10<00:12, 43.2it/s]`. */
const tqdmBar = /\d{1,3}%\|[^|]*\|\s*\d+\/\d+/;

function num(text: string): number {
  const c = text.charCodeAt(text.length - 1);
  if (c === 110 /* n */) return NaN;
  if (c === 102 /* f */) return text.charCodeAt(0) === 45 ? -Infinity : Infinity;
  return Number(text);
}

function wholeNumber(text: string, start: number, end: number): number | undefined {
  if (end <= start || end - start > 15) return undefined;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(text.slice(start, end));
}

function stripFinalDot(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

function cutTraceback(tb: { line: number; timestamp: string | null; frames: string[] }): TracebackEvent {
  return {
    type: 'traceback',
    line: tb.line,
    timestamp: tb.timestamp,
    exceptionType: null,
    message: '',
    frames: tb.frames,
  };
}
