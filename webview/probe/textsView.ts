import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import type { ProbeMode } from '../../src/protocol/probeMessages';
import { el } from '../shared/dom';
import { probeSection } from './probeSection';

type Radio = HTMLElement & { checked: boolean; value: string };
type Textarea = HTMLElement & { value: string };

const modeHelp: Record<ProbeMode, { title: string; help: string; placeholder: string }> = {
  labels: {
    title: 'Labels (zero-shot classification)',
    help: 'Which label does each model pick for each image? One label per line, or a single line of comma-separated labels. A prompt usually works better than a bare word: “a photo of a dog”.',
    placeholder: 'a photo of a dog\na photo of a cat\na photo of a smartphone',
  },
  captions: {
    title: 'Captions (image–caption retrieval)',
    help: 'Caption i belongs to image i, in the order of the images above: one caption per line, as many captions as images. The result is each model’s recall@1 and @5 in both directions.',
    placeholder: 'a dog catching a frisbee on a beach\na cat asleep on a laptop keyboard',
  },
};

/** The Texts card: the mode (labels or captions), a help line for it, the textarea and what it parses into. */
export class TextsView {
  readonly element: HTMLElement;
  private readonly radios: Record<ProbeMode, Radio>;
  private readonly help = el('p', { className: 'muted probe-help', attrs: { id: 'probe-texts-help' } });
  private readonly textarea: Textarea;
  private mode: ProbeMode;
  readonly summary = el('p', {
    className: 'probe-status',
    attrs: { id: 'probe-texts-summary', 'aria-live': 'polite' },
  });

  constructor(mode: ProbeMode, text: string, onMode: (mode: ProbeMode) => void, onText: (text: string) => void) {
    this.mode = mode;
    const radio = (value: ProbeMode): Radio => {
      const r = el('vscode-radio', { attrs: { id: `probe-mode-${value}`, name: 'probe-mode', value } }) as Radio;
      r.textContent = modeHelp[value].title;
      return r;
    };
    this.radios = { labels: radio('labels'), captions: radio('captions') };
    const group = el('vscode-radio-group', { attrs: { id: 'probe-mode', 'aria-label': 'What the texts are' } }, [
      this.radios.labels,
      this.radios.captions,
    ]);
    const sync = (): void => {
      const value = this.radios.captions.checked ? 'captions' : 'labels';
      if (value === this.mode) return;
      this.mode = value;
      this.showMode(value);
      onMode(value);
    };
    group.addEventListener('change', sync);
    // vscode-radio-group checks the next radio on an arrow key without firing `change` (elements 2.5.1): its own
    // keydown listener ran first (it registers in its constructor), so the new choice can be read here.
    group.addEventListener('keydown', sync);
    this.textarea = el('vscode-textarea', {
      attrs: {
        id: 'probe-texts',
        rows: '6',
        resize: 'vertical',
        label: 'Labels or captions, one per line',
        'aria-describedby': 'probe-texts-help probe-texts-summary',
      },
    }) as Textarea;
    this.textarea.value = text;
    // The inner <textarea>'s `input` event is composed, so it reaches the host element on every keystroke.
    this.textarea.addEventListener('input', () => onText(this.textarea.value));
    this.textarea.addEventListener('change', () => onText(this.textarea.value));
    this.element = probeSection('probe-texts-section', 'Texts', [], group, this.help, this.textarea, this.summary);
    this.showMode(mode);
  }

  /** Puts a mode and text in place (the first open's example labels) without calling back. */
  show(mode: ProbeMode, text: string): void {
    if (this.textarea.value !== text) this.textarea.value = text;
    if (mode !== this.mode) {
      this.mode = mode;
      this.showMode(mode);
    }
  }

  private showMode(mode: ProbeMode): void {
    for (const m of ['labels', 'captions'] as const) {
      this.radios[m].checked = m === mode;
      this.radios[m].toggleAttribute('checked', m === mode);
    }
    this.help.textContent = modeHelp[mode].help;
    this.textarea.setAttribute('placeholder', modeHelp[mode].placeholder);
    this.textarea.setAttribute(
      'label',
      mode === 'labels' ? 'Labels, one per line' : 'Captions, one per line, in image order',
    );
  }
}
