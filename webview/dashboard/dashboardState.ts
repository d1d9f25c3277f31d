import { lossAxes, lossFields, type LossAxis, type LossField } from '../../src/protocol/dashboardMessages';
import type { XRange } from '../shared/zoomRange';
import { defaultStepsState, restoreStepsState, type StepsTableState } from './stepsTable';

export const dashboardTabs = ['timeline', 'losses', 'matrices', 'steps'] as const;
export type DashboardTab = (typeof dashboardTabs)[number];

/** What the dashboard remembers across reloads (vscode.getState/setState). */
export interface DashboardState {
  tab: DashboardTab;
  /** Chains shown in the loss chart; null = the default (the first few chains). */
  chains: string[] | null;
  field: LossField;
  axis: LossAxis;
  xLog: boolean;
  yLog: boolean;
  /** EMA weight 0…0.99. */
  smoothing: number;
  /** The EMA starts afresh at each step (default), so the jump where a year's data comes in stays sharp. */
  emaPerStep: boolean;
  /** While zoomed: the zoom window slides to the newest points as a live run logs them. */
  followLatest: boolean;
  /** Visible x range on `axis`; null = everything. */
  zoom: XRange | null;
  /** `family/metric` of the matrices tab; null = the first one present. */
  metric: string | null;
  diffA: string | null;
  diffB: string | null;
  /** Chains whose per-step transfer rows are open. */
  expanded: string[];
  /** The transfer summaries use only the steps every chain has results for. */
  commonSteps: boolean;
  /** The transfer summaries count the steps whose training did not finish (default: left out). */
  includeUnfinished: boolean;
  /**
   * Per monthly chain (key), the eval year whose months its heatmap shows; a chain not here shows the yearly
   * roll-up (the default: 102 month columns do not fit).
   */
  monthlyColumns: Record<string, number>;
  /** The steps tab: its columns, sort, filter and transfer metric. */
  steps: StepsTableState;
}

export const maxSmoothing = 0.99;

export function defaultDashboardState(): DashboardState {
  return {
    tab: 'timeline',
    chains: null,
    field: 'loss',
    axis: 'samples',
    xLog: false,
    yLog: false,
    smoothing: 0.6,
    emaPerStep: true,
    followLatest: false,
    zoom: null,
    metric: null,
    diffA: null,
    diffB: null,
    expanded: [],
    commonSteps: false,
    includeUnfinished: false,
    monthlyColumns: {},
    steps: defaultStepsState(),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const strings = (v: unknown, max: number): string[] | null =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string').slice(0, max) : null;
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' && v.length <= 1000 ? v : null);

/** Clamps an EMA weight to 0…0.99 (the host refuses 1 and above); anything unreadable is 0. */
export function clampSmoothing(v: number): number {
  return Number.isFinite(v) ? Math.min(maxSmoothing, Math.max(0, Math.round(v * 100) / 100)) : 0;
}

/**
 * Reads a saved state back, keeping each field that is still valid and defaulting the others: the state may
 * come from an older version of the dashboard, so it is parsed like any other input (ARCHITECTURE.md rule 3).
 */
export function restoreDashboardState(saved: unknown): DashboardState {
  const state = defaultDashboardState();
  if (!isRecord(saved)) return state;
  if (dashboardTabs.includes(saved.tab as DashboardTab)) state.tab = saved.tab as DashboardTab;
  if (saved.chains === null) state.chains = null;
  else state.chains = strings(saved.chains, 200) ?? null;
  if (lossFields.includes(saved.field as LossField)) state.field = saved.field as LossField;
  if (lossAxes.includes(saved.axis as LossAxis)) state.axis = saved.axis as LossAxis;
  if (typeof saved.xLog === 'boolean') state.xLog = saved.xLog;
  if (typeof saved.yLog === 'boolean') state.yLog = saved.yLog;
  if (typeof saved.smoothing === 'number') state.smoothing = clampSmoothing(saved.smoothing);
  if (typeof saved.emaPerStep === 'boolean') state.emaPerStep = saved.emaPerStep;
  if (typeof saved.followLatest === 'boolean') state.followLatest = saved.followLatest;
  if (typeof saved.commonSteps === 'boolean') state.commonSteps = saved.commonSteps;
  if (typeof saved.includeUnfinished === 'boolean') state.includeUnfinished = saved.includeUnfinished;
  const zoom = saved.zoom;
  if (
    isRecord(zoom) &&
    typeof zoom.x0 === 'number' &&
    typeof zoom.x1 === 'number' &&
    Number.isFinite(zoom.x0) &&
    Number.isFinite(zoom.x1) &&
    zoom.x0 < zoom.x1
  )
    state.zoom = { x0: zoom.x0, x1: zoom.x1 };
  state.metric = stringOrNull(saved.metric);
  state.diffA = stringOrNull(saved.diffA);
  state.diffB = stringOrNull(saved.diffB);
  state.expanded = strings(saved.expanded, 200) ?? [];
  state.monthlyColumns = yearsByChain(saved.monthlyColumns);
  state.steps = restoreStepsState(saved.steps);
  return state;
}

/** A saved chain → eval year map: at most 200 entries, keys ≤ 1000 characters, whole years 1900…2200. */
function yearsByChain(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isRecord(v) || Array.isArray(v)) return out;
  for (const [key, year] of Object.entries(v).slice(0, 200))
    if (
      key !== '__proto__' &&
      key.length <= 1000 &&
      typeof year === 'number' &&
      Number.isInteger(year) &&
      year >= 1900 &&
      year <= 2200
    )
      out[key] = year;
  return out;
}
