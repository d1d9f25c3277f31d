import { version } from '../../shared/version';
import { HubError } from '../core/hubError';
import type { HubToken } from '../core/hubToken';

/** What every Hub call needs (ARCHITECTURE.md rule 2: the fetch and the endpoint come from the caller). */
export interface HubClient {
  /** The Hub base URL, already resolved (resolveHubEndpoint). */
  endpoint: string;
  fetch: typeof fetch;
  token?: HubToken | undefined;
  /** Limit for one metadata request (catalog, model info, HEAD); transfers have none. Default 20 s. */
  timeoutMs?: number;
}

/** What a request was for, so an error can name the repo, revision or file. */
export interface RequestContext {
  repo: string;
  revision?: string;
  path?: string;
}

export const defaultMetadataTimeoutMs = 20_000;

/**
 * A fetch that adds `Authorization: Bearer …` to requests for the Hub's own origin only: a CDN URL (LFS
 * redirects) never sees the token, as in Python's huggingface_hub. The token is passed this way rather than as
 * @huggingface/hub's `accessToken`, which insists on an `hf_` prefix.
 *
 * The token only travels encrypted or within this machine: a request that would carry it to a plain-http origin
 * other than loopback is refused (insecureEndpoint) before anything is sent. A request carrying the token follows
 * its redirects here rather than in the fetch below, so the header is dropped on the first hop to another origin
 * whatever that fetch does (the Fetch standard strips it, older undici and other fetches do not).
 */
export function authorizedFetch(client: HubClient): typeof fetch {
  const origin = new URL(client.endpoint).origin;
  const token = client.token;
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (!headers.has('user-agent')) headers.set('user-agent', `tic-studio/${version}`);
    if (!token || url.origin !== origin || headers.has('authorization'))
      return client.fetch(input, { ...init, headers });
    if (!tokenMayTravelTo(url)) throw insecureEndpoint(url);
    headers.set('authorization', `Bearer ${token.reveal()}`);
    const request: RequestInit =
      input instanceof Request ? { method: input.method, body: input.body, ...init } : { ...init };
    if (request.redirect === 'manual' || request.redirect === 'error')
      return client.fetch(url, { ...request, headers });
    return followRedirects(client.fetch, url, { ...request, headers }, origin);
  };
  return wrapped as typeof fetch;
}

/** https anywhere; plain http only to this machine (127.0.0.0/8, ::1, localhost), where no one else listens in. */
export function tokenMayTravelTo(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  // URL normalizes IPv4 (127.1 → 127.0.0.1) and writes IPv6 in brackets.
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function insecureEndpoint(url: URL): HubError {
  return new HubError(
    'insecureEndpoint',
    `the Hugging Face token was not sent to ${url.origin}: it is plain http and not this machine, so anyone on the network path could read the token. Use an https:// Hub endpoint (HF_ENDPOINT or the ticStudio.hub.endpoint setting), or remove the token to read public repos from this mirror.`,
  );
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 20;

/** The fetch standard's redirect steps, with Authorization kept only while the hops stay on the Hub's origin. */
async function followRedirects(
  doFetch: typeof fetch,
  first: URL,
  init: RequestInit & { headers: Headers },
  origin: string,
): Promise<Response> {
  let url = first;
  let request = init;
  for (let hop = 0; ; hop++) {
    const response = await doFetch(url, { ...request, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!redirectStatuses.has(response.status) || location === null) return response;
    await response.body?.cancel().catch(() => undefined);
    if (hop >= maxRedirects) throw new HubError('badResponse', `${first.origin}: too many redirects.`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new HubError('badResponse', `${url.origin} redirected to something that is not a URL.`);
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:')
      throw new HubError('badResponse', `${url.origin} redirected to a ${next.protocol} URL.`);
    const headers = new Headers(request.headers);
    if (next.origin !== origin) headers.delete('authorization');
    const method = (request.method ?? 'GET').toUpperCase();
    const toGet =
      response.status === 303
        ? method !== 'HEAD'
        : (response.status === 301 || response.status === 302) && method === 'POST';
    request = toGet ? { ...request, method: 'GET', body: undefined, headers } : { ...request, headers };
    if (toGet) {
      headers.delete('content-type');
      headers.delete('content-length');
    }
    url = next;
  }
}

/** Server text inside our messages, with the token cut out should a proxy ever echo it. */
function redact(text: string, token: HubToken | undefined): string {
  const value = token?.reveal();
  const short = text.replace(/\s+/g, ' ').trim().slice(0, 300);
  return value ? short.split(value).join('[token]') : short;
}

const setToken = 'set HF_TOKEN (or log in with `huggingface-cli login`) or run "TiC Studio: Set Hugging Face Token"';

/** The HubError for a non-2xx answer, with the Hub's X-Error-Code deciding between repo, revision and file. */
export function errorFromResponse(
  response: Response,
  context: RequestContext,
  client: Pick<HubClient, 'endpoint' | 'token'>,
): HubError {
  const status = response.status;
  const code = response.headers.get('x-error-code') ?? '';
  const hubSays = response.headers.get('x-error-message');
  const said = hubSays ? ` The Hub said: "${redact(hubSays, client.token)}"` : '';
  const repo = context.repo;
  const page = `${client.endpoint}/${repo}`;
  const revision = context.revision ?? 'main';
  const tokenNote = client.token
    ? `the token (from ${client.token.source === 'tokenFile' ? 'the token file' : client.token.source === 'HF_TOKEN' ? 'HF_TOKEN' : 'TiC Studio'})`
    : 'no token';

  if (code === 'GatedRepo' && status === 401) {
    return new HubError(
      'unauthorized',
      `${repo} is a gated repo and the Hub answered 401 (unauthorized) with ${tokenNote}: accept the conditions on ${page} while logged in, then ${setToken}.${said}`,
      { status },
    );
  }
  if (code === 'GatedRepo' || (status === 403 && code === '')) {
    return new HubError(
      'forbidden',
      `the Hub answered 403 (forbidden) for ${repo}: ${tokenNote} may not read it. ${code === 'GatedRepo' ? `Accept the conditions on ${page} with the account the token belongs to` : `Ask for access on ${page} or use a token with read access`}, then ${setToken}.${said}`,
      { status },
    );
  }
  if (code === 'RepoNotFound' || (status === 404 && code === '' && context.path === undefined)) {
    const hint = client.token ? '' : ` If it is private or gated, ${setToken}.`;
    return new HubError('notFound', `repo ${repo} was not found on ${client.endpoint} (${status}).${hint}`, { status });
  }
  if (code === 'RevisionNotFound') {
    return new HubError('notFound', `revision '${revision}' was not found in ${repo} (${status}).`, { status });
  }
  if (code === 'EntryNotFound' || status === 404) {
    return new HubError(
      'notFound',
      `file ${context.path ?? '?'} was not found in ${repo} at revision '${revision}' (${status}).`,
      { status },
    );
  }
  if (status === 401) {
    return new HubError(
      'unauthorized',
      client.token
        ? `the Hub answered 401 (unauthorized) for ${repo}: ${tokenNote} was rejected (invalid or expired); ${setToken} with a valid token.${said}`
        : `the Hub answered 401 (unauthorized) for ${repo}: it needs a token; ${setToken}.${said}`,
      { status },
    );
  }
  if (status === 403) {
    return new HubError(
      'forbidden',
      `the Hub answered 403 (forbidden) for ${repo}: ${tokenNote} may not read it; ${setToken}.${said}`,
      { status },
    );
  }
  if (status === 429 || status >= 500) {
    return new HubError(
      'network',
      `the Hub answered ${status} for ${repo} (${status === 429 ? 'rate limited' : 'unavailable'}); try again later.${said}`,
      { status },
    );
  }
  return new HubError(
    'badResponse',
    `the Hub answered ${status} for ${repo}${context.path ? ` ${context.path}` : ''}.${said}`,
    { status },
  );
}

/**
 * A failed fetch (no response, or a body that broke off) as a HubError: 'cancelled' when the caller's signal
 * fired, 'network' otherwise. HubErrors pass through unchanged.
 */
export function errorFromFailure(error: unknown, what: string, signal?: AbortSignal): HubError {
  if (HubError.is(error)) return error;
  if (signal?.aborted) return new HubError('cancelled', `${what}: cancelled.`, { cause: error });
  if (error instanceof SyntaxError)
    return new HubError('badResponse', `${what}: the Hub's answer is not the JSON expected.`, { cause: error });
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'TimeoutError')
    return new HubError('network', `${what}: no answer in time; check the network (or HF_ENDPOINT).`, { cause: error });
  const code = e?.cause?.code ?? (error as { code?: string } | undefined)?.code;
  const detail = code ?? e?.cause?.message ?? e?.message ?? String(error);
  return new HubError('network', `${what}: the connection failed (${detail}); check the network (or HF_ENDPOINT).`, {
    cause: error,
  });
}

/** A signal that fires on the caller's abort or after `ms`, whichever comes first. */
export function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/**
 * A fetch for @huggingface/hub's functions: authorized as above, each request limited in time, and a non-2xx
 * answer thrown as our HubError (with the X-Error-Code headers the library's own error drops).
 */
export function strictHubFetch(
  client: HubClient,
  context: RequestContext,
  what: string,
  signal?: AbortSignal,
): typeof fetch {
  const base = authorizedFetch(client);
  const strict = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await base(input, {
        ...init,
        signal: withTimeout(signal, client.timeoutMs ?? defaultMetadataTimeoutMs),
      });
    } catch (error) {
      throw errorFromFailure(error, what, signal);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw errorFromResponse(response, context, client);
    }
    return response;
  };
  return strict as typeof fetch;
}
