import { HubError } from '../core/hubError';
import { isCommitSha } from '../core/hubRepoId';
import { untrustedText } from '../core/untrustedText';
import {
  authorizedFetch,
  errorFromFailure,
  errorFromResponse,
  withTimeout,
  defaultMetadataTimeoutMs,
  type HubClient,
} from './hubHttp';

/** How the bytes of a blob are checked before it is moved into `blobs/`. */
export type BlobHashKind = 'sha256' | 'gitSha1';

/** What a download needs to know about one file at one commit (Python's HfFileMetadata). */
export interface FileMetadata {
  /** The commit the Hub served the file from (X-Repo-Commit). */
  commit: string;
  /** The blob name in the cache: the LFS sha256 (X-Linked-Etag) or the git blob sha1 (ETag), unquoted. */
  hash: string;
  hashKind: BlobHashKind;
  /** The real file size (X-Linked-Size for LFS files, not the pointer's). */
  size: number;
  /** Where to GET the bytes: the CDN URL of an LFS redirect, else the resolve URL itself. */
  url: string;
  /** The resolve URL, to fall back on when a signed CDN URL has expired. */
  resolveUrl: string;
  lfs: boolean;
}

export function resolveUrl(endpoint: string, repo: string, commit: string, filePath: string): string {
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(commit)}/${filePath.split('/').map(encodeURIComponent).join('/')}`;
}

/** Python's `_normalize_etag`: drop a weak `W/` prefix and the quotes. */
function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/**
 * `HEAD /{repo}/resolve/{commit}/{path}` without following the CDN redirect, exactly as Python's
 * huggingface_hub does (get_hf_file_metadata): an LFS file answers 302 with X-Linked-Etag (its sha256),
 * X-Linked-Size and X-Repo-Commit, and the CDN location; a small file answers 200 with its git sha1 as ETag.
 * Relative redirects (a renamed repo) are followed; absolute ones (the CDN) are not.
 */
export async function fetchFileMetadata(
  repo: string,
  commit: string,
  filePath: string,
  client: HubClient,
  signal?: AbortSignal,
): Promise<FileMetadata> {
  const doFetch = authorizedFetch(client);
  const first = resolveUrl(client.endpoint, repo, commit, filePath);
  let url = first;
  let response: Response | undefined;
  for (let hop = 0; hop < 5; hop++) {
    try {
      // identity: a compressed answer would report the compressed size (Python sends the same header).
      response = await doFetch(url, {
        method: 'HEAD',
        redirect: 'manual',
        headers: { 'accept-encoding': 'identity' },
        signal: withTimeout(signal, client.timeoutMs ?? defaultMetadataTimeoutMs),
      });
    } catch (error) {
      throw errorFromFailure(error, `looking up ${repo}/${filePath}`, signal);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location?.startsWith('/') && !location.startsWith('//')) {
      url = new URL(location, url).toString();
      continue;
    }
    break;
  }
  if (!response) throw new HubError('badResponse', `looking up ${repo}/${filePath}: too many redirects.`);
  const isRedirect = response.status >= 300 && response.status < 400;
  if (!response.ok && !isRedirect)
    throw errorFromResponse(response, { repo, revision: commit, path: filePath }, client);

  const linkedEtag = response.headers.get('x-linked-etag');
  const etag = linkedEtag ?? response.headers.get('etag');
  if (!etag)
    throw new HubError(
      'badResponse',
      `the Hub sent no ETag for ${repo}/${filePath}, so the file cannot be cached reliably.`,
    );
  const hash = normalizeEtag(etag);
  const hashKind: BlobHashKind | undefined = /^[0-9a-f]{64}$/.test(hash)
    ? 'sha256'
    : /^[0-9a-f]{40}$/.test(hash)
      ? 'gitSha1'
      : undefined;
  if (!hashKind)
    throw new HubError(
      'badResponse',
      `the Hub sent an ETag for ${repo}/${filePath} that is neither a sha256 nor a git sha1.`,
    );
  if (isRedirect && linkedEtag !== null && response.headers.get('x-linked-size') === null) {
    throw new HubError('badResponse', `the Hub redirected ${repo}/${filePath} to its CDN without X-Linked-Size.`);
  }
  const sizeText = response.headers.get('x-linked-size') ?? response.headers.get('content-length');
  const size = sizeText === null ? NaN : Number(sizeText);
  if (!Number.isSafeInteger(size) || size < 0)
    throw new HubError('badResponse', `the Hub sent no file size for ${repo}/${filePath}.`);
  const served = response.headers.get('x-repo-commit') ?? commit;
  if (!isCommitSha(served))
    throw new HubError(
      'badResponse',
      `the Hub named commit '${untrustedText(served, 80)}' for ${repo}/${filePath}, which is not a 40-character sha.`,
    );
  const location = response.headers.get('location');
  let target = url;
  if (isRedirect && location) {
    // The bytes come from http(s) only: a data:, file: or blob: location is not a CDN.
    let parsed: URL | undefined;
    try {
      parsed = new URL(location, url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
      throw new HubError(
        'badResponse',
        `the Hub redirected ${repo}/${filePath} to '${untrustedText(location, 120)}', which is not an http(s) URL.`,
      );
    target = parsed.toString();
  }
  return {
    commit: served,
    hash,
    hashKind,
    size,
    url: target,
    resolveUrl: url,
    lfs: linkedEtag !== null,
  };
}
