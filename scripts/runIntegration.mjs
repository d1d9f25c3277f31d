// The integration tier: @vscode/test-electron's runTests, with scripts/vscodeStandIn.mjs as the "VS Code binary"
// (code-server + headless Chromium), so mocha runs inside a real VS Code extension host.
import { runTests } from '@vscode/test-electron';
import { join } from 'node:path';
import { projectRoot } from './lib/codeServer.mjs';

try {
  await runTests({
    vscodeExecutablePath: join(projectRoot, 'scripts/vscodeStandIn.mjs'),
    extensionDevelopmentPath: projectRoot,
    extensionTestsPath: join(projectRoot, 'out/test/integration/index.js'),
    launchArgs: [join(projectRoot, 'demo')],
    extensionTestsEnv: { TIC_STUDIO_TEST: '1' },
  });
} catch (error) {
  console.error(`Integration tests failed: ${error?.message ?? error}`);
  process.exit(1);
}
