/**
 * A training step's parameters on the dashboard wire (issue 17, the steps table): what params.txt says of the
 * step (batch, GPUs, learning rate, samples, warmup), what it resumed from, and the params map itself for the
 * parameter diff of two steps. Optional on a step node (`StepNodeWire.params`): older hosts do not send it.
 * Bounded like every field: at most `maxParamKeys` keys, each value cut to `maxParamValue` characters.
 */
import { arr, bool, fail, int, nullable, num, oneOf, record, str } from './validate';
import { isTicMonth } from '../tic/ticMonths';

/** params.txt has ~110 keys in OpenCLIP 2.24; more than this are left out (and counted). */
export const maxParamKeys = 200;
/** A value longer than this (a long train_data list of shards) is cut in the middle (`…`), keeping both ends. */
export const maxParamValue = 1000;
export const maxParamName = 100;

export const lineageKinds = ['scratch', 'experiment', 'published', 'external', 'unknown'] as const;
export type LineageKind = (typeof lineageKinds)[number];

/** Where a step's weights came from, for people and for the table's lineage column. */
export interface StepLineageWire {
  /**
   * - `scratch`: params.txt names no checkpoint to resume;
   * - `experiment`: a step of the workspace (`chain`, `year` when a chain holds it);
   * - `published`: a published TiC-CLIP checkpoint (or the step is one);
   * - `external`: a checkpoint outside the workspace's experiments;
   * - `unknown`: the files do not say.
   */
  kind: LineageKind;
  /**
   * For people, lower case: `resumed from cumulative 2017`, `forked from cumulative 2016`, `resumed from published
   * apple/TiC-CLIP-basic-cumulative 2016`, `from scratch`, `not recorded`.
   */
  text: string;
  /** The chain holding the step it resumed from, when one does. */
  chain: string | null;
  /** That step (a year, or a TiC month). */
  year: number | null;
  /** The checkpoint as params.txt names it; null from scratch. */
  path: string | null;
  /** The step is a variant's first own step: it forks from `chain` at `year`. */
  fork: boolean;
}

export interface StepParamsWire {
  /** The chain's TiC scale (`tic_medium`), null when unknown. */
  scale: string | null;
  model: string | null;
  /** Per-GPU batch size (`batch_size`). */
  batchSize: number | null;
  accumFreq: number | null;
  /** GPUs (`world_size`). */
  worldSize: number | null;
  /** batch_size × accum_freq × world_size. */
  globalBatch: number | null;
  lr: number | null;
  warmup: number | null;
  epochs: number | null;
  /** train_num_samples × epochs: the samples the step was given. */
  samples: number | null;
  /** Samples the optimizer saw over every start (the protocol guard's accounting); null when not known. */
  samplesSeen: number | null;
  lineage: StepLineageWire;
  /** params.txt (else the log's `Params:` block) as `[name, value]`, sorted by name; empty without either. */
  values: [string, string][];
  /** Keys left out past `maxParamKeys`. */
  omitted: number;
}

const count = (v: unknown, what: string): number | null => nullable(v, (x) => int(x, what, 0, Number.MAX_SAFE_INTEGER));

const finite = (v: unknown, what: string): number | null =>
  nullable(v, (x) => {
    const n = num(x, what);
    return Number.isFinite(n) ? n : fail(`${what} is not finite`);
  });

/** A year or a TiC month (`YYYYMM`). */
const step = (v: unknown, what: string): number => {
  const n = int(v, what, 1900, 999912);
  return n <= 2200 || isTicMonth(n) ? n : fail(`${what} is not a year or a TiC month`);
};

export function parseStepLineage(v: unknown): StepLineageWire {
  const l = record(v, 'lineage');
  return {
    kind: oneOf(l.kind, 'lineage.kind', lineageKinds),
    text: str(l.text, 'lineage.text', 500),
    chain: nullable(l.chain, (x) => str(x, 'lineage.chain', 500)),
    year: nullable(l.year, (x) => step(x, 'lineage.year')),
    path: nullable(l.path, (x) => str(x, 'lineage.path', 10_000)),
    fork: bool(l.fork, 'lineage.fork'),
  };
}

export function parseStepParams(v: unknown): StepParamsWire {
  const p = record(v, 'params');
  const names = new Set<string>();
  const values = arr(
    p.values,
    'params.values',
    (pair): [string, string] => {
      if (!Array.isArray(pair) || pair.length !== 2) fail('a param is not [name, value]');
      const name = str(pair[0], 'param name', maxParamName);
      // Plain keys only: nothing that could reach an object's prototype once the webview indexes by name.
      if (!isPlainParamName(name) || names.has(name)) fail('a param name is not a unique plain name');
      names.add(name);
      return [name, str(pair[1], 'param value', maxParamValue)];
    },
    maxParamKeys,
  );
  const lr = finite(p.lr, 'lr');
  return {
    scale: nullable(p.scale, (x) => str(x, 'scale', 100)),
    model: nullable(p.model, (x) => str(x, 'model', 200)),
    batchSize: count(p.batchSize, 'batchSize'),
    accumFreq: count(p.accumFreq, 'accumFreq'),
    worldSize: count(p.worldSize, 'worldSize'),
    globalBatch: count(p.globalBatch, 'globalBatch'),
    lr: lr === null || lr >= 0 ? lr : fail('lr is negative'),
    warmup: count(p.warmup, 'warmup'),
    epochs: count(p.epochs, 'epochs'),
    samples: count(p.samples, 'samples'),
    samplesSeen: count(p.samplesSeen, 'samplesSeen'),
    lineage: parseStepLineage(p.lineage),
    values,
    omitted: int(p.omitted, 'omitted', 0, 1_000_000),
  };
}

/** `batch_size`, `lr`, `train_data`: letters, digits, `_ . -`; never `__proto__`. */
export function isPlainParamName(name: string): boolean {
  return name.length <= maxParamName && /^[A-Za-z_][\w.-]*$/.test(name) && name !== '__proto__';
}
