/**
 * The HTML shell of every TiC Studio webview, free of the VS Code API so its policy is tested in plain Node
 * (webviewHtml.ts resolves the URIs). The Content Security Policy (ARCHITECTURE.md rule 8):
 * - nothing by default; the one script runs by nonce, never inline or eval'd;
 * - styles only from the extension's own files: no `'unsafe-inline'`, so a value that reached the page as markup
 *   could not restyle it (hide a warning, overlay a fake button). Our code styles through the CSSOM
 *   (`el.style.x = …`), which CSP does not govern, and the Lit components of @vscode-elements adopt constructable
 *   stylesheets, also outside it;
 * - `base-uri 'none'` so an injected `<base>` cannot re-point relative URLs, `form-action 'none'` so no form can
 *   post anywhere.
 */
export interface WebviewDocumentParts {
  /** The webview's `cspSource` (the origin its local resources are served from). */
  readonly cspSource: string;
  /** A fresh random nonce per document. */
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUris: readonly string[];
  readonly title: string;
}

export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function webviewDocument(parts: WebviewDocumentParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${webviewCsp(parts.cspSource, parts.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${parts.styleUris.map((uri) => `<link rel="stylesheet" href="${uri}">`).join('\n')}
<title>${parts.title.replace(/[<>&"]/g, '')}</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script type="module" nonce="${parts.nonce}" src="${parts.scriptUri}"></script>
</body>
</html>`;
}
