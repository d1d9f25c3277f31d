import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChainSchedule, type ChainStepEvent, type ScheduledStep } from '../../../../src/runs/queue/chainSchedule';
import { GpuQueue } from '../../../../src/runs/queue/gpuQueue';
import { Supervisor } from '../../../../src/runs/local/supervisor';
import type { RunPlan } from '../../../../src/runs/model/runPlan';
import type { RunKind } from '../../../../src/runs/model/runPlan';

describe('runChainSchedule (real child processes through a GpuQueue and a Supervisor)', function () {
  this.timeout(10_000);
  let workspace: string;
  let supervisor: Supervisor;
  let queue: GpuQueue;
  /** Which builders were called, `train 2021`… */
  let built: string[];
  let events: ChainStepEvent[];

  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'tic-chain-'));
    supervisor = new Supervisor({ workspaceRoot: workspace, isTrusted: () => true, pollMs: 25 });
    queue = new GpuQueue(supervisor);
    built = [];
    events = [];
  });

  afterEach(() => {
    supervisor.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  const checkpoint = (year: number) => join(workspace, `ckpt-${year}`);

  /** A run that sleeps briefly, writes `writes` (a stand-in checkpoint) and exits with `code`. */
  function plan(kind: RunKind, year: number, code = 0, writes?: string, ms = 50): RunPlan {
    const write = writes === undefined ? '' : `require('fs').writeFileSync(${JSON.stringify(writes)}, 'x');`;
    return {
      kind,
      label: `${kind} ${year}`,
      argv: [process.execPath, '-e', `setTimeout(() => { ${write} process.exit(${code}); }, ${ms})`],
      cwd: workspace,
      env: {},
      simulated: true,
    };
  }

  /**
   * A step like the real ones: its train plan needs the previous year's checkpoint, which exists only after that
   * year trained, so building it early would throw.
   */
  function step(year: number, options: { trainCode?: number; evalCode?: number; first?: boolean } = {}): ScheduledStep {
    return {
      year,
      gpus: [0],
      train: () => {
        built.push(`train ${year}`);
        if (options.first !== true && !existsSync(checkpoint(year - 1)))
          return Promise.reject(new Error(`no checkpoint for ${year - 1}`));
        return Promise.resolve(plan('train', year, options.trainCode, checkpoint(year)));
      },
      eval: () => {
        built.push(`eval ${year}`);
        return Promise.resolve(plan('eval', year, options.evalCode));
      },
    };
  }

  const deps = (signal?: AbortSignal) => ({
    submit: queue.submit.bind(queue),
    cancel: queue.cancel.bind(queue),
    onStep: (e: ChainStepEvent) => events.push(e),
    ...(signal !== undefined ? { signal } : {}),
  });

  it('runs train then eval for each year, in order, each after the previous ended', async () => {
    const result = await runChainSchedule([step(2020, { first: true }), step(2021), step(2022)], deps());
    assert.deepEqual(result, { completed: [2020, 2021, 2022], failedAt: null, cancelled: false });
    const ended = events.flatMap((e) => (e.type === 'ended' ? [e.record] : []));
    assert.deepEqual(
      ended.map((r) => r.label),
      ['train 2020', 'eval 2020', 'train 2021', 'eval 2021', 'train 2022', 'eval 2022'],
    );
    for (let i = 1; i < ended.length; i++)
      assert.ok(
        Date.parse(ended[i - 1]!.endedAt!) <= Date.parse(ended[i]!.startedAt!),
        `${ended[i]!.label} overlapped`,
      );
    assert.ok(ended.every((r) => r.status === 'succeeded'));
  });

  it('stops at a failing train: its eval and later years never start', async () => {
    const result = await runChainSchedule(
      [step(2020, { first: true }), step(2021, { trainCode: 1 }), step(2022)],
      deps(),
    );
    assert.deepEqual(result.completed, [2020]);
    assert.equal(result.cancelled, false);
    assert.equal(result.failedAt?.year, 2021);
    assert.equal(result.failedAt.phase, 'train');
    assert.equal(result.failedAt.record?.status, 'failed');
    assert.deepEqual(built, ['train 2020', 'eval 2020', 'train 2021']);
    const { records } = await supervisor.store.list();
    assert.deepEqual(records.map((r) => r.label).sort(), ['eval 2020', 'train 2020', 'train 2021']);
  });

  it('stops at a failing eval', async () => {
    const result = await runChainSchedule([step(2020, { first: true, evalCode: 3 }), step(2021)], deps());
    assert.deepEqual(result.completed, []);
    assert.equal(result.failedAt?.phase, 'eval');
    assert.equal(result.failedAt.record?.exitCode, 3);
    assert.deepEqual(built, ['train 2020', 'eval 2020']);
  });

  it('turns a plan builder that throws into phase plan', async () => {
    // Nothing trained 2018, so 2019's builder throws, as a real one would without the parent checkpoint.
    const result = await runChainSchedule([step(2019), step(2020, { first: true })], deps());
    assert.deepEqual(result.completed, []);
    assert.equal(result.failedAt?.year, 2019);
    assert.equal(result.failedAt.phase, 'plan');
    assert.match(String(result.failedAt.error), /no checkpoint for 2018/);
    assert.equal(result.failedAt.record, undefined);
    assert.deepEqual(built, ['train 2019']);
    assert.deepEqual(events, []);
  });

  it('starts no new step once the signal aborted', async () => {
    const controller = new AbortController();
    const result = await runChainSchedule([step(2020, { first: true }), step(2021), step(2022)], {
      ...deps(controller.signal),
      onStep: (e: ChainStepEvent) => {
        events.push(e);
        if (e.type === 'ended' && e.phase === 'eval' && e.year === 2020) controller.abort();
      },
    });
    assert.deepEqual(result, { completed: [2020], failedAt: null, cancelled: true });
    assert.deepEqual(built, ['train 2020', 'eval 2020']);
  });

  it('withdraws a step still waiting for its GPU when the signal aborts', async () => {
    const blocker = queue.submit(plan('train', 1999, 0, undefined, 500), [0]);
    await blocker.started;
    const controller = new AbortController();
    const running = runChainSchedule([step(2020, { first: true })], deps(controller.signal));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(
      queue.queued().map((q) => q.label),
      ['train 2020'],
    );
    controller.abort();
    assert.deepEqual(await running, { completed: [], failedAt: null, cancelled: true });
    await blocker.ended;
    const { records } = await supervisor.store.list();
    assert.deepEqual(
      records.map((r) => r.label),
      ['train 1999'],
    );
  });
});
