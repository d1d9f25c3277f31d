import * as vscode from 'vscode';

// The launch wizard (Resume, Evaluate): one quick input that walks through steps, "N/M" in its title bar, a Back
// button that returns to the previous step with its answer kept, validation as the user types. Each step is a
// function that asks through `pick`/`input` below and stores its answer in the flow's own state; `runWizard` moves
// between the steps and recounts them (a step can depend on earlier answers: `when`).

export { answer, back, runWizard, type Back, type StepPosition, type WizardStep } from './wizardSteps';
import { back, type Back, type StepPosition } from './wizardSteps';

const browseButton: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('folder-opened'),
  tooltip: 'Browse…',
};

export interface PickOptions<T extends vscode.QuickPickItem> {
  readonly title: string;
  readonly items: readonly T[];
  readonly placeholder?: string;
  /** The item to start on (the answer kept from an earlier visit). */
  readonly active?: (item: T) => boolean;
  readonly at?: StepPosition;
}

/** One quick pick of the walk (or a lone one without `at`): the item, Back, or undefined when dismissed. */
export function pick<T extends vscode.QuickPickItem>(options: PickOptions<T>): Promise<T | Back | undefined> {
  const qp = vscode.window.createQuickPick<T>();
  qp.title = options.title;
  qp.items = options.items;
  qp.ignoreFocusOut = true;
  if (options.placeholder !== undefined) qp.placeholder = options.placeholder;
  if (options.at) {
    qp.step = options.at.step;
    qp.totalSteps = options.at.totalSteps;
    if (options.at.canGoBack) qp.buttons = [vscode.QuickInputButtons.Back];
  }
  const active = options.active ? options.items.find(options.active) : undefined;
  if (active) qp.activeItems = [active];
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: T | Back | undefined): void => {
      if (done) return;
      done = true;
      resolve(v);
      qp.dispose();
    };
    qp.onDidTriggerButton((b) => (b === vscode.QuickInputButtons.Back ? finish(back) : undefined));
    qp.onDidAccept(() => {
      const item = qp.selectedItems[0] ?? qp.activeItems[0];
      if (item && item.kind !== vscode.QuickPickItemKind.Separator) finish(item);
    });
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}

export interface InputOptions {
  readonly title: string;
  readonly value: string;
  readonly prompt?: string;
  readonly placeholder?: string;
  readonly valueSelection?: [number, number];
  /** As the user types: a message (an error blocks Enter; info and warning do not), or undefined when fine. */
  readonly validate?: (value: string) => string | vscode.InputBoxValidationMessage | undefined;
  /** Shows the message of the value proposed at once (else, as with showInputBox, once the user types). */
  readonly validateAtOnce?: boolean;
  /** Called with what the box holds when the user goes Back: a value typed, not yet accepted, is kept too. */
  readonly onBack?: (value: string) => void;
  /** A Browse… button that picks a folder into the box. */
  readonly browseFolder?: boolean;
  readonly at?: StepPosition;
}

/** One input box of the walk (or a lone one without `at`): the text, Back, or undefined when dismissed. */
export function input(options: InputOptions): Promise<string | Back | undefined> {
  const box = vscode.window.createInputBox();
  box.title = options.title;
  box.value = options.value;
  box.ignoreFocusOut = true;
  if (options.prompt !== undefined) box.prompt = options.prompt;
  if (options.placeholder !== undefined) box.placeholder = options.placeholder;
  if (options.valueSelection) box.valueSelection = options.valueSelection;
  const buttons: vscode.QuickInputButton[] = [];
  if (options.at) {
    box.step = options.at.step;
    box.totalSteps = options.at.totalSteps;
    if (options.at.canGoBack) buttons.push(vscode.QuickInputButtons.Back);
  }
  if (options.browseFolder) buttons.push(browseButton);
  box.buttons = buttons;
  const check = (v: string, show = true): boolean => {
    const message = options.validate?.(v);
    if (show) box.validationMessage = message;
    return !(
      typeof message === 'string' ||
      (message !== undefined && message.severity === vscode.InputBoxValidationSeverity.Error)
    );
  };
  check(box.value, options.validateAtOnce === true);
  return new Promise((resolve) => {
    let done = false;
    let browsing = false;
    const finish = (v: string | Back | undefined): void => {
      if (done) return;
      done = true;
      resolve(v);
      box.dispose();
    };
    box.onDidChangeValue((v) => check(v));
    box.onDidAccept(() => {
      if (check(box.value)) finish(box.value);
    });
    box.onDidTriggerButton(async (b) => {
      if (b === vscode.QuickInputButtons.Back) {
        options.onBack?.(box.value);
        return finish(back);
      }
      if (b !== browseButton) return;
      browsing = true;
      const chosen = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        ...(box.value.trim() ? { defaultUri: vscode.Uri.file(box.value.trim()) } : {}),
        openLabel: 'Choose',
      });
      browsing = false;
      const path = chosen?.[0]?.fsPath;
      if (path !== undefined) box.value = path;
      check(box.value);
      box.show();
    });
    // The folder dialog hides the box for a while: only a dismissal of the box itself ends the walk.
    box.onDidHide(() => (browsing ? undefined : finish(undefined)));
    box.show();
  });
}
