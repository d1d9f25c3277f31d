import type { TicStrategy } from './ticTimeline';

/** The method a published TiC-CLIP repo was trained with, read from its name (contracts §6.1). */
export interface PublishedMethod {
  readonly strategy: TicStrategy;
  /** `basic` or `bestpool`. */
  readonly filtering: string;
}

/**
 * `apple/TiC-CLIP-bestpool-cumulative` → cumulative, bestpool; also a copy under another owner that keeps the
 * name. Null for a repo whose name does not say it.
 */
export function publishedRepoMethod(repo: string): PublishedMethod | null {
  const match = /(?:^|\/)TiC-CLIP-(basic|bestpool)-(cumulative|sequential|oracle)$/.exec(repo);
  return match === null ? null : { filtering: match[1]!, strategy: match[2] as TicStrategy };
}
