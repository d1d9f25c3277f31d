import { HubError } from './hubError';

export const defaultHubEndpoint = 'https://huggingface.co';

/**
 * The Hub base URL: the caller's option, else `HF_ENDPOINT` (as Python's huggingface_hub reads it), else
 * huggingface.co. @huggingface/hub has no HF_ENDPOINT support of its own, so every call passes this as `hubUrl`.
 */
export function resolveHubEndpoint(options: {
  endpoint?: string;
  env: Readonly<Record<string, string | undefined>>;
}): string {
  const raw = options.endpoint ?? (options.env.HF_ENDPOINT || undefined) ?? defaultHubEndpoint;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HubError(
      'invalidInput',
      `'${raw}' is not a URL (the Hub endpoint must look like https://huggingface.co).`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HubError(
      'invalidInput',
      `'${raw}' is not an http(s) URL (the Hub endpoint must look like https://huggingface.co).`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new HubError('invalidInput', 'the Hub endpoint must not carry credentials, a query or a fragment.');
  }
  return url.toString().replace(/\/+$/, '');
}
