import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FixedContent, GeneratedContent, type LoopbackContent } from './loopbackHubContent';

/**
 * A Hugging Face Hub on 127.0.0.1 (port 0) that speaks the subset the catalog and the downloader use, the way the
 * real Hub does (checked against @huggingface/hub 2.17.5 and Python's huggingface_hub):
 * - `GET /api/models/{org}/{name}[/revision/{rev}]`: model info with `sha`;
 * - `GET /api/models/{org}/{name}/tree/{rev}[/{path}]?recursive=&expand=&cursor=`: pages of entries, the next
 *   page in an absolute `Link: <…>; rel="next"`;
 * - `POST /api/models/{org}/{name}/paths-info/{rev}`;
 * - `HEAD|GET /{org}/{name}/resolve/{rev}/{path}`: LFS files answer 302 to a separate CDN path with
 *   X-Linked-Etag / X-Linked-Size / X-Repo-Commit; small files answer 200 with their git sha1 as ETag;
 * - `GET|HEAD /cdn/{sha256}` on a second origin (the CDN): the LFS bytes, `ETag` = sha256, Range → 206 + Content-Range;
 * - 401/403/404 with `X-Error-Code: RepoNotFound | EntryNotFound | RevisionNotFound | GatedRepo` and
 *   `X-Error-Message`, as the Hub sends them (unknown and private repos answer 401 without a token).
 * Faults can be switched on at any time through `hub.faults`.
 */
export interface LoopbackFileSpec {
  path: string;
  /** Fixed bytes (a text file); otherwise `size` pseudo-random bytes from `seed`. */
  content?: string | Buffer;
  size?: number;
  seed?: number;
  /** Stored in LFS (default: true for generated content, false for fixed content). */
  lfs?: boolean;
}

export interface LoopbackRepoSpec {
  id: string;
  files: LoopbackFileSpec[];
  /** Default: sha1 of the id. */
  commit?: string;
  /** Needs a valid token (401 GatedRepo without one); `access: false` makes a valid token get 403. */
  gated?: boolean;
  access?: boolean;
  /** Needs a valid token (401 RepoNotFound without one). */
  private?: boolean;
}

export interface LoopbackHubOptions {
  repos: LoopbackRepoSpec[];
  /** The one token the Hub accepts. */
  token?: string;
  /** Entries per tree page (the real Hub uses 1000 for expand=false). */
  treePageSize?: number;
  /** The Hub's port (default: a free one): a Hub that comes up where a client was already pointed. */
  port?: number;
}

export interface LoopbackFaults {
  /** Cut the connection after this many body bytes of a file response (resolve or CDN). */
  cutAfterBytes?: number;
  /** How many responses are cut before the rest are served whole (default: every one). */
  cutTimes?: number;
  /** Serve wrong bytes: the byte at this file offset is flipped. */
  corruptAt?: number;
  /** Throttle each file body to this many bytes per second. */
  bytesPerSecond?: number;
  /** Throttle all file bodies together to this many bytes per second (a link of that speed). */
  totalBytesPerSecond?: number;
  /** Answer Range requests with 200 and the whole file. */
  ignoreRange?: boolean;
  /** Wait this long before answering any request. */
  delayMs?: number;
  /** Raw entries added to every tree listing (after the real ones), as a Hub, mirror or proxy might send them. */
  extraTreeEntries?: unknown[];
  /** Headers set on every resolve answer (HEAD or GET), replacing the real ones: a wrong commit, a data: location. */
  resolveHeaders?: Record<string, string>;
  /** The CDN answers 403 (an expired signed URL) to this many requests before serving again. */
  cdnRefusals?: number;
}

export interface LoggedRequest {
  method: string;
  url: string;
  range: string | undefined;
  status: number;
  /** Whether an Authorization header came, and if so whether it carried the configured token. */
  authorization: 'none' | 'valid' | 'invalid';
  /** Which of the two origins answered: the Hub, or the CDN (another port, where the token must never go). */
  origin: 'hub' | 'cdn';
}

export interface LoopbackFile {
  repo: string;
  path: string;
  content: LoopbackContent;
  lfs: boolean;
  sha256: string;
  /** The tree `oid`: the git sha1 of the bytes, or of the LFS pointer for LFS files. */
  gitOid: string;
}

export interface LoopbackHub {
  /** `http://127.0.0.1:PORT`, to pass as the endpoint. */
  readonly url: string;
  /** The CDN's own origin (another port), where LFS redirects point. */
  readonly cdnUrl: string;
  readonly faults: LoopbackFaults;
  /** File body bytes written to sockets since the last reset (resolve and CDN). */
  readonly stats: { bodyBytes: number; requests: LoggedRequest[] };
  resetStats(): void;
  file(repo: string, path: string): LoopbackFile;
  commit(repo: string): string;
  /** Body bytes served for one file since the last reset. */
  bytesServed(repo: string, path: string): number;
  close(): Promise<void>;
}

interface Repo {
  spec: LoopbackRepoSpec;
  commit: string;
  files: Map<string, LoopbackFile>;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function lfsPointer(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}

export async function startLoopbackHub(options: LoopbackHubOptions): Promise<LoopbackHub> {
  const repos = new Map<string, Repo>();
  const bySha = new Map<string, LoopbackFile>();
  for (const spec of options.repos) {
    const files = new Map<string, LoopbackFile>();
    for (const f of spec.files) {
      const content: LoopbackContent =
        f.content !== undefined
          ? new FixedContent(Buffer.from(f.content))
          : new GeneratedContent(f.seed ?? hashSeed(`${spec.id}/${f.path}`), f.size ?? 0);
      const lfs = f.lfs ?? f.content === undefined;
      const sha256 = content.sha256();
      const gitOid = lfs
        ? createHash('sha1')
            .update(`blob ${Buffer.byteLength(lfsPointer(sha256, content.size))}\0${lfsPointer(sha256, content.size)}`)
            .digest('hex')
        : content.gitSha1();
      const file: LoopbackFile = { repo: spec.id, path: f.path, content, lfs, sha256, gitOid };
      files.set(f.path, file);
      if (lfs) bySha.set(sha256, file);
    }
    repos.set(spec.id, { spec, commit: spec.commit ?? sha1(`commit:${spec.id}`), files });
  }

  const faults: LoopbackFaults = {};
  const stats = { bodyBytes: 0, requests: [] as LoggedRequest[] };
  const servedByFile = new Map<string, number>();
  let cutsDone = 0;
  // The shared link for totalBytesPerSecond: when the bytes sent so far may have left.
  let linkFreeAt = 0;
  let base = '';
  let cdnBase = '';

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  // The Hub and its CDN are two origins, as huggingface.co and cdn-lfs.hf.co are: the token must not follow.
  const server = createServer(serve);
  const cdnServer = createServer(serve);

  function authOf(req: IncomingMessage): LoggedRequest['authorization'] {
    const header = req.headers.authorization;
    if (!header) return 'none';
    return options.token !== undefined && header === `Bearer ${options.token}` ? 'valid' : 'invalid';
  }

  function fail(res: ServerResponse, status: number, code: string | undefined, message: string): void {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-error-message': message };
    if (code) headers['x-error-code'] = code;
    res.writeHead(status, headers).end(JSON.stringify({ error: message }));
  }

  /** The Hub's access rules; undefined when the request may go on. */
  function denied(
    res: ServerResponse,
    auth: LoggedRequest['authorization'],
    id: string,
    repo: Repo | undefined,
  ): boolean {
    if (auth === 'invalid') {
      fail(res, 401, undefined, 'Invalid credentials in Authorization header');
      return true;
    }
    if (!repo || (repo.spec.private && auth !== 'valid')) {
      fail(
        res,
        auth === 'valid' ? 404 : 401,
        'RepoNotFound',
        `Repository Not Found for url: ${base}/api/models/${id}.`,
      );
      return true;
    }
    if (repo.spec.gated && auth !== 'valid') {
      fail(
        res,
        401,
        'GatedRepo',
        `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
      return true;
    }
    if (repo.spec.gated && repo.spec.access === false) {
      fail(
        res,
        403,
        'GatedRepo',
        `Access to model ${id} is restricted and you are not in the authorized list. Visit ${base}/${id} to ask for access.`,
      );
      return true;
    }
    return false;
  }

  function revisionOk(repo: Repo, rev: string): boolean {
    return rev === 'main' || rev === 'HEAD' || rev === repo.commit;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const onCdn = req.socket.localPort === (cdnServer.address() as AddressInfo).port;
    const url = new URL(req.url ?? '/', onCdn ? cdnBase : base);
    const auth = authOf(req);
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      url: url.pathname + url.search,
      range: req.headers.range,
      status: 0,
      authorization: auth,
      origin: onCdn ? 'cdn' : 'hub',
    };
    stats.requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => (entry.status ||= res.statusCode));
    if (faults.delayMs) await sleep(faults.delayMs);
    const parts = url.pathname.split('/').map(decodeURIComponent);

    if (onCdn) {
      if (faults.cdnRefusals) {
        faults.cdnRefusals--;
        return fail(res, 403, undefined, 'Request has expired');
      }
      const file = parts[1] === 'cdn' && parts.length === 3 ? bySha.get(parts[2]!) : undefined;
      if (!file) return fail(res, 404, undefined, 'Not found');
      return serveBody(req, res, file, { etag: `"${file.sha256}"` });
    }

    if (parts[1] === 'api' && parts[2] === 'models') {
      const id = `${parts[3]}/${parts[4]}`;
      const repo = repos.get(id);
      if (denied(res, auth, id, repo)) return;
      const r = repo!;
      const action = parts[5];
      if (action === undefined || action === 'revision') {
        const rev = action === 'revision' ? parts.slice(6).join('/') : 'main';
        if (!revisionOk(r, rev)) return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
        return json(res, {
          _id: sha1(id).slice(0, 24),
          id,
          modelId: id,
          author: id.split('/')[0],
          sha: r.commit,
          private: r.spec.private ?? false,
          gated: r.spec.gated ? 'manual' : false,
          disabled: false,
          downloads: 0,
          likes: 0,
          lastModified: '2024-01-01T00:00:00.000Z',
          pipeline_tag: 'zero-shot-image-classification',
          library_name: 'tic-clip',
          siblings: [...r.files.keys()].map((rfilename) => ({ rfilename })),
        });
      }
      if (action === 'tree') {
        const rev = parts[6] ?? '';
        if (!revisionOk(r, rev)) return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
        const dir = parts.slice(7).join('/');
        return tree(res, r, id, rev, dir, url);
      }
      if (action === 'paths-info' && req.method === 'POST') {
        const rev = parts.slice(6).join('/');
        if (!revisionOk(r, rev)) return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
        const body = JSON.parse(await readBody(req)) as { paths?: string[] };
        return json(
          res,
          (body.paths ?? []).flatMap((p) => (r.files.has(p) ? [treeEntry(r.files.get(p)!)] : [])),
        );
      }
      return fail(res, 404, undefined, 'Not found');
    }

    // /{org}/{name}/resolve/{rev}/{path…}
    if (parts[3] === 'resolve' && parts.length >= 6) {
      const id = `${parts[1]}/${parts[2]}`;
      const repo = repos.get(id);
      if (denied(res, auth, id, repo)) return;
      const r = repo!;
      const rev = parts[4]!;
      if (!revisionOk(r, rev)) return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      const path = parts.slice(5).join('/');
      const file = r.files.get(path);
      if (!file) return fail(res, 404, 'EntryNotFound', `Entry not found for path ${path}.`);
      if (file.lfs) {
        res
          .writeHead(302, {
            location: `${cdnBase}/cdn/${file.sha256}?repo=${encodeURIComponent(id)}&path=${encodeURIComponent(path)}`,
            'x-repo-commit': r.commit,
            'x-linked-etag': `"${file.sha256}"`,
            'x-linked-size': String(file.content.size),
            etag: `"${file.gitOid}"`,
            'content-length': '0',
            ...faults.resolveHeaders,
          })
          .end();
        return;
      }
      return serveBody(req, res, file, {
        etag: `"${file.gitOid}"`,
        'x-repo-commit': r.commit,
        ...faults.resolveHeaders,
      });
    }
    fail(res, 404, undefined, 'Not found');
  }

  function treeEntry(f: LoopbackFile): Record<string, unknown> {
    const e: Record<string, unknown> = { type: 'file', oid: f.gitOid, size: f.content.size, path: f.path };
    if (f.lfs)
      e.lfs = {
        oid: f.sha256,
        size: f.content.size,
        pointerSize: Buffer.byteLength(lfsPointer(f.sha256, f.content.size)),
      };
    return e;
  }

  function tree(res: ServerResponse, r: Repo, id: string, rev: string, dir: string, url: URL): void {
    const recursive = url.searchParams.get('recursive') === 'true' || url.searchParams.get('recursive') === '1';
    const prefix = dir ? `${dir}/` : '';
    const entries: Record<string, unknown>[] = [];
    const dirs = new Set<string>();
    for (const f of [...r.files.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      if (!f.path.startsWith(prefix)) continue;
      const rest = f.path.slice(prefix.length).split('/');
      for (let depth = 1; depth < rest.length && (recursive || depth === 1); depth++) {
        const d = prefix + rest.slice(0, depth).join('/');
        if (!dirs.has(d)) {
          dirs.add(d);
          entries.push({ type: 'directory', oid: sha1(`dir:${d}`), size: 0, path: d });
        }
      }
      if (recursive || rest.length === 1) entries.push(treeEntry(f));
    }
    entries.push(...((faults.extraTreeEntries ?? []) as Record<string, unknown>[]));
    if (dir && entries.length === 0) return fail(res, 404, 'EntryNotFound', `${dir} does not exist on "${rev}"`);
    const pageSize = options.treePageSize ?? 1000;
    const cursor = Number(url.searchParams.get('cursor') ?? '0');
    const page = entries.slice(cursor, cursor + pageSize);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (cursor + pageSize < entries.length) {
      const next = new URL(`${base}/api/models/${id}/tree/${encodeURIComponent(rev)}${dir ? `/${dir}` : ''}`);
      next.searchParams.set('recursive', String(recursive));
      next.searchParams.set('expand', url.searchParams.get('expand') ?? 'false');
      next.searchParams.set('cursor', String(cursor + pageSize));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    res.writeHead(200, headers).end(JSON.stringify(page));
  }

  async function serveBody(
    req: IncomingMessage,
    res: ServerResponse,
    file: LoopbackFile,
    headers: Record<string, string>,
  ): Promise<void> {
    const size = file.content.size;
    let start = 0;
    let end = size;
    let status = 200;
    const range = req.headers.range;
    const out: Record<string, string> = {
      ...headers,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    };
    if (range && !faults.ignoreRange) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      const from = m ? Number(m[1]) : NaN;
      const to = m && m[2] !== '' ? Number(m[2]) + 1 : size;
      if (!m || from >= size || to <= from) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      start = from;
      end = Math.min(to, size);
      status = 206;
      out['content-range'] = `bytes ${start}-${end - 1}/${size}`;
    }
    out['content-length'] = String(end - start);
    res.writeHead(status, out);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const cut =
      faults.cutAfterBytes !== undefined && (faults.cutTimes === undefined || cutsDone < faults.cutTimes)
        ? faults.cutAfterBytes
        : undefined;
    if (cut !== undefined) cutsDone++;
    const key = `${file.repo}/${file.path}`;
    const began = Date.now();
    let sent = 0;
    for (let slice of file.content.slices(start, end)) {
      if (res.destroyed) return;
      const at = start + sent;
      if (faults.corruptAt !== undefined && faults.corruptAt >= at && faults.corruptAt < at + slice.length) {
        slice = Buffer.from(slice);
        slice[faults.corruptAt - at]! ^= 0xff;
      }
      if (cut !== undefined && sent + slice.length >= cut) {
        const last = slice.subarray(0, cut - sent);
        count(key, last.length);
        await new Promise<void>((resolve) => res.write(last, () => resolve()));
        res.destroy();
        return;
      }
      count(key, slice.length);
      sent += slice.length;
      if (!res.write(slice)) await drained(res);
      if (faults.bytesPerSecond) {
        const due = began + (sent / faults.bytesPerSecond) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      if (faults.totalBytesPerSecond) {
        linkFreeAt = Math.max(linkFreeAt, Date.now() - 50) + (slice.length / faults.totalBytesPerSecond) * 1000;
        if (linkFreeAt > Date.now() + 2) await sleep(linkFreeAt - Date.now());
      }
    }
    res.end();
  }

  function count(key: string, n: number): void {
    stats.bodyBytes += n;
    servedByFile.set(key, (servedByFile.get(key) ?? 0) + n);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => cdnServer.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cdnBase = `http://127.0.0.1:${(cdnServer.address() as AddressInfo).port}`;

  return {
    url: base,
    cdnUrl: cdnBase,
    faults,
    stats,
    resetStats() {
      stats.bodyBytes = 0;
      stats.requests.length = 0;
      servedByFile.clear();
      cutsDone = 0;
    },
    file(repo, path) {
      const f = repos.get(repo)?.files.get(path);
      if (!f) throw new Error(`loopback hub: no ${repo}/${path}`);
      return f;
    },
    commit(repo) {
      const r = repos.get(repo);
      if (!r) throw new Error(`loopback hub: no ${repo}`);
      return r.commit;
    },
    bytesServed(repo, path) {
      return servedByFile.get(`${repo}/${path}`) ?? 0;
    },
    close() {
      const closing = [server, cdnServer].map(
        (srv) =>
          new Promise<void>((resolve) => {
            srv.close(() => resolve());
            srv.closeAllConnections();
          }),
      );
      return Promise.all(closing).then(() => undefined);
    },
  };
}

function hashSeed(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
