import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuQueue, GpuQueueError } from '../../../../src/runs/queue/gpuQueue';
import type { RunRecord } from '../../../../src/runs/model/runRecord';
import { Supervisor } from '../../../../src/runs/local/supervisor';
import type { RunPlan } from '../../../../src/runs/model/runPlan';

describe('GpuQueue (real child processes through a real Supervisor)', function () {
  this.timeout(10_000);
  let workspace: string;
  let supervisor: Supervisor;
  let queue: GpuQueue;

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'tic-gpuqueue-'));
    supervisor = new Supervisor({ workspaceRoot: workspace, isTrusted: () => true, pollMs: 25 });
    queue = new GpuQueue(supervisor);
  });

  afterEach(() => {
    supervisor.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  /** A run that sleeps `ms` and exits with `code`. */
  function plan(label: string, ms = 250, code = 0): RunPlan {
    return {
      kind: 'tasklist',
      label,
      argv: [process.execPath, '-e', `setTimeout(() => process.exit(${code}), ${ms})`],
      cwd: workspace,
      env: {},
      simulated: true,
    };
  }

  const t = (iso: string | undefined) => Date.parse(iso ?? 'missing');

  /** True if `a` ended before `b` started. */
  function before(a: RunRecord, b: RunRecord): boolean {
    return t(a.endedAt) <= t(b.startedAt);
  }

  it('runs two requests for the same GPU one after the other', async () => {
    const first = queue.submit(plan('first'), [0]);
    const second = queue.submit(plan('second'), [0]);
    assert.deepEqual(
      queue.queued().map((q) => q.label),
      ['second'],
    );
    const [a, b] = await Promise.all([first.ended, second.ended]);
    assert.equal(a.status, 'succeeded');
    assert.equal(b.status, 'succeeded');
    assert.ok(before(a, b), `second started ${b.startedAt} before first ended ${a.endedAt}`);
    assert.deepEqual(queue.queued(), []);
    assert.equal(queue.held().size, 0);
  });

  it('runs requests on disjoint GPUs at the same time', async () => {
    const first = queue.submit(plan('first', 400), [0]);
    const second = queue.submit(plan('second', 400), [1, 2]);
    assert.deepEqual(queue.queued(), []);
    const [a, b] = await Promise.all([first.ended, second.ended]);
    assert.ok(t(b.startedAt) < t(a.endedAt) && t(a.startedAt) < t(b.endedAt), 'the runs overlapped');
  });

  it('keeps overlapping requests first come, first served, and lets disjoint ones overtake', async () => {
    const a = queue.submit(plan('a', 300), [0]);
    const wide = queue.submit(plan('wide', 100), [0, 1]);
    // GPU 1 is idle, but `wide` asked for it first: `narrow` waits behind it.
    const narrow = queue.submit(plan('narrow', 100), [1]);
    const other = queue.submit(plan('other', 100), [2]);
    assert.deepEqual(
      queue.queued().map((q) => q.label),
      ['wide', 'narrow'],
    );
    const [ra, rWide, rNarrow, rOther] = await Promise.all([a.ended, wide.ended, narrow.ended, other.ended]);
    assert.ok(before(ra, rWide));
    assert.ok(before(rWide, rNarrow));
    assert.ok(t(rOther.startedAt) < t(ra.endedAt), 'the request on GPU 2 did not wait');
  });

  it('cancels a waiting request: its promises reject with reason cancelled and it never runs', async () => {
    const first = queue.submit(plan('first', 300), [0]);
    const second = queue.submit(plan('second'), [0]);
    assert.equal(queue.cancel(second.id), true);
    assert.deepEqual(queue.queued(), []);
    await assert.rejects(second.started, (e: unknown) => e instanceof GpuQueueError && e.reason === 'cancelled');
    await assert.rejects(second.ended, (e: unknown) => e instanceof GpuQueueError && e.reason === 'cancelled');
    assert.equal(queue.cancel(first.id), false, 'a started run is not cancelled by the queue');
    await first.ended;
    const { records } = await supervisor.store.list();
    assert.deepEqual(
      records.map((r) => r.label),
      ['first'],
    );
  });

  it('never holds back a request with no GPUs', async () => {
    const first = queue.submit(plan('first', 400), [0]);
    const waiting = queue.submit(plan('waiting', 100), [0]);
    const cpu = queue.submit(plan('cpu', 100), []);
    const started = await cpu.started;
    assert.deepEqual(
      queue.queued().map((q) => q.label),
      ['waiting'],
    );
    const a = await first.ended;
    assert.ok(t(started.startedAt) < t(a.endedAt));
    await Promise.all([waiting.ended, cpu.ended]);
  });

  it('releases the GPUs of a run that fails or cannot start, and tells listeners', async () => {
    let changes = 0;
    const listening = queue.onDidChange(() => changes++);
    const failing = queue.submit(plan('failing', 50, 1), [0]);
    const broken = queue.submit({ ...plan('broken'), cwd: join(workspace, 'missing') }, [1]);
    const next = queue.submit(plan('next', 50), [0, 1]);
    assert.equal((await failing.ended).status, 'failed');
    await assert.rejects(broken.started, (e: unknown) => (e as { reason?: unknown }).reason === 'invalidPlan');
    await assert.rejects(broken.ended);
    assert.equal((await next.ended).status, 'succeeded');
    listening.dispose();
    assert.ok(changes >= 6, `only ${changes} change events`);
  });

  it('refuses a GPU index that is not a non-negative integer', () => {
    assert.throws(
      () => queue.submit(plan('bad'), [-1]),
      (e: unknown) => e instanceof GpuQueueError && e.reason === 'invalidGpus',
    );
  });
});
