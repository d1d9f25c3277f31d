import {
  parseHostToProbe,
  probeModes,
  ProtocolError,
  type HostToProbe,
  type ProbeMode,
} from '../../src/protocol/probeMessages';

type ResultMessage = Extract<HostToProbe, { type: 'result' }>;

/** Names as they were when a result arrived, so its cards still read right after an image or a model is gone. */
export interface ResultContext {
  imageNames: Record<string, string>;
  modelLabels: Record<string, string>;
}

/** What the Probe panel remembers across reloads (vscode.getState/setState). */
export interface ProbeUiState {
  mode: ProbeMode;
  /** The textarea as typed (labels or captions); parsed on use, so nothing the user wrote is lost. */
  text: string;
  /** Model ids ticked; ids the host no longer lists are kept but not sent. */
  models: string[];
  /** The run in flight, so its result is still accepted after the webview reloads. */
  running: number | null;
  lastResult: ResultMessage | null;
  lastContext: ResultContext | null;
}

/** A result larger than this many probabilities is not persisted (setState serialises it on every change). */
export const maxPersistedNumbers = 200_000;
const maxText = 200_000;
const maxModels = 50;

export function defaultProbeUiState(): ProbeUiState {
  return { mode: 'labels', text: '', models: [], running: null, lastResult: null, lastContext: null };
}

/** A panel opened for the first time ticks every model the host lists when there are at most this many. */
export const maxDefaultModels = 4;

/**
 * What a panel opened for the first time (no saved state) starts with, from the host's first state: every listed
 * model ticked (when there are at most maxDefaultModels; with more the user picks) and, when the host loaded sample
 * images with example labels, those labels, unless something was typed already. A panel with a saved state keeps
 * what the user chose; this runs once per panel, so the user's own labels are never replaced.
 */
export function firstOpenDefaults(
  state: ProbeUiState,
  host: { models: readonly { id: string }[]; images: readonly unknown[]; exampleLabels: readonly string[] | null },
): ProbeUiState {
  const next = { ...state };
  if (state.models.length === 0 && host.models.length > 0 && host.models.length <= maxDefaultModels)
    next.models = host.models.map((m) => m.id);
  if (state.text.trim() === '' && host.images.length > 0 && host.exampleLabels && host.exampleLabels.length > 0) {
    next.mode = 'labels';
    next.text = host.exampleLabels.join('\n');
  }
  return next;
}

/** How many probabilities a result holds (what persisting it costs). */
export function resultSize(result: ResultMessage): number {
  let n = 0;
  for (const l of result.labels ?? []) for (const row of l.probabilities) n += row.length;
  return n + (result.captions?.length ?? 0) * 4;
}

/** The state to save: the last result is dropped when it is too large to serialise on every keystroke. */
export function persistable(state: ProbeUiState): ProbeUiState {
  if (state.lastResult && resultSize(state.lastResult) > maxPersistedNumbers)
    return { ...state, lastResult: null, lastContext: null };
  return state;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function names(v: unknown): Record<string, string> | null {
  if (!isRecord(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, name] of Object.entries(v)) if (typeof name === 'string') out[k] = name.slice(0, 1000);
  return out;
}

/**
 * Reads a saved state back, keeping each field that is still valid and defaulting the others: it may come from an
 * older version of the panel, so it is parsed like any other input (ARCHITECTURE.md rule 3); the saved result goes
 * through the same validator as a host message.
 */
export function restoreProbeUiState(saved: unknown): ProbeUiState {
  const state = defaultProbeUiState();
  if (!isRecord(saved)) return state;
  if (probeModes.includes(saved.mode as ProbeMode)) state.mode = saved.mode as ProbeMode;
  if (typeof saved.text === 'string') state.text = saved.text.slice(0, maxText);
  if (Array.isArray(saved.models))
    state.models = [...new Set(saved.models.filter((m): m is string => typeof m === 'string'))].slice(0, maxModels);
  if (typeof saved.running === 'number' && Number.isSafeInteger(saved.running) && saved.running >= 0)
    state.running = saved.running;
  const result =
    saved.lastResult === undefined || saved.lastResult === null ? null : parseHostToProbe(saved.lastResult);
  const context = isRecord(saved.lastContext) ? saved.lastContext : null;
  const imageNames = names(context?.imageNames);
  const modelLabels = names(context?.modelLabels);
  if (result && !(result instanceof ProtocolError) && result.type === 'result' && imageNames && modelLabels) {
    state.lastResult = result;
    state.lastContext = { imageNames, modelLabels };
  }
  return state;
}
