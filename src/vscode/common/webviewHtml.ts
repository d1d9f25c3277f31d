import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { webviewDocument } from './webviewDocument';

/**
 * The HTML of every TiC Studio webview: the shell and strict CSP of webviewDocument.ts, with its one script and
 * its styles from the extension's dist/ and media/ folders (ARCHITECTURE.md rule 8).
 */
export function webviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  bundle: string,
  title: string,
  extraStyles: readonly string[] = [],
): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${bundle}.js`));
  const styles = ['webview.css', ...extraStyles].map((name) =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', name)),
  );
  return webviewDocument({
    cspSource: webview.cspSource,
    nonce: randomBytes(18).toString('base64'),
    scriptUri: script.toString(),
    styleUris: styles.map((style) => style.toString()),
    title,
  });
}

/** Only the bundle folders may be loaded into a webview. */
export function webviewResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}
