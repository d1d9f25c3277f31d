import type { CatalogRepo } from './hubCatalog';

/**
 * Whether a listed catalog reached the Hub, as one fact for the whole catalog (the Checkpoints view shows it once,
 * not on every repo):
 * - `online`: at least one repo was listed live (a repo that failed on its own says so on its row);
 * - `offlineMode`: HF_HUB_OFFLINE: the cache was read on purpose, nothing was asked;
 * - `unreachable`: no repo was listed live and the Hub could not be reached (`network`): what is shown comes from
 *   the cache. `detail` is the first failure's message, for a tooltip or the log, never the only explanation.
 */
export type CatalogReach =
  | { readonly kind: 'online' }
  | { readonly kind: 'offlineMode' }
  | { readonly kind: 'unreachable'; readonly detail: string };

export function catalogReach(repos: readonly CatalogRepo[]): CatalogReach {
  if (repos.some((r) => !r.offline && r.error === undefined)) return { kind: 'online' };
  const network = repos.find((r) => r.error?.reason === 'network');
  if (network) return { kind: 'unreachable', detail: network.error!.message };
  if (repos.length > 0 && repos.every((r) => r.offline && r.error === undefined)) return { kind: 'offlineMode' };
  return { kind: 'online' };
}

/**
 * Why a "Download Checkpoint" picker would have nothing to offer, or undefined when it has something: the Hub is
 * unreachable or offline mode is on (only what is cached is known, and that needs no download), or no repo has a
 * checkpoint at all.
 */
export function emptyDownloadReason(
  repos: readonly CatalogRepo[],
): 'unreachable' | 'offlineMode' | 'noCheckpoints' | undefined {
  const reach = catalogReach(repos);
  if (reach.kind !== 'online') return reach.kind;
  return repos.some((r) => r.files.some((f) => f.kind === 'checkpoint')) ? undefined : 'noCheckpoints';
}
