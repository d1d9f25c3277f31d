// Builds the extension host bundle, the CLI, the webview bundles and (with --tests) the integration tests.
// tsc only type-checks; esbuild emits (README: "Build").
import * as esbuild from 'esbuild';
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  define: { __TIC_STUDIO_VERSION__: JSON.stringify(pkg.version) },
  absWorkingDir: root,
};

// Native and host-provided modules stay outside the bundle (ARCHITECTURE.md rule 7).
const nodeExternal = ['vscode', 'onnxruntime-node'];

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternal,
  },
  ...cliBuilds(),
  {
    ...common,
    entryPoints: webviewEntries(),
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
  },
];

if (args.has('--tests')) {
  builds.push({
    ...common,
    sourcemap: 'inline',
    entryPoints: listTs('test/integration'),
    outdir: 'out/test/integration',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: [...nodeExternal, 'mocha'],
  });
}

/**
 * The CLI in pieces, so that a command compiles and evaluates only its own code (issue 16: a lean start): dist/cli.js
 * (src/cli.ts with runCli's command table: `--version` and `--help` need nothing else), one bundle per command,
 * dist/cli-<name>.js, which runCli loads on demand (its `require('./<name>Command')` becomes a `require` of that
 * file), and dist/cli-io.js, src/cli/common/cliIo.ts once for all of them (runCli tells a usage error by
 * `instanceof UsageError`, so there must be one class). A command's bundle holds its own copy of the rest; one process
 * runs one command. The files sit next to dist/cli.js so that `__dirname` is dist/ in each, as in one bundle.
 * Measured (bench/cliStartBench.mjs): in one bundle esbuild does wrap a lazily loaded module so that it is evaluated
 * only when loaded, but Node still compiles the whole ~1 MB file at every start. Node's compile cache, where the
 * running Node offers it (src/cli.ts turns it on), caches each command's bundle on its own.
 */
function cliBuilds() {
  const cliDir = join(root, 'src/cli');
  const cliIo = join(cliDir, 'common/cliIo.ts');
  const commands = readdirSync(cliDir)
    .filter((f) => /^[a-z]\w*Command\.ts$/.test(f))
    .map((f) => f.slice(0, -'Command.ts'.length));
  const outfile = (name) => `dist/cli-${name}.js`;
  /** @type {esbuild.Plugin} */
  const split = {
    name: 'cli-split',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, ({ path, importer, resolveDir, kind }) => {
        if (kind === 'entry-point') return undefined;
        const target = join(resolveDir, path);
        const command = /^\.\/(\w+)Command$/.exec(path)?.[1];
        if (importer === join(cliDir, 'runCli.ts') && kind === 'require-call' && commands.includes(command)) {
          return { path: `./${outfile(command).slice('dist/'.length)}`, external: true };
        }
        if (target === cliIo.slice(0, -3) || target === cliIo) return { path: './cli-io.js', external: true };
        return undefined;
      });
    },
  };
  const cliCommon = {
    ...common,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternal,
    plugins: [split],
  };
  return [
    { ...cliCommon, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
    { ...cliCommon, entryPoints: ['src/cli/common/cliIo.ts'], outfile: 'dist/cli-io.js' },
    ...commands.map((name) => ({ ...cliCommon, entryPoints: [`src/cli/${name}Command.ts`], outfile: outfile(name) })),
  ];
}

function webviewEntries() {
  return readdirSync(join(root, 'webview'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared')
    .map((d) => ({ in: `webview/${d.name}/main.ts`, out: d.name }));
}

function listTs(dir) {
  return readdirSync(join(root, dir), { recursive: true })
    .filter((f) => String(f).endsWith('.ts'))
    .map((f) => `${dir}/${f}`);
}

if (!watch) rmSync(join(root, 'dist'), { recursive: true, force: true });
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  chmodSync(join(root, 'dist/cli.js'), 0o755);
  if (production) copyOnnxRuntime();
}

/**
 * The packaged extension carries onnxruntime-node's CPU binding for this platform next to the bundles
 * (dist/node_modules/, where `require('onnxruntime-node')` from dist/extension.js and dist/cli.js looks first):
 * the .vsix is built without node_modules, and the probe loads the runtime lazily (ARCHITECTURE.md rule 7).
 */
function copyOnnxRuntime() {
  const from = (pkg) => join(root, 'node_modules', pkg);
  const to = (pkg) => join(root, 'dist/node_modules', pkg);
  const binary = `bin/napi-v6/${process.platform}/${process.arch}`;
  if (!existsSync(join(from('onnxruntime-node'), binary))) {
    console.warn(`onnxruntime-node has no ${binary}: the packaged probe will report the runtime as unavailable.`);
    return;
  }
  for (const [pkg, parts] of [
    ['onnxruntime-node', ['package.json', 'LICENSE', 'dist', binary]],
    ['onnxruntime-common', ['package.json', 'LICENSE', 'dist']],
  ]) {
    for (const part of parts) {
      if (existsSync(join(from(pkg), part))) cpSync(join(from(pkg), part), join(to(pkg), part), { recursive: true });
    }
  }
}
