import * as vscode from 'vscode';

/**
 * Run logs opened at their end and kept there while they grow, as `tail -f` would: each time the editor reloads the
 * file (the run appended to it), an editor that showed the last line scrolls to the new last line; one the user
 * scrolled up stays where it is until they scroll back down. Following ends when the document is closed.
 */
export class RunLogTails implements vscode.Disposable {
  /** Per followed log (its URI): the line count before the latest change, and the subscription. */
  private readonly followed = new Map<string, { lines: number }>();
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e.document)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.followed.delete(doc.uri.toString())),
    ];
  }

  /** Opens the log in a preview editor, scrolled to its last line, and follows it. */
  async show(uri: vscode.Uri): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, { preview: true });
    this.followed.set(doc.uri.toString(), { lines: doc.lineCount });
    revealEnd(editor);
  }

  private changed(doc: vscode.TextDocument): void {
    const state = this.followed.get(doc.uri.toString());
    if (!state) return;
    const before = state.lines;
    state.lines = doc.lineCount;
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document !== doc) continue;
      // At the tail: the old last line (or the one before it, a partial line completed) was on screen.
      const bottom = Math.max(0, ...editor.visibleRanges.map((r) => r.end.line));
      if (bottom >= before - 2) revealEnd(editor);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.followed.clear();
  }
}

function revealEnd(editor: vscode.TextEditor): void {
  const last = editor.document.lineAt(Math.max(0, editor.document.lineCount - 1)).range.end;
  editor.selection = new vscode.Selection(last, last);
  editor.revealRange(new vscode.Range(last, last), vscode.TextEditorRevealType.Default);
}
