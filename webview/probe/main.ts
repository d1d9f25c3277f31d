import {
  parseHostToProbe,
  ProtocolError,
  type HostToProbe,
  type ProbeImageWire,
  type ProbeModelWire,
  type ProbeStateWire,
  type ProbeToHost,
} from '../../src/protocol/probeMessages';
import { el } from '../shared/dom';
import { getVsCodeApi } from '../shared/vscodeApi';
import { ImagesView } from './imagesView';
import { ModelsView } from './modelsView';
import {
  firstOpenDefaults,
  persistable,
  restoreProbeUiState,
  type ProbeUiState,
  type ResultContext,
} from './probeUiState';
import { parseTexts, textsSummary } from './probeTexts';
import { ResultsView } from './resultsView';
import { runBlocker } from './runReadiness';
import { RunTracker } from './runTracker';
import { RunView } from './runView';
import { TextsView } from './textsView';

/**
 * The Probe panel (issue #8): pick exported models, add images, write labels or captions, run, and compare what
 * each model picks. Every host message is validated (parseHostToProbe) and every string from the host is
 * inserted as text (ARCHITECTURE.md rule 8).
 */
const vscode = getVsCodeApi<unknown>();
const saved = vscode.getState();
let ui: ProbeUiState = restoreProbeUiState(saved);
/** No saved state: the panel was just opened, so the host's first state may fill in its defaults. */
let firstOpen = saved === undefined || saved === null;
const tracker = new RunTracker(ui.running, Date.now());
let host: ProbeStateWire | null = null;
/** A result restored from a reload was drawn before the host listed its images: redraw it with thumbnails. */
let redrawRestored = false;
/** Every image and model seen this session, so a result still has names and thumbnails after one is removed. */
const knownImages = new Map<string, ProbeImageWire>();
const knownModels = new Map<string, ProbeModelWire>();

function send(message: ProbeToHost): void {
  vscode.postMessage(message);
}

function save(): void {
  vscode.setState(persistable(ui));
}

const shell = document.getElementById('app') ?? document.body;
// The shell's <main> is a polite live region; the panel announces through its own status and alert lines instead.
const app = el('div', { attrs: { id: 'probe-app', 'data-state': 'loading', 'aria-live': 'off' } });
shell.append(app);

const notice = el('p', { className: 'empty-state notice', attrs: { id: 'probe-notice', role: 'status' } });
notice.hidden = true;
const errorLine = el('p', { className: 'probe-error', attrs: { id: 'probe-error', role: 'alert' } });
errorLine.hidden = true;

const models = new ModelsView(
  () => ui.models,
  (id, checked) => {
    ui.models = checked ? [...new Set([...ui.models, id])] : ui.models.filter((m) => m !== id);
    save();
    refresh();
  },
  () => send({ type: 'exportCheckpoint' }),
);
const images = new ImagesView(
  (name, dataUrl) => send({ type: 'addImage', name, dataUrl }),
  (id) => send({ type: 'removeImage', id }),
);
const texts = new TextsView(
  ui.mode,
  ui.text,
  (mode) => {
    ui.mode = mode;
    save();
    refresh();
  },
  (text) => {
    ui.text = text;
    save();
    refresh();
  },
);
const runView = new RunView(startRun, cancelRun);
const results = new ResultsView((id) => knownImages.get(id)?.thumbnail ?? null);

app.replaceChildren(
  el('header', { className: 'dashboard-header' }, [
    el('h1', { text: 'Probe' }),
    el('span', { className: 'muted', text: 'Which label does each model pick, and how do they differ?' }),
  ]),
  notice,
  models.element,
  images.element,
  texts.element,
  runView.element,
  errorLine,
  results.element,
);

/** The ticked models the host still lists, in the host's order (so 2016 comes before 2022). */
function chosenModels(): string[] {
  const ticked = new Set(ui.models);
  return (host?.models ?? []).map((m) => m.id).filter((id) => ticked.has(id));
}

function refresh(): void {
  const parsed = parseTexts(ui.text, ui.mode);
  const imageCount = host?.images.length ?? 0;
  texts.summary.textContent = textsSummary(ui.mode, parsed.length, imageCount);
  const blocker =
    host === null
      ? 'Waiting for the extension…'
      : runBlocker({
          mode: ui.mode,
          listed: host.models.length,
          models: chosenModels().length,
          images: imageCount,
          texts: parsed,
          notice: host.notice,
          running: tracker.running !== null,
        });
  runView.setBlocker(blocker);
}

function showError(message: string | null): void {
  errorLine.hidden = message === null;
  errorLine.textContent = message ?? '';
}

function startRun(): void {
  const parsed = parseTexts(ui.text, ui.mode);
  if (host === null || tracker.running !== null) return;
  const modelIds = chosenModels();
  const imageIds = host.images.map((i) => i.id);
  if (
    runBlocker({
      mode: ui.mode,
      listed: host.models.length,
      models: modelIds.length,
      images: imageIds.length,
      texts: parsed,
      notice: host.notice,
      running: false,
    })
  )
    return;
  const requestId = tracker.start();
  ui.running = requestId;
  save();
  showError(null);
  send({ type: 'run', requestId, mode: ui.mode, models: modelIds, images: imageIds, texts: parsed });
  // Before Run is disabled, so a keyboard user's focus can move from Run to Cancel.
  runView.started();
  refresh();
}

function endRun(): void {
  tracker.finish();
  ui.running = null;
  save();
  refresh();
  // After Run is enabled again, so focus on Cancel can return to Run.
  runView.stopped();
}

function cancelRun(): void {
  const requestId = tracker.running;
  if (requestId === null) return;
  send({ type: 'cancel', requestId });
  endRun();
}

function contextFor(result: Extract<HostToProbe, { type: 'result' }>): ResultContext {
  const imageNames: Record<string, string> = {};
  for (const id of result.images) imageNames[id] = knownImages.get(id)?.name ?? id;
  const modelLabels: Record<string, string> = {};
  for (const r of [...(result.labels ?? []), ...(result.captions ?? [])])
    modelLabels[r.model] = knownModels.get(r.model)?.label ?? r.model;
  return { imageNames, modelLabels };
}

function onState(state: ProbeStateWire): void {
  host = state;
  if (firstOpen) {
    firstOpen = false;
    ui = firstOpenDefaults(ui, state);
    texts.show(ui.mode, ui.text);
    save();
  }
  for (const image of state.images) knownImages.set(image.id, image);
  for (const model of state.models) knownModels.set(model.id, model);
  notice.hidden = state.notice === null;
  notice.textContent = state.notice ?? '';
  models.update(state.models);
  images.update(state.images);
  app.dataset.state = 'ready';
  refresh();
  if (redrawRestored && ui.lastResult && ui.lastContext) results.show(ui.lastResult, ui.lastContext);
  redrawRestored = false;
}

function onMessage(message: HostToProbe): void {
  switch (message.type) {
    case 'state':
      onState(message);
      return;
    case 'progress':
      if (tracker.accepts(message.requestId)) runView.onProgress(message.done, message.total, message.message);
      return;
    case 'result': {
      if (!tracker.accepts(message.requestId)) return;
      const context = contextFor(message);
      ui.lastResult = message;
      ui.lastContext = context;
      endRun();
      results.show(message, context);
      return;
    }
    case 'error':
      if (message.requestId !== null && !tracker.accepts(message.requestId)) return;
      if (message.requestId !== null) endRun();
      showError(message.message);
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostToProbe(event.data);
  if (message instanceof ProtocolError) {
    send({ type: 'log', level: 'warn', text: `dropped a host message: ${message.detail}`.slice(0, 4000) });
    return;
  }
  onMessage(message);
});

if (ui.lastResult && ui.lastContext) {
  results.show(ui.lastResult, ui.lastContext);
  redrawRestored = true;
}
if (tracker.running !== null) runView.started();
refresh();
send({ type: 'ready' });
