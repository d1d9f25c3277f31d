import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecordVersion, type RunRecord } from '../../../src/runs/model/runRecord';
import { RunRecordStore, runRecordsDir } from '../../../src/runs/model/runRecordStore';
import { RunEvents } from '../../../src/runs/runEvents';
import { removeEndedRecord, RunRecordKeeper } from '../../../src/runs/runRecordKeeper';
import { slurmRunRecord } from '../../support/slurmRunRecord';

class NoSuchRun extends Error {}

/**
 * The record plumbing the Supervisor and the SlurmScheduler share, on a real `.tic-studio/runs` folder in a temp
 * workspace: what a scheduler reads as "no record", the error it throws for one, and what it announces.
 */
describe('RunRecordKeeper', () => {
  let workspace: string;
  let store: RunRecordStore;
  let events: RunEvents;
  let settled: string[];
  let announced: RunRecord[];

  beforeEach(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'tic-keeper-'));
    store = new RunRecordStore(runRecordsDir(workspace));
    await store.ensureDir();
    events = new RunEvents();
    settled = [];
    announced = [];
    events.onDidChangeRun((r) => announced.push(r));
  });
  afterEach(() => {
    events.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  function keeper(owns?: (record: RunRecord) => boolean): RunRecordKeeper {
    return new RunRecordKeeper({
      store,
      events,
      notFound: (id) => new NoSuchRun(id),
      ...(owns ? { owns } : {}),
      onSettled: (id) => settled.push(id),
    });
  }

  function record(id: string, over: Partial<RunRecord> = {}): RunRecord {
    return {
      version: runRecordVersion,
      id,
      kind: 'eval',
      label: id,
      argv: ['python', 'evaluate.py'],
      cwd: workspace,
      env: {},
      host: 'h',
      simulated: true,
      status: 'running',
      createdAt: '2026-11-29T02:00:00.000Z',
      logPath: store.logPath(id),
      ...over,
    };
  }

  it("treats a missing or unreadable record as none, and require() throws the scheduler's own error for it", async () => {
    const k = keeper();
    writeFileSync(store.recordPath('broken'), '{ not json');
    assert.equal(await k.read('absent'), undefined);
    assert.equal(await k.read('broken'), undefined);
    await assert.rejects(k.require('absent'), (e: unknown) => e instanceof NoSuchRun && e.message === 'absent');
    await assert.rejects(k.require('broken'), NoSuchRun);
  });

  it('require() refuses a record the scheduler does not own, with the same error, and returns one it owns', async () => {
    const k = keeper((r) => r.scheduler === 'slurm');
    await store.write(record('local-run'));
    await store.write(slurmRunRecord(workspace, 'slurm-run'));
    await assert.rejects(k.require('local-run'), NoSuchRun);
    assert.equal((await k.require('slurm-run')).id, 'slurm-run');
    assert.equal((await k.read('local-run'))?.id, 'local-run', 'read() still sees it');
  });

  it('announces what write() and update() wrote, and nothing when update() leaves the record alone', async () => {
    const k = keeper();
    await k.write(record('r1'));
    const changed = await k.update('r1', (r) => ({ ...r, label: 'renamed' }));
    const untouched = await k.update('r1', () => undefined);
    assert.equal(changed?.label, 'renamed');
    assert.equal(untouched, undefined);
    assert.deepEqual(
      announced.map((r) => r.label),
      ['r1', 'renamed'],
    );
    assert.equal((await k.read('r1'))?.label, 'renamed', 'on disk too');
  });

  it("settle() hands a final record to the run's waiters and stops the watch once; a live record changes nothing", async () => {
    const k = keeper();
    const ended = events.ended('r1');
    k.settle(record('r1', { status: 'running' }));
    assert.deepEqual(settled, []);
    const final = record('r1', { status: 'succeeded', endedAt: '2026-11-29T03:00:00.000Z' });
    k.settle(final);
    assert.deepEqual(settled, ['r1']);
    assert.equal(await ended, final);
  });

  describe('removeEndedRecord', () => {
    const ended = { status: 'stopped' as const, endedAt: '2026-11-29T03:00:00.000Z' };

    it('removes an ended run: its record, console log, wrapper notes and script, and nothing of another run', async () => {
      await store.write(record('gone', ended));
      await store.write(record('kept', ended));
      for (const path of [store.logPath('gone'), store.startedPath('gone'), store.exitPath('gone')])
        writeFileSync(path, '{}');
      writeFileSync(store.scriptPath('gone'), '#!/bin/bash');
      writeFileSync(store.logPath('kept'), 'log');
      const removed = await removeEndedRecord(store, 'gone');
      assert.equal(removed?.id, 'gone');
      assert.deepEqual(readdirSync(store.dir).sort(), ['kept.json', 'kept.log']);
      assert.deepEqual(
        (await store.list()).records.map((r) => r.id),
        ['kept'],
      );
    });

    it('leaves a running or queued run, a file that is not a record, and a bad id alone', async () => {
      await store.write(record('live', { status: 'running' }));
      await store.write(record('waiting', { status: 'queued' }));
      writeFileSync(store.recordPath('broken'), '{ not json');
      for (const id of ['live', 'waiting', 'broken', 'absent', '../kept', '']) {
        assert.equal(await removeEndedRecord(store, id), undefined, id);
      }
      assert.deepEqual(readdirSync(store.dir).sort(), ['broken.json', 'live.json', 'waiting.json']);
    });

    it('removes nothing through a runs folder a repository replaced with a link', async () => {
      const elsewhere = mkdtempSync(join(tmpdir(), 'tic-keeper-elsewhere-'));
      try {
        const victim = new RunRecordStore(join(elsewhere, 'runs'));
        await victim.ensureDir();
        await victim.write(record('gone', { ...ended, logPath: victim.logPath('gone') }));
        const planted = mkdtempSync(join(tmpdir(), 'tic-keeper-planted-'));
        mkdirSync(join(planted, '.tic-studio'));
        symlinkSync(join(elsewhere, 'runs'), join(planted, '.tic-studio', 'runs'));
        const linked = new RunRecordStore(runRecordsDir(planted));
        await assert.rejects(removeEndedRecord(linked, 'gone'), /symbolic link/);
        assert.ok(existsSync(victim.recordPath('gone')), 'the record behind the link is still there');
        rmSync(planted, { recursive: true, force: true });
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    });
  });
});
