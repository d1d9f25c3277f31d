import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { webviewDocument } from '../../../../src/vscode/common/webviewDocument';

const root = join(__dirname, '../../../..');
const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';

function shell(nonce = 'bm9uY2Utbm9uY2U='): string {
  return webviewDocument({
    cspSource,
    nonce,
    scriptUri: `${cspSource}/ext/dist/webview/dashboard.js`,
    styleUris: [`${cspSource}/ext/media/webview.css`],
    title: 'TiC <Studio>',
  });
}

/** The policy's directives by name, as a browser reads the meta tag. */
function directives(html: string): Map<string, string[]> {
  const content = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(content !== undefined, 'no CSP meta tag');
  return new Map(
    content.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('the webview HTML shell and its Content Security Policy', () => {
  it('allows no inline style, no inline or eval’d script, no <base> and no form target', () => {
    const csp = directives(shell());
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('style-src'), [cspSource]);
    assert.deepEqual(csp.get('script-src'), ["'nonce-bm9uY2Utbm9uY2U='"]);
    assert.deepEqual(csp.get('base-uri'), ["'none'"]);
    assert.deepEqual(csp.get('form-action'), ["'none'"]);
    for (const [name, values] of csp) {
      for (const value of values) assert.doesNotMatch(value, /unsafe-|^\*$|^https?:$/, `${name} allows ${value}`);
    }
  });

  it('runs its one script by the nonce and loads styles only as files', () => {
    const html = shell('n0nce');
    assert.match(html, /<script type="module" nonce="n0nce" src="[^"]+dashboard\.js"><\/script>/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.doesNotMatch(html, /<style|\sstyle=/);
    assert.match(html, /<title>TiC Studio<\/title>/);
  });

  it('webview code styles through the CSSOM only, never through markup the CSP would block', () => {
    // el.style.x = … and style.setProperty are CSSOM and allowed; these would need 'unsafe-inline'.
    const inline = [
      /setAttribute\(\s*['"`]style['"`]/,
      /\.(innerHTML|outerHTML)\s*=/,
      /insertAdjacentHTML/,
      /createElement(NS)?\([^)]*['"`]style['"`]\)/,
      /\bstyle\s*=\s*\\?["']/,
      /\battrs:\s*\{[^}]*\bstyle\s*:/,
    ];
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'webview'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (inline.some((pattern) => pattern.test(line))) offenders.push(`${relative(root, file)}:${i + 1}: ${line}`);
        });
    }
    assert.deepEqual(offenders, []);
  });
});
