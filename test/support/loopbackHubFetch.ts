/**
 * Fetches that behave like ones TiC Studio may be handed instead of Node's own, for tests against the loopback Hub.
 */

/**
 * A fetch that follows redirects itself and sends every header again to the next hop, whatever its origin, as
 * older undici releases, some proxy-patched fetches and `curl --location-trusted` do. Node 20's fetch drops
 * Authorization on a cross-origin redirect; code that must never leak the token cannot count on that.
 */
export function headerKeepingFetch(): typeof fetch {
  const keeping = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (init?.redirect === 'manual' || init?.redirect === 'error') return fetch(url, init);
    for (let hop = 0; hop < 10; hop++) {
      const response = await fetch(url, { ...init, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      url = new URL(location, url);
    }
    throw new TypeError('fetch failed: too many redirects');
  };
  return keeping as typeof fetch;
}

/**
 * A fetch that records each request it is asked for (URL and whether it carries Authorization) and then fails as
 * an unreachable host does, for endpoints no test can serve (a plain-http host that is not this machine).
 */
export function recordingUnreachableFetch(): {
  fetch: typeof fetch;
  requests: { url: string; authorization: boolean }[];
} {
  const requests: { url: string; authorization: boolean }[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    requests.push({ url, authorization: headers.has('authorization') });
    throw new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
    });
  };
  return { fetch: recording as typeof fetch, requests };
}
