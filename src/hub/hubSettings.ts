import { resolveHubCacheDir } from './hubCachePaths';
import { resolveHubEndpoint } from './hubEndpoint';
import { findHubToken, type HubToken } from './hubToken';

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
