import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readChainLogs } from '../../../src/fidelity/chainLogs';
import { stepCompute } from '../../../src/fidelity/stepCompute';
import type { LogSummary } from '../../../src/formats/logSummary';
import type { Chain } from '../../../src/workspace/chains';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';
import { trainLine } from '../../support/openclipTrainLine';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const root = join(__dirname, '../../..');
const demoResults = join(root, 'demo/datacomp/results');
const cumulative = (year: number): string => `datacomp_medium-basic_cumulative_${year}`;

function mainChain(ws: Workspace): Chain {
  const chain = ws.chains.find((c) => c.key === 'tic_medium/basic/cumulative');
  assert.ok(chain, ws.chains.map((c) => c.key).join(', '));
  return chain;
}

describe('readChainLogs', () => {
  let scratch: ScratchWorkspace;
  let results: string;
  beforeEach(() => {
    scratch = new ScratchWorkspace();
    results = scratch.outputDir;
    for (const year of [2016, 2017, 2018]) {
      cpSync(join(demoResults, cumulative(year)), join(results, cumulative(year)), { recursive: true });
    }
  });
  afterEach(() => scratch.cleanup());

  it('reads each step’s whole out.log, not the scan’s tail: a crashed first start of 300 KB before the restart', async () => {
    const dir = join(results, cumulative(2017));
    const demoLog = readFileSync(join(dir, 'out.log'), 'utf8');
    const header = demoLog
      .split('\n')
      .filter((l) => !/Train Epoch|Start epoch|Eval Epoch|zero-shot|classifier/.test(l));
    // A first start on 8 GPUs (the demo's header) that logged every step: all 900 of epoch 0, 300 of epoch 1,
    // then died; then the demo's own start, which trains the step from its beginning.
    const crashed = [
      ...header.map((l) => l.replace(/^2025-03-03,10:21:/, '2025-03-03,08:00:')),
      ...Array.from({ length: 1200 }, (_, i) =>
        trainLine(
          `2025-03-03,${String(8 + Math.floor(i / 100)).padStart(2, '0')}:10:00`,
          i < 900 ? 0 : 1,
          4096 * ((i % 900) + 1),
          3_686_400,
          5,
        ),
      ),
    ];
    writeFileSync(join(dir, 'out.log'), `${crashed.join('\n')}\n${demoLog}`);
    const ws = await scanWorkspace(scratch.root);
    const chain = mainChain(ws);
    const logs = await readChainLogs(chain, ws);
    assert.deepEqual(
      [...logs.keys()],
      [2016, 2017, 2018].map((y) => join(results, cumulative(y))),
    );
    const whole = logs.get(dir)!;
    assert.ok(whole);
    assert.equal(whole.runs.length, 2);
    assert.deepEqual(
      whole.runs.map((r) => [r.startSeen, r.trainSteps, r.startTimestamp]),
      [
        [true, 1200, '2025-03-03,08:00:44'],
        [true, 95, '2025-03-03,10:21:44'],
      ],
    );
    const exp = ws.experiments.find((e) => e.dir === dir)!;
    assert.ok(exp.files.outLog!.size > 256 * 1024);
    assert.equal(exp.logTail?.runs[0]?.startSeen, false, 'the scan saw only the end of the crashed start');
    // The crashed start's 1,200 steps were run again by the restart: counted once. Its time counts:
    // 08:00:44 → 19:10:00 (its last line) = 11 h 9 min 16 s on 8 GPUs, plus the restart's 54 min 3 s on 8.
    const compute = stepCompute(exp, whole);
    assert.equal(compute.optimizerSteps, 4500);
    assert.equal(compute.gpuHours, ((11 * 3600 + 9 * 60 + 16 + 3243) * 8) / 3600);
  });

  it('gives null for a step whose out.log is gone or is not a file by the time it is read, without throwing', async () => {
    const ws = await scanWorkspace(scratch.root);
    const chain = mainChain(ws);
    rmSync(join(results, cumulative(2016), 'out.log'));
    rmSync(join(results, cumulative(2017), 'out.log'));
    mkdirSync(join(results, cumulative(2017), 'out.log'));
    const logs = await readChainLogs(chain, ws);
    assert.equal(logs.get(join(results, cumulative(2016))), null);
    assert.equal(logs.get(join(results, cumulative(2017))), null);
    assert.equal(logs.get(join(results, cumulative(2018)))?.trainSteps, 95);
  });

  it('reads a log once for chains that share it when they pass the same cache; an abort rejects', async () => {
    const ws = await scanWorkspace(scratch.root);
    const chain = mainChain(ws);
    const cache = new Map<string, Promise<LogSummary | null>>();
    const first = await readChainLogs(chain, ws, { cache });
    // Gone after the first read: the second read takes the cached summary.
    rmSync(join(results, cumulative(2018), 'out.log'));
    const second = await readChainLogs(chain, ws, { cache });
    assert.equal(second.get(join(results, cumulative(2018))), first.get(join(results, cumulative(2018))));
    assert.ok(second.get(join(results, cumulative(2018))));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(readChainLogs(chain, ws, { signal: controller.signal }));
  });
});
