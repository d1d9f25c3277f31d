import * as vscode from 'vscode';
import { parseDashboardMessage, ProtocolError, type HostToDashboard } from '../../protocol/dashboardMessages';
import { version } from '../../version';
import { DisposableStore } from '../disposableStore';
import { webviewTypes } from '../ids';
import type { Logger } from '../logger';
import { webviewHtml, webviewResourceRoots } from '../webviewHtml';

/** The dashboard: one panel per window, restored after a reload by the serializer registered below. */
export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly store = new DisposableStore();
  private ready = false;

  static show(extensionUri: vscode.Uri, log: Logger): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      webviewTypes.dashboard,
      'TiC Studio Dashboard',
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        retainContextWhenHidden: false,
        localResourceRoots: webviewResourceRoots(extensionUri),
      },
    );
    return new DashboardPanel(panel, extensionUri, log);
  }

  static registerSerializer(extensionUri: vscode.Uri, log: Logger): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(webviewTypes.dashboard, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(extensionUri) };
        DashboardPanel.current?.dispose();
        new DashboardPanel(panel, extensionUri, log);
      },
    });
  }

  /** Whether the webview has completed the ready handshake (used by tests and by later data pushes). */
  get isReady(): boolean {
    return this.ready;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: Logger,
  ) {
    DashboardPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'tic-studio.svg');
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'dashboard', 'TiC Studio Dashboard');
    this.store.add(panel.onDidDispose(() => this.dispose()));
    this.store.add(panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)));
  }

  private receive(raw: unknown): void {
    const message = parseDashboardMessage(raw);
    if (message instanceof ProtocolError) {
      this.log.warn(`Dashboard: dropped a message from the webview (${message.detail}).`);
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      this.post({
        type: 'init',
        version,
        workspaceName: vscode.workspace.name ?? null,
        trusted: vscode.workspace.isTrusted,
      });
    } else {
      this.log[message.level](`Dashboard webview: ${message.text}`);
    }
  }

  private post(message: HostToDashboard): void {
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.store.dispose();
    this.panel.dispose();
  }
}
