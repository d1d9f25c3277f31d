import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { resolveHfHome } from './hubCachePaths';

type Env = Readonly<Record<string, string | undefined>>;

export type HubTokenSource = 'HF_TOKEN' | 'tokenFile' | 'supplied';

/**
 * A Hugging Face access token. The value sits in a private field, so printing, logging or JSON-encoding the
 * object shows only where it came from; code that needs the value calls `reveal()` (the Authorization header).
 */
export class HubToken {
  readonly #value: string;

  constructor(
    value: string,
    readonly source: HubTokenSource,
    readonly path?: string,
  ) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): { source: HubTokenSource; path?: string } {
    return this.path === undefined ? { source: this.source } : { source: this.source, path: this.path };
  }

  toString(): string {
    return `[HubToken from ${this.source}]`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Python's `_clean_token`: surrounding white space and line breaks removed; empty means none. */
function clean(raw: string | undefined): string | undefined {
  const value = raw?.replace(/[\r\n]/g, '').trim();
  return value ? value : undefined;
}

/** The token file Python's huggingface_hub reads and `huggingface-cli login` writes: `HF_TOKEN_PATH`, else `HF_HOME/token`. */
export function hubTokenPath(options: { env: Env; homeDir?: string }): string {
  return (
    options.env.HF_TOKEN_PATH ||
    join(resolveHfHome({ env: options.env, homeDir: options.homeDir ?? homedir() }), 'token')
  );
}

/**
 * The token to send, looked up as Python's huggingface_hub does: `HF_TOKEN` (or the legacy
 * `HUGGING_FACE_HUB_TOKEN`), then the token file, then the caller's own (the extension's SecretStorage).
 * `undefined` when there is none: public repos need no token.
 */
export async function findHubToken(options: {
  env: Env;
  homeDir?: string;
  supplied?: () => PromiseLike<string | undefined> | string | undefined;
  readTextFile?: (path: string) => Promise<string>;
}): Promise<HubToken | undefined> {
  const fromEnv = clean(options.env.HF_TOKEN) ?? clean(options.env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnv) return new HubToken(fromEnv, 'HF_TOKEN');
  const path = hubTokenPath(options);
  try {
    const fromFile = clean(await (options.readTextFile ?? ((p) => readFile(p, 'utf8')))(path));
    if (fromFile) return new HubToken(fromFile, 'tokenFile', path);
  } catch {
    // No token file (or an unreadable one) is the normal case for public repos.
  }
  const supplied = clean(await options.supplied?.());
  return supplied ? new HubToken(supplied, 'supplied') : undefined;
}
