import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import { el } from '../shared/dom';
import { probeButton, setDisabled } from './probeSection';

type ProgressBar = HTMLElement & { value?: number; max: number; indeterminate: boolean };

/**
 * The Run row: the Run button with the reason it is disabled next to it, and while a probe runs, a progress bar
 * (done/total and the host's message) with Cancel.
 */
export class RunView {
  readonly element: HTMLElement;
  private readonly run: HTMLElement & { disabled: boolean };
  private readonly reason = el('span', { className: 'muted probe-run-reason', attrs: { id: 'probe-run-reason' } });
  private readonly progress: HTMLElement;
  private readonly bar: ProgressBar;
  private readonly progressText = el('span', {
    className: 'probe-progress-text',
    attrs: { id: 'probe-progress-text', role: 'status' },
  });
  private readonly cancel: HTMLElement;

  constructor(onRun: () => void, onCancel: () => void) {
    this.run = probeButton('Run', { id: 'probe-run', 'aria-describedby': 'probe-run-reason' }, onRun);
    const cancel = (this.cancel = probeButton(
      'Cancel',
      { id: 'probe-cancel', 'aria-label': 'Cancel the probe' },
      onCancel,
      true,
    ));
    this.bar = el('vscode-progress-bar', { attrs: { 'aria-label': 'Probe progress' } }) as ProgressBar;
    this.progress = el('div', { className: 'probe-progress', attrs: { id: 'probe-progress' } }, [
      this.bar,
      this.progressText,
      cancel,
    ]);
    this.progress.hidden = true;
    this.element = el('div', { className: 'probe-run-row', attrs: { id: 'probe-run-row' } }, [
      el('div', { className: 'probe-run-line' }, [this.run, this.reason]),
      this.progress,
    ]);
  }

  /** Run is enabled when `blocker` is null; otherwise the blocker says why not. */
  setBlocker(blocker: string | null): void {
    setDisabled(this.run, blocker !== null);
    this.reason.textContent = blocker ?? '';
  }

  started(): void {
    const hadFocus = document.activeElement === this.run;
    this.progress.hidden = false;
    // Run is disabled now: keep the keyboard where the next useful action is.
    if (hadFocus) this.cancel.focus();
    this.bar.indeterminate = true;
    this.bar.removeAttribute('value');
    this.bar.value = undefined;
    this.progressText.textContent = 'Starting…';
  }

  onProgress(done: number, total: number, message: string): void {
    this.progress.hidden = false;
    if (total > 0) {
      this.bar.indeterminate = false;
      this.bar.max = total;
      this.bar.value = Math.min(done, total);
    }
    const count = total > 0 ? `${done} / ${total}` : '';
    this.progressText.textContent = [count, message].filter(Boolean).join(' · ');
  }

  stopped(): void {
    const hadFocus = this.progress.contains(document.activeElement);
    this.progress.hidden = true;
    if (hadFocus) this.run.focus();
    this.progressText.textContent = '';
  }
}
