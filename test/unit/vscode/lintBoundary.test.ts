import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '../../..');
const importsVscode = "import * as vscode from 'vscode';\nexport const api = vscode;\n";

async function lintAs(relativePath: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(importsVscode, { filePath: join(root, relativePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the vscode import boundary (ARCHITECTURE.md rule 1)', function () {
  this.timeout(60000);

  it('fails lint for a file outside src/vscode/ that imports vscode', async () => {
    const messages = await lintAs('src/checkpoint/leaky.ts');
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /Only src\/vscode/);
  });

  it('fails lint for webview code that imports vscode', async () => {
    assert.equal((await lintAs('webview/dashboard/leaky.ts')).length, 1);
  });

  it('allows src/vscode/** and src/extension.ts to import vscode', async () => {
    assert.deepEqual(await lintAs('src/vscode/panels/fine.ts'), []);
    assert.deepEqual(await lintAs('src/extension.ts'), []);
  });
});
