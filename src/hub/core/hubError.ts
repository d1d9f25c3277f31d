import { isErrorWithReason } from '../../shared/errorReason';

/**
 * Every failure of the Hub catalog and the downloader is a HubError with one of a few reasons, so callers (the
 * Checkpoints view, the CLI) can decide what to offer without parsing messages (ARCHITECTURE.md rule 4). The
 * message says what happened and what to do next; it never contains the token.
 */
export type HubErrorReason =
  /** 401: no token, an invalid token, or a gated repo that needs one. */
  | 'unauthorized'
  /** 403: the token is valid but may not read this repo (gated conditions not accepted, no access). */
  | 'forbidden'
  /** 404 (or the Hub's RepoNotFound/EntryNotFound/RevisionNotFound): the repo, revision or file does not exist. */
  | 'notFound'
  /** The Hub or its CDN could not be reached, or the connection broke mid-transfer (the partial file is kept). */
  | 'network'
  /** Not enough free space for the rest of the file, or ENOSPC while writing (the partial file is kept). */
  | 'noSpace'
  /** The downloaded bytes do not hash to the expected sha256 / git sha1 (the partial file was deleted). */
  | 'corrupt'
  /** The caller's AbortSignal fired (the partial file is kept for a later resume). */
  | 'cancelled'
  /** The server answered something a download cannot use (no ETag, a Content-Range that does not match, 5xx). */
  | 'badResponse'
  /** A repo id, file path, revision, endpoint or option that is not valid. */
  | 'invalidInput'
  /** Offline (HF_HUB_OFFLINE or the Hub unreachable) and the file is not in the local cache. */
  | 'notCached'
  /** Another process broke this process's download lock (its heartbeat looked stale); the partial file is kept. */
  | 'lockLost'
  /** The cache folder could not be written (permissions, read-only file system, …). */
  | 'fileSystem'
  /**
   * The cache holds something TiC Studio will not write through or trust: a folder that is a symbolic link or
   * leads outside the cache, a file that is a link, a device or a pipe, or one owned by another user.
   */
  | 'unsafeCache'
  /** The token would travel where it must not: a plain-http Hub endpoint that is not this machine. */
  | 'insecureEndpoint';

export const hubErrorReasons: readonly HubErrorReason[] = [
  'unauthorized',
  'forbidden',
  'notFound',
  'network',
  'noSpace',
  'corrupt',
  'cancelled',
  'badResponse',
  'invalidInput',
  'notCached',
  'lockLost',
  'fileSystem',
  'unsafeCache',
  'insecureEndpoint',
];

export class HubError extends Error {
  override readonly name = 'HubError';

  constructor(
    readonly reason: HubErrorReason,
    message: string,
    options?: { cause?: unknown; partialPath?: string; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.partialPath = options?.partialPath;
    this.status = options?.status;
  }

  /** Where the bytes received so far are kept for a resume (network, noSpace, cancelled, lockLost). */
  readonly partialPath: string | undefined;
  /** The HTTP status behind an unauthorized/forbidden/notFound/badResponse error. */
  readonly status: number | undefined;

  /** True for a HubError, also one from another copy of this module (bundles can duplicate it). */
  static is(value: unknown, reason?: HubErrorReason): value is HubError {
    return isErrorWithReason(value, 'HubError', hubErrorReasons, reason);
  }
}
