import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunRecordError, type RunRecord } from '../../../src/runs/runRecord';
import { RunRecordStore, runRecordsDir } from '../../../src/runs/runRecordStore';

function record(id: string, createdAt: string, status: RunRecord['status'] = 'running'): RunRecord {
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
    logPath: `/w/.tic-studio/runs/${id}.log`,
  };
}

describe('RunRecordStore', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'tic-store-'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

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
    assert.deepEqual(await store.read('a-old'), record('a-old', '2026-01-01T00:00:00.000Z'));
    assert.equal(await store.read('missing'), undefined);
    assert.ok((await store.read('c-broken')) instanceof RunRecordError);
    assert.ok(
      !readdirSync(store.dir).some((n) => n.endsWith('.tmp') && n.startsWith('a-old')),
      'no temp file left behind',
    );
  });

  it('lists nothing for a workspace without runs', async () => {
    assert.deepEqual(await new RunRecordStore(runRecordsDir(workspace)).list(), { records: [], problems: [] });
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
