import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunRecordError, type RunRecord } from '../../../../src/runs/model/runRecord';
import { RunRecordStore, runRecordsDir } from '../../../../src/runs/model/runRecordStore';
import { RunsFolderError } from '../../../../src/runs/model/runsFolder';
import { makeFifo, releaseFifos } from '../../shared/fifoFixture';

function record(id: string, createdAt: string, status: RunRecord['status'] = 'running', root = '/w'): RunRecord {
  return {
    version: 1,
    id,
    kind: 'eval',
    label: id,
    argv: ['python', 'evaluate.py'],
    cwd: '/w/datacomp',
    env: {},
    host: 'h',
    simulated: true,
    status,
    createdAt,
    logPath: `${root}/.tic-studio/runs/${id}.log`,
  };
}

describe('RunRecordStore', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'tic-store-'));
  });
  const fifos: string[] = [];
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(workspace, { recursive: true, force: true });
  });

  it('writes atomically, reads back, and lists newest first with bad files reported, not thrown', async () => {
    const store = new RunRecordStore(runRecordsDir(workspace));
    await store.ensureDir();
    await store.write(record('a-old', '2026-01-01T00:00:00.000Z'));
    await store.write(record('b-new', '2026-02-01T00:00:00.000Z'));
    writeFileSync(store.recordPath('c-broken'), '{"version": 1, "id": "c-broken"');
    writeFileSync(store.recordPath('d-wrongid'), JSON.stringify(record('other', '2026-01-01T00:00:00.000Z')));
    writeFileSync(store.exitPath('b-new'), '{}');
    writeFileSync(join(store.dir, 'b-new.json.123.abcd.tmp'), 'half');
    const listing = await store.list();
    assert.deepEqual(
      listing.records.map((r) => r.id),
      ['b-new', 'a-old'],
    );
    assert.deepEqual(
      listing.problems.map((p) => [p.id, p.error.reason]),
      [
        ['c-broken', 'notJson'],
        ['d-wrongid', 'invalid'],
      ],
    );
    assert.deepEqual(await store.read('a-old'), record('a-old', '2026-01-01T00:00:00.000Z', 'running', workspace));
    assert.equal(await store.read('missing'), undefined);
    assert.ok((await store.read('c-broken')) instanceof RunRecordError);
    assert.ok(
      !readdirSync(store.dir).some((n) => n.endsWith('.tmp') && n.startsWith('a-old')),
      'no temp file left behind',
    );
  });

  it('takes a run’s console log to be <id>.log next to its record, whatever file the record names', async () => {
    const store = new RunRecordStore(runRecordsDir(workspace));
    await store.ensureDir();
    await store.write({ ...record('e-planted', '2026-01-01T00:00:00.000Z'), logPath: '/home/user/.ssh/id_rsa' });
    const read = await store.read('e-planted');
    assert.ok(read && !(read instanceof RunRecordError));
    assert.equal(read.logPath, join(runRecordsDir(workspace), 'e-planted.log'));
    assert.equal((await store.list()).records[0]?.logPath, join(runRecordsDir(workspace), 'e-planted.log'));
  });

  it('lists nothing for a workspace without runs', async () => {
    assert.deepEqual(await new RunRecordStore(runRecordsDir(workspace)).list(), { records: [], problems: [] });
  });

  it('lists a named pipe posing as a record as a problem, without waiting for a writer', async () => {
    const store = new RunRecordStore(runRecordsDir(workspace));
    await store.ensureDir();
    await store.write(record('a-good', '2026-01-01T00:00:00.000Z'));
    fifos.push(makeFifo(store.recordPath('b-pipe')));
    const listing = await store.list();
    assert.deepEqual(
      listing.records.map((r) => r.id),
      ['a-good'],
    );
    assert.deepEqual(
      listing.problems.map((p) => [p.id, p.error.reason, p.error.message]),
      [['b-pipe', 'unreadable', `cannot read run record: ${store.recordPath('b-pipe')} is a named pipe, not a file`]],
    );
  });

  it('lists a link to /dev/zero posing as a record as a problem instead of reading it', async () => {
    const store = new RunRecordStore(runRecordsDir(workspace));
    await store.ensureDir();
    symlinkSync('/dev/zero', store.recordPath('zero'));
    const { problems } = await store.list();
    assert.deepEqual(
      problems.map((p) => p.error.message),
      [`cannot read run record: ${store.recordPath('zero')} is a device, not a file`],
    );
  });

  it('says a record over 1 MB is too large, instead of reading it or skipping it', async () => {
    const store = new RunRecordStore(runRecordsDir(workspace));
    await store.ensureDir();
    const big = { ...record('big', '2026-01-01T00:00:00.000Z'), label: 'x'.repeat(2 * 1024 * 1024) };
    writeFileSync(store.recordPath('big'), JSON.stringify(big));
    const { records, problems } = await store.list();
    assert.deepEqual(records, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.error.message, /big\.json is 2.0 MiB; TiC Studio reads at most 1.0 MiB of a run record$/);
  });

  it('never writes through a symlinked runs folder that points outside the workspace', async () => {
    const victim = mkdtempSync(join(tmpdir(), 'tic-victim-'));
    try {
      mkdirSync(join(workspace, '.tic-studio'));
      symlinkSync(victim, runRecordsDir(workspace));
      const store = new RunRecordStore(runRecordsDir(workspace));
      await assert.rejects(store.ensureDir(), (e: unknown) => e instanceof RunsFolderError && e.reason === 'symlink');
      await assert.rejects(
        store.write(record('planted', '2026-01-01T00:00:00.000Z')),
        (e: unknown) =>
          e instanceof RunsFolderError &&
          /runs is a symbolic link; TiC Studio writes its run records only/.test(e.message),
      );
      assert.deepEqual(readdirSync(victim), []);
    } finally {
      rmSync(victim, { recursive: true, force: true });
    }
  });

  it('never writes through a symlinked .tic-studio folder, nor creates runs/ inside its target', async () => {
    const victim = mkdtempSync(join(tmpdir(), 'tic-victim-'));
    try {
      symlinkSync(victim, join(workspace, '.tic-studio'));
      const store = new RunRecordStore(runRecordsDir(workspace));
      await assert.rejects(store.ensureDir(), RunsFolderError);
      await assert.rejects(store.write(record('planted', '2026-01-01T00:00:00.000Z')), RunsFolderError);
      assert.equal(existsSync(join(victim, 'runs')), false);
      assert.deepEqual(readdirSync(victim), []);
    } finally {
      rmSync(victim, { recursive: true, force: true });
    }
  });

  it('refuses a runs "folder" that is a file', async () => {
    mkdirSync(join(workspace, '.tic-studio'));
    writeFileSync(runRecordsDir(workspace), '');
    const store = new RunRecordStore(runRecordsDir(workspace));
    await assert.rejects(store.ensureDir(), (e: unknown) => e instanceof RunsFolderError && e.reason === 'notFolder');
  });

  for (const variant of ['fs.watch', 'the polling fallback'] as const) {
    it(`tells another window about written records (${variant})`, async () => {
      const dir = runRecordsDir(workspace);
      const watcher =
        variant === 'fs.watch'
          ? new RunRecordStore(dir, { pollMs: 60_000 })
          : new RunRecordStore(dir, {
              pollMs: 30,
              watch: (() => {
                throw new Error('no inotify here');
              }) as never,
            });
      const seen: string[] = [];
      const watching = watcher.watch((ids) => seen.push(...ids));
      try {
        await new Promise((r) => setTimeout(r, 100));
        const other = new RunRecordStore(dir);
        await other.write(record('from-other-window', '2026-03-01T00:00:00.000Z'));
        const deadline = Date.now() + 3000;
        while (!seen.includes('from-other-window')) {
          assert.ok(Date.now() < deadline, `not notified; saw ${JSON.stringify(seen)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.ok(
          seen.every((id) => id === 'from-other-window'),
          'temp files are not records',
        );
      } finally {
        watching.dispose();
      }
    });
  }
});
