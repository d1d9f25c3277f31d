import * as vscode from 'vscode';

/**
 * A tree with no items: VS Code then shows the view's `viewsWelcome` text. Later capabilities replace each one
 * with a real tree (experiments, checkpoints, runs).
 */
export class WelcomeTree implements vscode.TreeDataProvider<never> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
