import type { FileHandle } from 'node:fs/promises';
import type { BlobHasher } from './cache/blobHasher';
import { HubError } from './core/hubError';
import { errorFromFailure, errorFromResponse, type HubClient, type RequestContext } from './http/hubHttp';
import { openPartialFile } from './cache/partialFile';

/**
 * Moves the bytes of one blob into its `.incomplete` file, resuming from what is already there.
 *
 * Design (parallel chunks, resumable, Python-compatible):
 * - The `.incomplete` file is always a contiguous prefix of the blob: bytes are written strictly in file order.
 *   Its size is therefore the resume point, for us after a crash, a cancellation or a reload, and for Python's
 *   huggingface_hub too, which resumes from the same file by its size (a sparse file with holes would poison it).
 * - Parallelism only covers the remainder: it is cut into `chunkSize` ranges; up to `connections` ranged GETs
 *   run at once. The chunk at the write frontier streams straight to disk; the chunks ahead of it are held in
 *   memory until the frontier reaches them (at most 2 × connections chunks: 64 MiB with the defaults). A crash
 *   loses at most those; no sidecar file is needed because nothing on disk is ever out of order.
 * - The hash is fed in the same order, at the moment bytes are handed to the writer, so one pass suffices; on a
 *   resume the bytes already on disk are streamed through the hash first.
 * - Writes are serial (one positional write in flight, 1 MiB or more each) so an ENOSPC cannot leave a hole.
 * - A server that answers 200 to a Range request (ignores it) sends the whole file: the partial file is
 *   truncated, the hash restarted, and the body taken from byte 0 as one stream.
 */
export interface TransferOptions {
  /** Where to GET the bytes (the CDN URL of an LFS redirect, or the resolve URL). */
  url: string;
  /** The resolve URL, used when a signed CDN URL is refused (expired) mid-way. */
  fallbackUrl?: string;
  size: number;
  hasher: BlobHasher;
  partialPath: string;
  /** An authorized fetch (hubHttp.authorizedFetch). */
  fetch: typeof fetch;
  client: Pick<HubClient, 'endpoint' | 'token'>;
  context: RequestContext;
  connections: number;
  chunkSize: number;
  /** How often one range may fail with a network error before the transfer gives up. */
  retries: number;
  /** A request that delivers no byte for this long is dropped and retried. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
  /** Bytes hashed from the existing partial file so far (the resume check). */
  onVerify?: (bytesDone: number) => void;
  /** Bytes of the blob received so far (partial file + this session). */
  onBytes?: (bytesDone: number) => void;
}

export interface TransferResult {
  /** Bytes already in the partial file when this transfer started. */
  resumedFrom: number;
  /** Body bytes received from the network by this transfer (retries and discarded look-ahead included). */
  transferred: number;
  /** True when a server that ignored Range forced a restart from byte 0. */
  restarted: boolean;
  /** The partial file written (device and inode), so the caller renames this file and no other. */
  identity: { dev: number; ino: number };
  /** What lay at the partial path and was removed instead of resumed (a link, a pipe, another user's file). */
  replacedPartial: string | undefined;
}

const writeBatch = 1 << 20;
const writeBacklog = 8 << 20;

class RangeIgnored extends Error {}

export async function transferToPartial(options: TransferOptions): Promise<TransferResult> {
  let opened;
  try {
    opened = await openPartialFile(options.partialPath);
  } catch (error) {
    throw asHubError(error, options);
  }
  const { handle: file, identity, replaced: replacedPartial } = opened;
  const done = { identity, replacedPartial };
  let transferred = 0;
  try {
    let existing = (await file.stat()).size;
    if (existing > options.size) {
      await file.truncate(0);
      existing = 0;
    }
    await hashExisting(file, existing, options);
    const resumedFrom = existing;
    if (existing === options.size) return { resumedFrom, transferred: 0, restarted: false, ...done };
    const count = (n: number): void => {
      transferred += n;
    };
    try {
      await fetchRemainder(file, existing, options, count, false);
      return { resumedFrom, transferred, restarted: false, ...done };
    } catch (error) {
      if (!(error instanceof RangeIgnored)) throw error;
    }
    await file.truncate(0);
    options.hasher.reset();
    try {
      await fetchRemainder(file, 0, options, count, true);
    } catch (error) {
      if (!(error instanceof RangeIgnored)) throw error;
      throw new HubError(
        'network',
        'the server ignores Range requests and the connection broke, so the download has to start over.',
      );
    }
    return { resumedFrom, transferred, restarted: true, ...done };
  } catch (error) {
    throw asHubError(error, options);
  } finally {
    await file.close().catch(() => undefined);
  }
}

function asHubError(error: unknown, options: TransferOptions): HubError {
  if (HubError.is(error)) return withPartial(error, options.partialPath);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new HubError(
      'noSpace',
      `no space left on the device while writing ${options.partialPath}; free some space and run the download again to resume.`,
      {
        cause: error,
        partialPath: options.partialPath,
      },
    );
  }
  // File system failures carry the system call (write, open, ftruncate…); network ones come wrapped by fetch.
  if (typeof (error as NodeJS.ErrnoException).syscall === 'string') {
    return new HubError('fileSystem', `cannot write ${options.partialPath} (${code}).`, {
      cause: error,
      partialPath: options.partialPath,
    });
  }
  return withPartial(
    errorFromFailure(error, `downloading ${options.context.repo}/${options.context.path ?? ''}`, options.signal),
    options.partialPath,
  );
}

/** Errors after which the partial file stays say where it is and that running again resumes. */
function withPartial(error: HubError, partialPath: string): HubError {
  if (
    error.partialPath !== undefined ||
    !['network', 'cancelled', 'noSpace', 'lockLost', 'badResponse'].includes(error.reason)
  )
    return error;
  const kept = ` The bytes received so far are kept in ${partialPath}; run the download again to resume.`;
  return new HubError(error.reason, `${error.message}${kept}`, {
    cause: error.cause ?? error,
    partialPath,
    status: error.status,
  });
}

/** Streams the bytes already in the partial file through the hash (a resume must not trust them blindly). */
async function hashExisting(file: FileHandle, length: number, options: TransferOptions): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.min(4 << 20, Math.max(length, 1)));
  let done = 0;
  while (done < length) {
    if (options.signal?.aborted) throw new HubError('cancelled', 'cancelled while checking the partial download.');
    const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, length - done), done);
    if (bytesRead === 0) throw new HubError('fileSystem', `${options.partialPath} shrank while it was being read.`);
    options.hasher.update(buffer.subarray(0, bytesRead));
    done += bytesRead;
    options.onVerify?.(done);
  }
}

/** Serial positional writes, batched, with the hash fed in file order. */
class SerialWriter {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #backlog = 0;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(
    private readonly file: FileHandle,
    private position: number,
    private readonly hasher: BlobHasher,
  ) {}

  async push(bytes: Uint8Array): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    this.hasher.update(bytes);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= writeBatch) this.#flush();
    if (this.#backlog > writeBacklog) await this.#chain;
    if (this.#failure !== undefined) throw this.#failure;
  }

  #flush(): void {
    if (this.#pendingBytes === 0) return;
    // One writev per batch: no copy into a bigger buffer, one system call.
    const batch = this.#pending;
    const length = this.#pendingBytes;
    const at = this.position;
    this.position += length;
    this.#backlog += length;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#chain = this.#chain.then(async () => {
      if (this.#failure !== undefined) return;
      try {
        const { bytesWritten } = await this.file.writev(batch, at);
        // A short writev (a full disk on the way) is finished piece by piece, so the error surfaces.
        let offset = bytesWritten;
        if (offset < length) {
          const rest = Buffer.concat(batch, length).subarray(offset);
          while (offset < length)
            offset += (await this.file.write(rest, offset - bytesWritten, length - offset, at + offset)).bytesWritten;
        }
      } catch (error) {
        this.#failure = error;
      } finally {
        this.#backlog -= length;
      }
    });
  }

  /** Everything pushed so far is on disk (or the first write error is thrown). */
  async drain(): Promise<void> {
    this.#flush();
    await this.#chain;
    if (this.#failure !== undefined) throw this.#failure;
  }
}

interface Part {
  start: number;
  /** Exclusive. */
  end: number;
  queue: Uint8Array[];
  received: number;
  finished: boolean;
}

async function fetchRemainder(
  file: FileHandle,
  from: number,
  options: TransferOptions,
  count: (n: number) => void,
  singleStream: boolean,
): Promise<void> {
  const remaining = options.size - from;
  const parallel = !singleStream && options.connections > 1 && remaining > options.chunkSize;
  const parts: Part[] = [];
  if (parallel) {
    for (let start = from; start < options.size; start += options.chunkSize) {
      parts.push({
        start,
        end: Math.min(options.size, start + options.chunkSize),
        queue: [],
        received: 0,
        finished: false,
      });
    }
  } else {
    parts.push({ start: from, end: options.size, queue: [], received: 0, finished: false });
  }

  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) abort.abort();
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let url = options.url;
  let received = from;
  const start = (part: Part): void => {
    void fetchPart(part, {
      options,
      parallel,
      signal: abort.signal,
      url: () => url,
      fallback: () => {
        if (!options.fallbackUrl || url === options.fallbackUrl) return false;
        url = options.fallbackUrl;
        return true;
      },
      onData: (n) => {
        count(n);
        received += n;
        options.onBytes?.(received);
        notify();
      },
    })
      .then(() => {
        part.finished = true;
        active--;
        pump();
      })
      .catch((error: unknown) => {
        if (failure === undefined) failure = error;
        abort.abort();
      })
      .finally(notify);
  };

  const writer = new SerialWriter(file, from, options.hasher);
  let frontier = 0;
  // Keep `connections` requests busy as long as the chunks held in memory ahead of the write frontier stay
  // within 2 × connections: a slow frontier chunk does not idle the other connections, and memory is bounded.
  let active = 0;
  let nextToStart = 0;
  const aheadLimit = 2 * options.connections;
  const pump = (): void => {
    while (
      !abort.signal.aborted &&
      active < options.connections &&
      nextToStart < parts.length &&
      nextToStart < frontier + aheadLimit
    ) {
      active++;
      start(parts[nextToStart++]!);
    }
  };
  try {
    pump();
    for (; frontier < parts.length; frontier++) {
      const part = parts[frontier]!;
      for (;;) {
        while (part.queue.length > 0) await writer.push(part.queue.shift()!);
        if (failure !== undefined) throw failure;
        if (part.finished) break;
        if (abort.signal.aborted) throw new HubError('cancelled', 'download cancelled.');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      pump();
    }
    await writer.drain();
  } catch (error) {
    abort.abort();
    // Keep what is contiguous: the frontier chunk's bytes already received go to disk before giving up (not
    // after a RangeIgnored, where the file is about to be truncated; its writes in flight still finish first).
    const part = parts[frontier];
    let writeFailure: unknown;
    try {
      if (part && !(error instanceof RangeIgnored))
        while (part.queue.length > 0) await writer.push(part.queue.shift()!);
      await writer.drain();
    } catch (e) {
      writeFailure = e;
    }
    if (writeFailure !== undefined && (writeFailure as NodeJS.ErrnoException).code !== undefined) throw writeFailure;
    if (options.signal?.aborted) throw new HubError('cancelled', 'download cancelled.');
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

interface PartContext {
  options: TransferOptions;
  /** Closed ranges per chunk; otherwise one stream, open-ended from the resume point (none from byte 0). */
  parallel: boolean;
  signal: AbortSignal;
  url: () => string;
  fallback: () => boolean;
  onData: (n: number) => void;
}

const contentRange = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

/** GETs one part (retrying from where it stopped after a network error) into its queue. */
async function fetchPart(part: Part, ctx: PartContext): Promise<void> {
  const { options } = ctx;
  let failures = 0;
  while (part.start + part.received < part.end) {
    const from = part.start + part.received;
    // identity: the bytes on disk must be the file's, and ranges must count the file's bytes.
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (ctx.parallel) headers.range = `bytes=${from}-${part.end - 1}`;
    else if (from > 0) headers.range = `bytes=${from}-`;
    // A stalled request is dropped: checked a few times per timeout rather than re-armed on every read.
    const idle = new AbortController();
    let lastData = Date.now();
    const touch = (): void => {
      lastData = Date.now();
    };
    const idleTimer = setInterval(
      () => {
        if (Date.now() - lastData > options.idleTimeoutMs) idle.abort();
      },
      Math.max(10, options.idleTimeoutMs / 4),
    );
    let progressed = false;
    try {
      const response = await options.fetch(ctx.url(), { headers, signal: AbortSignal.any([ctx.signal, idle.signal]) });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        if ([401, 403, 410].includes(response.status) && ctx.url() !== options.fallbackUrl && ctx.fallback()) continue;
        throw errorFromResponse(response, options.context, options.client);
      }
      if (headers.range && response.status === 200) {
        await response.body?.cancel().catch(() => undefined);
        throw new RangeIgnored();
      }
      if (response.status === 206) checkContentRange(response.headers.get('content-range'), from, options);
      if (!response.body) throw new HubError('badResponse', 'the server sent no body.');
      const reader = response.body.getReader();
      const want = part.end - from;
      let got = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        touch();
        if (got + value.length > want) {
          await reader.cancel().catch(() => undefined);
          throw new HubError('badResponse', `the server sent more bytes than the ${options.size} expected.`);
        }
        got += value.length;
        part.queue.push(value);
        part.received += value.length;
        progressed = true;
        ctx.onData(value.length);
      }
      if (got < want)
        throw Object.assign(new Error(`the body ended after ${got} of ${want} bytes`), { code: 'ECONNRESET' });
    } catch (caught) {
      if (caught instanceof RangeIgnored || HubError.is(caught) || ctx.signal.aborted) throw caught;
      const error = idle.signal.aborted
        ? Object.assign(new Error(`no data for ${options.idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })
        : caught;
      if (progressed) failures = 0;
      if (failures >= options.retries) throw error;
      failures++;
      await backoff(failures, ctx.signal);
    } finally {
      clearInterval(idleTimer);
    }
  }
}

function checkContentRange(header: string | null, from: number, options: TransferOptions): void {
  const match = header ? contentRange.exec(header) : null;
  if (!match || Number(match[1]) !== from || (match[3] !== '*' && Number(match[3]) !== options.size)) {
    throw new HubError(
      'badResponse',
      `the server answered a range request for byte ${from} with Content-Range '${header ?? ''}'.`,
    );
  }
}

function backoff(attempt: number, signal: AbortSignal): Promise<void> {
  const ms = Math.min(4000, 250 * 2 ** (attempt - 1));
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
