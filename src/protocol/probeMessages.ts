/**
 * The host ⇄ Probe panel protocol: message types and their runtime validators, used on both sides. Anything that
 * is not exactly a known message is a ProtocolError, which the receiver drops and logs. Imports only src/protocol/.
 */
import {
  arr,
  attempt,
  exact,
  fail,
  int,
  nullable,
  num,
  oneOf,
  parseByType,
  type ParserTable,
  type ProtocolError,
  record,
  requestId,
  str,
} from './validate';

export { ProtocolError } from './validate';

export const probeModes = ['labels', 'captions'] as const;
export type ProbeMode = (typeof probeModes)[number];

/** An exported checkpoint the probe can run (an export folder with probe.json and the two ONNX towers). */
export interface ProbeModelWire {
  /** Stable id: the export folder. */
  id: string;
  /** What people read: `cumulative 2022 (ViT-B-16)` or the checkpoint's file name. */
  label: string;
  arch: string;
  /** The checkpoint it was exported from. */
  source: string;
}

export interface ProbeImageWire {
  id: string;
  name: string;
  width: number;
  height: number;
  /** A small PNG/JPEG data URL for the thumbnail (the host makes it; CSP allows data: images). */
  thumbnail: string;
}

export interface ProbeStateWire {
  models: ProbeModelWire[];
  images: ProbeImageWire[];
  /** Why probing cannot run here (no ONNX runtime, untrusted workspace…), or null. */
  notice: string | null;
  /**
   * The labels that came with the sample images the host loaded (the sample folder's labels.txt), or null: a panel
   * opened for the first time starts with them, so Run works at once.
   */
  exampleLabels: string[] | null;
}

/** Per model: probabilities[image][text] (softmax over the texts, per image). */
export interface LabelResultWire {
  model: string;
  probabilities: number[][];
}

/** Per model, image i paired with caption i: how often the right caption is in the top 1 / 5 (and vice versa). */
export interface CaptionResultWire {
  model: string;
  imageToText: { r1: number; r5: number };
  textToImage: { r1: number; r5: number };
}

export type ProbeToHost =
  | { type: 'ready' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string }
  | { type: 'addImage'; name: string; dataUrl: string }
  | { type: 'removeImage'; id: string }
  | { type: 'exportCheckpoint' }
  | { type: 'run'; requestId: number; mode: ProbeMode; models: string[]; images: string[]; texts: string[] }
  | { type: 'cancel'; requestId: number };

export type HostToProbe =
  | ({ type: 'state' } & ProbeStateWire)
  | { type: 'progress'; requestId: number; done: number; total: number; message: string }
  | {
      type: 'result';
      requestId: number;
      mode: ProbeMode;
      images: string[];
      texts: string[];
      labels: LabelResultWire[] | null;
      captions: CaptionResultWire[] | null;
      elapsedMs: number;
    }
  | { type: 'error'; requestId: number | null; message: string };

const maxText = 1000;
const maxTexts = 1000;
const maxImages = 500;
const maxId = 10_000;
/** Example labels come from a sample folder's labels.txt (src/probe/imageFile.ts keeps at most 50). */
const maxExampleLabels = 100;
/** An image dropped or picked in the webview, as a data URL: 25 MB of base64. */
const maxImageDataUrl = 25 * 1024 * 1024;

const ids = (v: unknown, what: string, max: number): string[] => arr(v, what, (x) => str(x, what, maxId), max);
const fraction = (v: unknown, what: string): number => {
  const n = num(v, what);
  return n >= 0 && n <= 1 ? n : fail(`${what} is not in [0, 1]`);
};

/** The parser of each message the panel sends (a message type without one does not compile). */
export const probeToHostParsers: ParserTable<ProbeToHost> = {
  ready: (m) => {
    exact(m, ['type']);
    return { type: 'ready' };
  },
  exportCheckpoint: (m) => {
    exact(m, ['type']);
    return { type: 'exportCheckpoint' };
  },
  log: (m) => {
    exact(m, ['type', 'level', 'text']);
    return {
      type: 'log',
      level: oneOf(m.level, 'level', ['info', 'warn', 'error'] as const),
      text: str(m.text, 'text', 4000),
    };
  },
  addImage: (m) => {
    exact(m, ['type', 'name', 'dataUrl']);
    const dataUrl = str(m.dataUrl, 'dataUrl', maxImageDataUrl);
    if (!/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]*={0,2}$/.test(dataUrl)) fail('not a PNG or JPEG data URL');
    return { type: 'addImage', name: str(m.name, 'name', 500), dataUrl };
  },
  removeImage: (m) => {
    exact(m, ['type', 'id']);
    return { type: 'removeImage', id: str(m.id, 'id', maxId) };
  },
  run: (m) => {
    exact(m, ['type', 'requestId', 'mode', 'models', 'images', 'texts']);
    const texts = arr(m.texts, 'texts', (t) => str(t, 'text', maxText), maxTexts);
    if (texts.some((t) => t.trim() === '')) fail('an empty text');
    return {
      type: 'run',
      requestId: requestId(m.requestId),
      mode: oneOf(m.mode, 'mode', probeModes),
      models: ids(m.models, 'models', 50),
      images: ids(m.images, 'images', maxImages),
      texts,
    };
  },
  cancel: (m) => {
    exact(m, ['type', 'requestId']);
    return { type: 'cancel', requestId: requestId(m.requestId) };
  },
};

export function parseProbeMessage(raw: unknown): ProbeToHost | ProtocolError {
  return attempt(() =>
    parseByType(probeToHostParsers, raw, (type) => fail(`unknown type ${JSON.stringify(String(type)).slice(0, 60)}`)),
  );
}

/** The parser of each message the host sends (a message type without one does not compile). */
export const hostToProbeParsers: ParserTable<HostToProbe> = {
  state: (m) => ({
    type: 'state',
    models: arr(
      m.models,
      'models',
      (x) => {
        const r = record(x, 'model');
        return {
          id: str(r.id, 'id', maxId),
          label: str(r.label, 'label', 1000),
          arch: str(r.arch, 'arch', 200),
          source: str(r.source, 'source', maxId),
        };
      },
      500,
    ),
    images: arr(
      m.images,
      'images',
      (x) => {
        const r = record(x, 'image');
        const thumbnail = str(r.thumbnail, 'thumbnail', 2 * 1024 * 1024);
        if (!/^data:image\/(png|jpeg);base64,/.test(thumbnail)) fail('thumbnail is not an image data URL');
        return {
          id: str(r.id, 'id', maxId),
          name: str(r.name, 'name', 500),
          width: int(r.width, 'width', 0, 1_000_000),
          height: int(r.height, 'height', 0, 1_000_000),
          thumbnail,
        };
      },
      maxImages,
    ),
    notice: nullable(m.notice, (x) => str(x, 'notice', 4000)),
    exampleLabels: nullable(m.exampleLabels, (v) =>
      arr(
        v,
        'exampleLabels',
        (t) => {
          const label = str(t, 'example label', maxText);
          return label.trim() === '' ? fail('an empty example label') : label;
        },
        maxExampleLabels,
      ),
    ),
  }),
  progress: (m) => ({
    type: 'progress',
    requestId: requestId(m.requestId),
    done: int(m.done, 'done', 0, Number.MAX_SAFE_INTEGER),
    total: int(m.total, 'total', 0, Number.MAX_SAFE_INTEGER),
    message: str(m.message, 'message', 1000),
  }),
  result: (m) => {
    const images = ids(m.images, 'images', maxImages);
    const texts = arr(m.texts, 'texts', (t) => str(t, 'text', maxText), maxTexts);
    const labels = nullable(m.labels, (v) =>
      arr(
        v,
        'labels',
        (x) => {
          const r = record(x, 'label result');
          const probabilities = arr(
            r.probabilities,
            'probabilities',
            (row) => arr(row, 'row', (p) => fraction(p, 'probability'), texts.length),
            images.length,
          );
          if (probabilities.length !== images.length || probabilities.some((row) => row.length !== texts.length))
            fail('probabilities shape');
          return { model: str(r.model, 'model', maxId), probabilities };
        },
        50,
      ),
    );
    const pair = (v: unknown, what: string) => {
      const r = record(v, what);
      return { r1: fraction(r.r1, `${what}.r1`), r5: fraction(r.r5, `${what}.r5`) };
    };
    const captions = nullable(m.captions, (v) =>
      arr(
        v,
        'captions',
        (x) => {
          const r = record(x, 'caption result');
          return {
            model: str(r.model, 'model', maxId),
            imageToText: pair(r.imageToText, 'imageToText'),
            textToImage: pair(r.textToImage, 'textToImage'),
          };
        },
        50,
      ),
    );
    return {
      type: 'result',
      requestId: requestId(m.requestId),
      mode: oneOf(m.mode, 'mode', probeModes),
      images,
      texts,
      labels,
      captions,
      elapsedMs: num(m.elapsedMs, 'elapsedMs'),
    };
  },
  error: (m) => ({
    type: 'error',
    requestId: nullable(m.requestId, requestId),
    message: str(m.message, 'message', 4000),
  }),
};

export function parseHostToProbe(raw: unknown): HostToProbe | ProtocolError {
  return attempt(() => parseByType(hostToProbeParsers, raw, () => fail('unknown type')));
}
