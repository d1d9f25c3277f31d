import type { ChainWire, StepLineageWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { protocolMark, protocolTooltip } from '../../src/protocol/protocolMarks';
import { buildCsv, type CsvCell } from '../../src/shared/csv';
import { formatTimeStep } from '../../src/tic/ticTimeStep';
import { formatCount } from '../shared/format';
import { formatPercent, metricKey } from './matrixMath';
import { formatSamples } from './volumeFormat';

/**
 * The steps table's model (no DOM): one row per (chain, step) that has an experiment or a published checkpoint,
 * its parameters and results as columns the user picks, sorted, filtered, exported as CSV, and the parameters
 * that differ between two rows.
 */

export const stepsColumnIds = [
  'chain',
  'step',
  'experiment',
  'state',
  'scale',
  'model',
  'globalBatch',
  'batchSize',
  'accumFreq',
  'gpus',
  'lr',
  'samples',
  'samplesSeen',
  'warmup',
  'epochs',
  'lineage',
  'id',
  'backward',
  'forward',
  'imagenet',
  'protocol',
] as const;
export type StepsColumnId = (typeof stepsColumnIds)[number];

type Kind = 'text' | 'count' | 'samples' | 'lr' | 'percent';

export interface StepsColumn {
  id: StepsColumnId;
  /** The header people read. */
  title: string;
  /** The CSV header (pandas-friendly). */
  csv: string;
  kind: Kind;
  /** Shown until the user chooses. */
  byDefault: boolean;
  /** Always shown (not in the Columns… list): what names a row. */
  fixed?: boolean;
  /** The header's tooltip. */
  help: string;
}

export const stepsColumns: readonly StepsColumn[] = [
  {
    id: 'chain',
    title: 'Chain',
    csv: 'chain',
    kind: 'text',
    byDefault: true,
    fixed: true,
    help: 'The chain (lineage)',
  },
  { id: 'step', title: 'Step', csv: 'step', kind: 'count', byDefault: true, fixed: true, help: 'The training step' },
  { id: 'experiment', title: 'Experiment', csv: 'experiment', kind: 'text', byDefault: false, help: 'Its folder' },
  { id: 'state', title: 'State', csv: 'state', kind: 'text', byDefault: true, help: 'Training and evaluation' },
  { id: 'scale', title: 'Scale', csv: 'scale', kind: 'text', byDefault: true, help: 'The TiC scale' },
  { id: 'model', title: 'Model', csv: 'model', kind: 'text', byDefault: false, help: 'The CLIP model' },
  {
    id: 'globalBatch',
    title: 'Global batch',
    csv: 'global_batch',
    kind: 'count',
    byDefault: true,
    help: 'Per-GPU batch × GPUs × gradient accumulation',
  },
  { id: 'batchSize', title: 'Batch per GPU', csv: 'batch_size', kind: 'count', byDefault: false, help: 'Per GPU' },
  {
    id: 'accumFreq',
    title: 'Accumulation',
    csv: 'accum_freq',
    kind: 'count',
    byDefault: false,
    help: 'Batches per optimizer step',
  },
  { id: 'gpus', title: 'GPUs', csv: 'gpus', kind: 'count', byDefault: true, help: 'GPUs (world size)' },
  { id: 'lr', title: 'LR', csv: 'lr', kind: 'lr', byDefault: true, help: 'Peak learning rate' },
  {
    id: 'samples',
    title: 'Samples',
    csv: 'samples',
    kind: 'samples',
    byDefault: true,
    help: 'Samples the step was given (per epoch × epochs)',
  },
  {
    id: 'samplesSeen',
    title: 'Samples seen',
    csv: 'samples_seen',
    kind: 'samples',
    byDefault: false,
    help: 'Samples the optimizer saw, from the training log',
  },
  { id: 'warmup', title: 'Warmup', csv: 'warmup', kind: 'count', byDefault: true, help: 'Warmup steps' },
  { id: 'epochs', title: 'Epochs', csv: 'epochs', kind: 'count', byDefault: false, help: 'Epochs (checkpoints)' },
  {
    id: 'lineage',
    title: 'Resumed from',
    csv: 'resumed_from',
    kind: 'text',
    byDefault: true,
    help: 'The checkpoint the step started from',
  },
  {
    id: 'id',
    title: 'ID',
    csv: 'id',
    kind: 'percent',
    byDefault: true,
    help: 'In-distribution: evaluated on its own year (percent)',
  },
  {
    id: 'backward',
    title: 'Backward',
    csv: 'backward',
    kind: 'percent',
    byDefault: true,
    help: 'Evaluated on earlier years (percent)',
  },
  {
    id: 'forward',
    title: 'Forward',
    csv: 'forward',
    kind: 'percent',
    byDefault: true,
    help: 'Evaluated on later years (percent)',
  },
  {
    id: 'imagenet',
    title: 'ImageNet top-1',
    csv: 'imagenet_top1',
    kind: 'percent',
    byDefault: true,
    help: 'ImageNet zero-shot top-1 (percent)',
  },
  {
    id: 'protocol',
    title: 'Protocol',
    csv: 'protocol',
    kind: 'text',
    byDefault: false,
    help: "Whether the step follows the paper's protocol",
  },
];

const columnById = new Map(stepsColumns.map((c) => [c.id, c]));

export function stepsColumn(id: StepsColumnId): StepsColumn {
  return columnById.get(id)!;
}

/** The columns shown: the fixed ones, then the chosen ones (the defaults while `chosen` is null), in table order. */
export function visibleColumns(chosen: readonly StepsColumnId[] | null): StepsColumn[] {
  return stepsColumns.filter((c) => c.fixed || (chosen === null ? c.byDefault : chosen.includes(c.id)));
}

export type CellValue = string | number | null;

export interface StepRow {
  /** Unique per (chain, step). */
  key: string;
  chain: string;
  chainLabel: string;
  step: number;
  /** `2017`, `2020-01`. */
  stepText: string;
  values: Record<StepsColumnId, CellValue>;
  /** Tooltips of some cells (the global batch's factors, the checkpoint path). */
  titles: Partial<Record<StepsColumnId, string>>;
  lineage: StepLineageWire | null;
  /** params.txt; null for a published checkpoint or a host that does not send it. */
  params: ReadonlyMap<string, string> | null;
}

export function rowKey(chain: string, step: number): string {
  return JSON.stringify([chain, step]);
}

/** A transfer metric the chains have a summary of (`family/metric`), main metric first. */
export function transferMetrics(chains: readonly ChainWire[]): { key: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const chain of chains)
    for (const t of chain.transfer) {
      const key = metricKey(t.family, t.metric);
      if (!seen.has(key)) seen.set(key, `${t.family} · ${t.metric}`);
    }
  return [...seen].map(([key, label]) => ({ key, label }));
}

/**
 * One row per step of every chain that has an experiment or stands for a published checkpoint, in the chains'
 * order; the ID / backward / forward columns are of `metric` (`family/metric`).
 */
export function stepRows(chains: readonly ChainWire[], metric: string | null): StepRow[] {
  const rows: StepRow[] = [];
  for (const chain of chains) {
    const transfer = chain.transfer.find((t) => metricKey(t.family, t.metric) === metric);
    for (const node of chain.steps) {
      if (node.experiment === null && !node.published) continue;
      const perStep = transfer?.perStep.find((p) => p.year === node.year);
      const imagenet =
        chain.imagenet.find((i) => i.year === node.year && i.source === 'evalResults') ??
        chain.imagenet.find((i) => i.year === node.year);
      const p = node.params;
      const titles: StepRow['titles'] = {};
      if (p?.globalBatch != null && p.batchSize !== null && p.worldSize !== null)
        titles.globalBatch = `${p.batchSize} per GPU × ${p.worldSize} GPUs × accumulation ${p.accumFreq ?? 1}`;
      if (p?.lineage.path) titles.lineage = p.lineage.path;
      if (p?.samples != null) titles.samples = formatCount(p.samples);
      if (p?.samplesSeen != null) titles.samplesSeen = formatCount(p.samplesSeen);
      if (node.protocol) titles.protocol = protocolTooltip(node.protocol);
      if (imagenet) titles.imagenet = imagenet.source === 'evalResults' ? 'From the evaluation' : 'From training';
      if (node.experiment !== null) titles.experiment = node.experiment;
      rows.push({
        key: rowKey(chain.key, node.year),
        chain: chain.key,
        chainLabel: chain.label,
        step: node.year,
        stepText: formatTimeStep(node.year),
        values: {
          chain: chain.label,
          step: node.year,
          experiment: node.expName,
          state: stateText(node),
          scale: p?.scale ?? null,
          model: p?.model ?? null,
          globalBatch: p?.globalBatch ?? null,
          batchSize: p?.batchSize ?? null,
          accumFreq: p?.accumFreq ?? null,
          gpus: p?.worldSize ?? null,
          lr: p?.lr ?? null,
          samples: p?.samples ?? null,
          samplesSeen: p?.samplesSeen ?? null,
          warmup: p?.warmup ?? null,
          epochs: p?.epochs ?? null,
          lineage: p?.lineage.text ?? null,
          id: perStep?.id ?? null,
          backward: perStep?.backward ?? null,
          forward: perStep?.forward ?? null,
          imagenet: imagenet?.top1 ?? null,
          protocol: node.protocol ? protocolMark(node.protocol) : null,
        },
        titles,
        lineage: p?.lineage ?? null,
        params: p && node.experiment !== null ? new Map(p.values) : null,
      });
    }
  }
  return rows;
}

const runWords: Record<StepNodeWire['run'], string> = {
  none: 'not started',
  queued: 'queued',
  running: 'running',
  finished: 'finished',
  incomplete: 'incomplete',
  failed: 'failed',
};
const evalWords: Record<StepNodeWire['evaluation'], string> = {
  done: 'evaluated',
  partial: 'partly evaluated',
  missing: 'not evaluated',
};

/** `finished · evaluated`, `running 40 % · not evaluated`, `published · evaluated`. */
export function stateText(node: StepNodeWire): string {
  const run =
    node.experiment === null && node.published
      ? 'published'
      : node.run === 'running' && node.progress !== null
        ? `running ${Math.round(node.progress * 100)} %`
        : runWords[node.run];
  return `${run} · ${evalWords[node.evaluation]}`;
}

/** What a cell shows: `—` when missing (never 0), percentages with one decimal, samples as `18.4M`. */
export function formatCell(column: StepsColumn, value: CellValue): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  switch (column.kind) {
    case 'percent':
      return formatPercent(value);
    case 'samples':
      return formatSamples(value);
    case 'lr':
      return formatLr(value);
    case 'count':
      return column.id === 'step' ? formatTimeStep(value) : formatCount(value);
    case 'text':
      return String(value);
  }
}

/** A learning rate as people write it: `5e-4`, `1e-3`, `0.05`. */
export function formatLr(lr: number): string {
  if (lr === 0) return '0';
  return lr < 0.01 ? lr.toExponential() : String(lr);
}

export interface StepsSort {
  column: StepsColumnId;
  descending: boolean;
}

/**
 * Sorted by a column: numbers as numbers, text in natural order (`2 < 10`), missing values last in either
 * direction, ties in the given order.
 */
export function sortRows(rows: readonly StepRow[], sort: StepsSort | null): StepRow[] {
  if (sort === null) return [...rows];
  const sign = sort.descending ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const va = a.row.values[sort.column];
      const vb = b.row.values[sort.column];
      if (va === null || vb === null) return va === vb ? a.index - b.index : va === null ? 1 : -1;
      const order =
        typeof va === 'number' && typeof vb === 'number'
          ? va - vb
          : String(va).localeCompare(String(vb), 'en', { numeric: true, sensitivity: 'base' });
      return order === 0 ? a.index - b.index : sign * order;
    })
    .map((x) => x.row);
}

/**
 * The rows matching every word of `query` (case-insensitive) in their chain, step, experiment or any text cell
 * (state, scale, model, resumed from, protocol).
 */
export function filterRows(rows: readonly StepRow[], query: string): StepRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const text = [
      row.chainLabel,
      row.stepText,
      ...stepsColumns.filter((c) => c.kind === 'text').map((c) => row.values[c.id]),
    ]
      .filter((v): v is string => typeof v === 'string')
      .join('\n')
      .toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/**
 * The rows and columns shown, as CSV: numbers at full precision (results as fractions, as evaluate.py writes
 * them), missing cells empty; `transfer_metric` says whose ID / backward / forward they are.
 */
export function stepsCsv(rows: readonly StepRow[], columns: readonly StepsColumn[], metric: string | null): string {
  const transfer = columns.some((c) => c.id === 'id' || c.id === 'backward' || c.id === 'forward');
  const header = [...columns.map((c) => c.csv), ...(transfer ? ['transfer_metric'] : [])];
  const body = rows.map((row): CsvCell[] => [
    ...columns.map((c) => (c.id === 'step' ? row.stepText : row.values[c.id])),
    ...(transfer ? [metric] : []),
  ]);
  return buildCsv(header, body);
}

export interface ParamDifference {
  name: string;
  /** null: the step's parameters do not have the key. */
  a: string | null;
  b: string | null;
}

/** The parameters whose values differ between two steps (or that only one has), by name. */
export function paramDiff(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): ParamDifference[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.map((name) => ({ name, a: a.get(name) ?? null, b: b.get(name) ?? null })).filter((d) => d.a !== d.b);
}

/** What the table remembers across reloads (part of the dashboard's state). */
export interface StepsTableState {
  /** The optional columns shown; null = the defaults. */
  columns: StepsColumnId[] | null;
  sort: StepsSort | null;
  filter: string;
  /** `family/metric` of the ID / backward / forward columns; null = the first one. */
  metric: string | null;
}

export function defaultStepsState(): StepsTableState {
  return { columns: null, sort: null, filter: '', metric: null };
}

const isColumnId = (v: unknown): v is StepsColumnId => stepsColumnIds.includes(v as StepsColumnId);

/** A saved state read back like any input: each valid field kept, the others defaulted. */
export function restoreStepsState(saved: unknown): StepsTableState {
  const state = defaultStepsState();
  if (typeof saved !== 'object' || saved === null) return state;
  const s = saved as Record<string, unknown>;
  if (Array.isArray(s.columns)) state.columns = [...new Set(s.columns.filter(isColumnId))];
  const sort = s.sort as Record<string, unknown> | null | undefined;
  if (typeof sort === 'object' && sort !== null && isColumnId(sort.column) && typeof sort.descending === 'boolean')
    state.sort = { column: sort.column, descending: sort.descending };
  if (typeof s.filter === 'string' && s.filter.length <= 200) state.filter = s.filter;
  if (typeof s.metric === 'string' && s.metric.length <= 1000) state.metric = s.metric;
  return state;
}
