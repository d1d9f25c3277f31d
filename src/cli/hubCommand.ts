import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { formatBytes } from '../shared/formatBytes';
import { downloadToCache, type DownloadOptions, type DownloadResult } from '../hub/downloadToCache';
import type { DownloadProgress } from '../hub/downloadProgress';
import { listHubCatalog, type CatalogRepo } from '../hub/hubCatalog';
import { HubError } from '../hub/core/hubError';
import { parseRepoId } from '../hub/core/hubRepoId';
import { resolveHubSettings, type HubSettings } from '../hub/hubSettings';
import { UsageError, type CliIo } from './common/cliIo';
import { table } from './common/table';

export const hubUsage = `Usage: tic-studio hub ls [REPO] [--json] [--endpoint URL] [--cache-dir DIR]
       tic-studio hub download REPO PATH [--revision R] [--cache-dir DIR] [--endpoint URL] [--connections N] [--json]

The published TiC-CLIP models on the Hugging Face Hub, and downloads into the standard Hugging Face cache
(shared with Python's huggingface_hub: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub).
  ls         the six apple/TiC-CLIP-* repos (or REPO's files): commit, years, sizes, sha256, what is cached.
             When the Hub cannot be reached, what the cache holds (marked offline).
  download   one file, e.g. apple/TiC-CLIP-basic-oracle checkpoints/2022.pt; prints the local snapshot path on
             stdout and progress on stderr. Interrupted downloads (Ctrl+C, a crash, a lost connection) resume
             where they stopped when run again; the bytes are checked against the file's sha256.
  --revision R      branch, tag or commit (default main)
  --cache-dir DIR   hub cache folder (default as above)
  --endpoint URL    Hub URL (default HF_ENDPOINT, else https://huggingface.co)
  --connections N   parallel ranged requests for a large file (default 4)
  --json            print the catalog / the download result as JSON
Token: HF_TOKEN, else the token file (HF_TOKEN_PATH, else HF_HOME/token), needed for gated or private repos.`;

type Env = Readonly<Record<string, string | undefined>>;

/** What tests (and the extension's terminal) may replace; the CLI uses the real process. */
export interface HubCommandDeps {
  env?: Env;
  homeDir?: string;
  fetch?: typeof fetch;
  /** Cancels like Ctrl+C does. */
  signal?: AbortSignal;
  /** Minimum time between two progress lines on stderr. Default 2 s. */
  progressIntervalMs?: number;
  /** Install a SIGINT handler that cancels the download (keeping the partial file) and exits 130. Default true. */
  handleSigint?: boolean;
  /** Tuning the command line does not expose (chunk size, lock timings). */
  downloadOptions?: Pick<DownloadOptions, 'chunkSize' | 'retries' | 'staleLockMs' | 'heartbeatMs' | 'lockPollMs'>;
}

export async function hubCommand(args: string[], io: CliIo, deps: HubCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      'cache-dir': { type: 'string' },
      revision: { type: 'string' },
      connections: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, ...rest] = positionals;
  if (action !== 'ls' && action !== 'download') {
    throw new UsageError(
      action === undefined
        ? "expects 'ls' or 'download' (see --help)."
        : `unknown action '${action}': expected 'ls' or 'download' (see --help).`,
    );
  }
  let settings: HubSettings;
  try {
    settings = await resolveHubSettings({
      env: deps.env ?? process.env,
      homeDir: deps.homeDir ?? homedir(),
      endpoint: values.endpoint,
      cacheDir: values['cache-dir'],
    });
  } catch (error) {
    throw asUsageError(error);
  }
  if (action === 'ls') {
    if (values.revision !== undefined || values.connections !== undefined)
      throw new UsageError("--revision and --connections belong to 'download'.");
    if (rest.length > 1) throw new UsageError("'ls' takes at most one REPO (see --help).");
    return list(rest[0], values.json ?? false, settings, io, deps);
  }
  if (rest.length !== 2)
    throw new UsageError("'download' expects REPO and PATH, e.g. apple/TiC-CLIP-basic-oracle checkpoints/2022.pt.");
  let connections: number | undefined;
  if (values.connections !== undefined) {
    connections = Number(values.connections);
    if (!/^\d+$/.test(values.connections) || connections < 1 || connections > 64)
      throw new UsageError(`--connections expects a whole number from 1 to 64, got '${values.connections}'.`);
  }
  return download(
    rest[0]!,
    rest[1]!,
    { revision: values.revision, connections, json: values.json ?? false },
    settings,
    io,
    deps,
  );
}

function asUsageError(error: unknown): unknown {
  return HubError.is(error, 'invalidInput') ? new UsageError(error.message) : error;
}

function errorLine(error: unknown): string {
  if (HubError.is(error)) return `tic-studio hub: ${error.reason}: ${error.message}\n`;
  return `tic-studio hub: internal: ${error instanceof Error ? error.message : String(error)}\n`;
}

async function list(
  repoArg: string | undefined,
  json: boolean,
  settings: HubSettings,
  io: CliIo,
  deps: HubCommandDeps,
): Promise<number> {
  let repos: CatalogRepo[];
  try {
    const only = repoArg === undefined ? undefined : [parseRepoId(repoArg)];
    repos = await listHubCatalog(
      { repos: only, signal: deps.signal, offline: settings.offline },
      { endpoint: settings.endpoint, fetch: deps.fetch ?? fetch, token: settings.token, cacheDir: settings.cacheDir },
    );
  } catch (error) {
    if (HubError.is(error, 'invalidInput')) throw asUsageError(error);
    io.stderr.write(errorLine(error));
    return HubError.is(error, 'cancelled') ? 130 : 1;
  }
  const unreachable = repos.find((r) => r.error?.reason === 'network');
  if (unreachable)
    io.stderr.write(
      `tic-studio hub: offline: ${unreachable.error!.message} Showing what the cache at ${settings.cacheDir} holds.\n`,
    );
  for (const r of repos)
    if (r.error && r.error.reason !== 'network')
      io.stderr.write(`tic-studio hub: ${r.repo}: ${r.error.reason}: ${r.error.message}\n`);
  // Entries of the Hub's answer that were invalid and left out, each named.
  for (const r of repos) for (const w of r.warnings) io.stderr.write(`tic-studio hub: warning: ${w}\n`);
  if (json) io.stdout.write(`${JSON.stringify(repos, null, 2)}\n`);
  else io.stdout.write(repoArg === undefined ? summaryTable(repos) : filesTable(repos[0]!));
  // Offline with a cache to show is an answer; a refused repo, or nothing to show at all, is a failure.
  const refused = repos.some((r) => r.error && r.error.reason !== 'network');
  const nothing = repos.every((r) => r.error && r.files.length === 0);
  return refused || nothing ? 1 : 0;
}

function years(r: CatalogRepo): string {
  if (r.years.length === 0) return '-';
  const contiguous = r.years.every((y, i) => i === 0 || y === r.years[i - 1]! + 1);
  return contiguous && r.years.length > 2 ? `${r.years[0]}–${r.years.at(-1)}` : r.years.join(', ');
}

function summaryTable(repos: CatalogRepo[]): string {
  const rows = repos.map((r) => {
    const checkpoints = r.files.filter((f) => f.kind === 'checkpoint');
    const sizes = [...new Set(checkpoints.map((f) => formatBytes(f.size)))].join('/');
    const cached = checkpoints.filter((f) => f.cached).map((f) => String(f.year));
    return [
      r.repo,
      r.commit ? r.commit.slice(0, 10) : '-',
      years(r),
      checkpoints.length ? `${checkpoints.length} × ${sizes}` : '-',
      cached.length ? cached.join(', ') : '-',
      r.error ? `${r.offline ? 'offline' : r.error.reason}` : r.offline ? 'offline' : 'ok',
    ];
  });
  return table(['repo', 'commit', 'years', 'checkpoints', 'cached', 'status'], rows);
}

function filesTable(r: CatalogRepo): string {
  const head = `${r.repo} @ ${r.revision}${r.commit ? ` (${r.commit})` : ''}${r.offline ? ', offline: from the local cache' : ''}\n`;
  const rows = r.files.map((f) => [
    f.path,
    String(f.size),
    f.sha256 ?? f.gitOid ?? '-',
    f.cached
      ? 'cached'
      : f.partialBytes > 0
        ? `partial ${Math.floor((f.partialBytes / Math.max(1, f.size)) * 100)}%`
        : '-',
  ]);
  return head + table(['path', 'bytes', 'sha256 / git oid', 'local'], rows, new Set([1]));
}

function progressLine(p: DownloadProgress): string | undefined {
  const pct = p.total > 0 ? Math.floor((p.bytesDone / p.total) * 100) : 100;
  if (p.phase === 'waiting')
    return `${p.path}: waiting for another process that is downloading it (${formatBytes(p.bytesDone)} of ${formatBytes(p.total)} so far)`;
  if (p.phase === 'verifying')
    return `${p.path}: checking the ${formatBytes(p.bytesDone)} already downloaded (${pct}%)`;
  if (p.phase === 'downloading') {
    const rate = p.bytesPerSecond > 0 ? ` at ${formatBytes(p.bytesPerSecond)}/s` : '';
    const eta = p.etaSeconds !== undefined ? `, ${Math.ceil(p.etaSeconds)} s left` : '';
    return `${p.path}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.total)} (${pct}%)${rate}${eta}`;
  }
  return undefined;
}

async function download(
  repo: string,
  path: string,
  options: { revision: string | undefined; connections: number | undefined; json: boolean },
  settings: HubSettings,
  io: CliIo,
  deps: HubCommandDeps,
): Promise<number> {
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort();
  deps.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const onSigint = (): void => controller.abort();
  const handleSigint = deps.handleSigint ?? true;
  if (handleSigint) process.once('SIGINT', onSigint);
  const started = Date.now();
  let result: DownloadResult;
  try {
    result = await downloadToCache(
      { repo, path, revision: options.revision },
      { endpoint: settings.endpoint, fetch: deps.fetch ?? fetch, token: settings.token, cacheDir: settings.cacheDir },
      {
        ...deps.downloadOptions,
        connections: options.connections,
        signal: controller.signal,
        offline: settings.offline,
        progressIntervalMs: deps.progressIntervalMs ?? 2000,
        onProgress: (p) => {
          const line = progressLine(p);
          if (line) io.stderr.write(`${line}\n`);
        },
      },
    );
  } catch (error) {
    if (HubError.is(error, 'invalidInput')) throw asUsageError(error);
    if (HubError.is(error, 'cancelled')) {
      const kept = error.partialPath
        ? ` The partial file is kept (${error.partialPath}); run the same command again to resume.`
        : '';
      io.stderr.write(`tic-studio hub: cancelled: download stopped.${kept}\n`);
      return 130;
    }
    io.stderr.write(errorLine(error));
    return 1;
  } finally {
    if (handleSigint) process.removeListener('SIGINT', onSigint);
    deps.signal?.removeEventListener('abort', onOuterAbort);
  }
  const seconds = (Date.now() - started) / 1000;
  for (const w of result.warnings) io.stderr.write(`tic-studio hub: warning: ${w}\n`);
  if (result.source === 'download') {
    const resumed = result.resumedFrom > 0 ? `, resumed from ${formatBytes(result.resumedFrom)}` : '';
    const check = result.hashKind === 'gitSha1' ? 'git sha1' : 'sha256';
    const rate = formatBytes(result.transferred / Math.max(seconds, 0.001));
    io.stderr.write(
      `${result.path}: downloaded ${formatBytes(result.transferred)} in ${seconds.toFixed(1)} s (${rate}/s${resumed}), ${check} verified\n`,
    );
  } else if (result.source === 'offline') {
    io.stderr.write(`${result.path}: offline, from the local cache (commit ${result.commit.slice(0, 10)})\n`);
  } else {
    io.stderr.write(
      `${result.path}: already in the cache${result.waited ? ' (another process just downloaded it)' : ''}\n`,
    );
  }
  io.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.localPath}\n`);
  return 0;
}
