/** The webview side of the VS Code API, typed with the panel's persisted state. */
export interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

let api: unknown;

export function getVsCodeApi<State>(): VsCodeApi<State> {
  api ??= acquireVsCodeApi<State>();
  return api as VsCodeApi<State>;
}
