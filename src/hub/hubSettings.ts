import { resolveHubCacheDir } from './core/hubCachePaths';
import { resolveHubEndpoint } from './core/hubEndpoint';
import { findHubToken, type HubToken } from './core/hubToken';

type Env = Readonly<Record<string, string | undefined>>;

/** Everything the catalog and the downloader need from the environment, resolved once. */
export interface HubSettings {
  endpoint: string;
  cacheDir: string;
  token: HubToken | undefined;
  /** HF_HUB_OFFLINE: never touch the network, answer from the cache. */
  offline: boolean;
}

/** Python's `_is_true` for HF_HUB_OFFLINE and friends. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.toUpperCase());
}

/**
 * The endpoint (option, else HF_ENDPOINT), the cache root (option, else HF_HUB_CACHE, else HF_HOME/hub, else
 * ~/.cache/huggingface/hub), the token (HF_TOKEN, then the token file, then the caller's) and offline mode,
 * the same way Python's huggingface_hub reads them, so both share one cache and one login.
 */
export async function resolveHubSettings(options: {
  env: Env;
  homeDir?: string;
  endpoint?: string;
  cacheDir?: string;
  suppliedToken?: () => PromiseLike<string | undefined> | string | undefined;
}): Promise<HubSettings> {
  return {
    endpoint: resolveHubEndpoint({ endpoint: options.endpoint, env: options.env }),
    cacheDir: resolveHubCacheDir({ cacheDir: options.cacheDir, env: options.env, homeDir: options.homeDir }),
    token: await findHubToken({ env: options.env, homeDir: options.homeDir, supplied: options.suppliedToken }),
    offline: isTrue(options.env.HF_HUB_OFFLINE),
  };
}

/** The levels of one setting as VS Code's `WorkspaceConfiguration.inspect()` reports them. */
export interface SettingLevels {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * A setting that only the user of this machine may choose (`ticStudio.hub.endpoint`: where the token goes;
 * `ticStudio.hub.cacheDir`: where downloads are written): the user (or remote machine) value, never a workspace or
 * folder value. package.json declares both machine-scoped, which makes VS Code ignore workspace values, but this
 * does not rest on that alone: an older VS Code, a `.code-workspace` file or a setting written before the scope
 * changed still shows up in `inspect()`, and is named in `ignored` so the caller can say it was not used.
 * A value that is not a non-empty string counts as unset.
 */
export function machineScopedSetting(levels: SettingLevels | undefined): {
  value: string | undefined;
  ignored: ('workspace' | 'workspaceFolder')[];
} {
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const ignored: ('workspace' | 'workspaceFolder')[] = [];
  if (text(levels?.workspaceValue) !== undefined) ignored.push('workspace');
  if (text(levels?.workspaceFolderValue) !== undefined) ignored.push('workspaceFolder');
  return { value: text(levels?.globalValue), ignored };
}
