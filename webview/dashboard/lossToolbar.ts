import '@vscode-elements/elements/dist/vscode-button/index.js';
import { lossAxes, lossFields } from '../../src/protocol/dashboardMessages';
import { el } from '../shared/dom';
import { checkboxControl, selectControl } from './controls';
import { clampSmoothing, maxSmoothing, type DashboardState } from './dashboardState';
import { axisLabels, fieldLabels } from './lossLabels';

/**
 * The loss chart's row of controls: field, x axis, log x / log y, EMA smoothing and Reset zoom. Each control
 * writes the user's choice into the dashboard state and calls `changed`; the chart saves, draws and asks the host.
 */
export class LossToolbar {
  readonly element: HTMLElement;
  private readonly resetButton: HTMLElement;
  private readonly xLogBox: HTMLElement & { checked: boolean; disabled: boolean };
  private readonly smoothing: HTMLInputElement;
  private readonly perStepBox: HTMLElement & { checked: boolean; disabled: boolean };
  private readonly followBox: HTMLElement & { checked: boolean; disabled: boolean };

  constructor(
    private readonly state: DashboardState,
    changed: () => void,
    resetZoom: () => void,
  ) {
    const field = selectControl(
      'loss-field',
      'Field',
      lossFields.map((f) => ({ value: f, label: fieldLabels[f] })),
      state.field,
      (v) => {
        const f = lossFields.find((x) => x === v);
        if (!f) return;
        this.state.field = f;
        this.sync();
        changed();
      },
    );
    const axis = selectControl(
      'loss-axis',
      'X axis',
      lossAxes.map((a) => ({ value: a, label: axisLabels[a] })),
      state.axis,
      (v) => {
        const a = lossAxes.find((x) => x === v);
        if (!a || a === this.state.axis) return;
        this.state.axis = a;
        // A zoom is a range of the old axis' units: it means nothing on the new one.
        this.state.zoom = null;
        this.sync();
        changed();
      },
    );
    this.xLogBox = checkboxControl('loss-xlog', 'log x', state.xLog, (checked) => {
      this.state.xLog = checked;
      changed();
    });
    const yLog = checkboxControl('loss-ylog', 'log y', state.yLog, (checked) => {
      this.state.yLog = checked;
      changed();
    });
    const smoothingOut = el('output', {
      text: state.smoothing.toFixed(2),
      attrs: { for: 'loss-smoothing', id: 'loss-smoothing-value' },
    });
    const smoothing = (this.smoothing = el('input', {
      attrs: {
        id: 'loss-smoothing',
        type: 'range',
        min: '0',
        max: String(maxSmoothing),
        step: '0.01',
        'aria-label': 'EMA smoothing',
      },
    }) as HTMLInputElement);
    smoothing.value = String(state.smoothing);
    smoothing.addEventListener('input', () => {
      this.state.smoothing = clampSmoothing(Number(smoothing.value));
      smoothingOut.textContent = this.state.smoothing.toFixed(2);
      changed();
    });
    this.perStepBox = checkboxControl('loss-ema-per-step', 'per step', state.emaPerStep, (checked) => {
      this.state.emaPerStep = checked;
      changed();
    });
    this.perStepBox.title = 'Restart the average at each step, so the jump where a new year starts stays sharp';
    this.resetButton = el('vscode-button', { text: 'Reset zoom', attrs: { id: 'loss-reset-zoom', secondary: '' } });
    this.resetButton.addEventListener('click', () => resetZoom());
    this.followBox = checkboxControl('loss-follow', 'Follow latest', state.followLatest, (checked) => {
      this.state.followLatest = checked;
      changed();
    });
    this.followBox.title = 'Keep the zoom window on the newest points while a run logs them';

    this.element = el('div', { className: 'toolbar loss-controls' }, [
      field.element,
      axis.element,
      el('div', { className: 'control' }, [this.xLogBox, yLog]),
      el('div', { className: 'control smoothing' }, [
        el('label', { text: 'Smoothing', attrs: { for: 'loss-smoothing' } }),
        smoothing,
        smoothingOut,
        this.perStepBox,
      ]),
      this.resetButton,
      this.followBox,
    ]);
    this.sync();
  }

  /**
   * Brings the controls that depend on the view up to date: wall time has no log scale, the learning rate is
   * never smoothed (a schedule, not a noisy measurement), and without a zoom there is nothing to reset or follow.
   */
  sync(): void {
    const time = this.state.axis === 'time';
    this.xLogBox.disabled = time;
    this.xLogBox.title = time ? 'Wall time has no log scale' : '';
    const lr = this.state.field === 'lr';
    this.smoothing.disabled = lr;
    this.smoothing.title = lr ? 'The learning rate is shown as logged, never smoothed' : '';
    this.perStepBox.disabled = lr;
    this.resetButton.toggleAttribute('disabled', this.state.zoom === null);
    this.followBox.hidden = this.state.zoom === null;
  }
}
