import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostToDashboard, LossQuery } from '../../../src/protocol/dashboardMessages';
import { parseHostMessage, ProtocolError } from '../../../src/protocol/dashboardMessages';
import { answerLossQuery } from '../../../src/wire/lossAnswer';
import { LossStore, lossChainInputs } from '../../../src/wire/lossStore';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';

type LossesMessage = Extract<HostToDashboard, { type: 'losses' }>;

const demo = join(__dirname, '../../../demo');
const sequential = 'tic_medium/basic/sequential';
const cumulative = 'tic_medium/basic/cumulative';
const query: LossQuery = {
  chains: [sequential, cumulative],
  field: 'loss',
  axis: 'samples',
  x0: null,
  x1: null,
  buckets: 2000,
  smoothing: 0.5,
  emaPerStep: false,
};

describe('answerLossQuery: the dashboard loss answer, in one message or chain by chain', () => {
  let root: string;
  let workspace: Workspace;
  const log = (name: string): string => join(root, 'datacomp/results', name, 'out.log');

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tic-loss-answer-'));
    cpSync(demo, root, { recursive: true });
    workspace = await scanWorkspace(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('sends each chain as soon as it is ready once the answer is slow, before the next chain is parsed', async () => {
    const store = new LossStore({ cache: null });
    const posted: { message: LossesMessage; parsedBytes: number }[] = [];
    await answerLossQuery(
      store,
      workspace,
      7,
      query,
      (message) => posted.push({ message, parsedBytes: store.stats.parsedBytes }),
      { afterMs: 0 },
    );
    assert.deepEqual(
      posted.map((p) => [p.message.requestId, p.message.partial, p.message.series.map((s) => s.chain)]),
      [
        [7, true, [sequential]],
        [7, undefined, [cumulative]],
      ],
    );
    // The sequential chain's three logs (2016 is shared with cumulative) were parsed, none of cumulative's own.
    const sequentialBytes = ['cumulative_2016', 'sequential_2017', 'sequential_2018']
      .map((n) => statSync(log(`datacomp_medium-basic_${n}`)).size)
      .reduce((a, b) => a + b, 0);
    assert.equal(posted[0]!.parsedBytes, sequentialBytes);
    assert.ok(posted[1]!.parsedBytes > sequentialBytes);
    // The parts hold exactly what one answer of the whole query holds.
    const whole = await new LossStore({ cache: null }).query(lossChainInputs(workspace, query.chains), query);
    assert.deepEqual(
      posted.flatMap((p) => p.message.series),
      whole,
    );
    // Each part is a message the webview accepts.
    for (const { message } of posted) assert.ok(!(parseHostMessage(message) instanceof ProtocolError));
  });

  it('answers in one message when it is quick', async () => {
    const store = new LossStore({ cache: null });
    await store.query(lossChainInputs(workspace, query.chains), query);
    const posted: LossesMessage[] = [];
    let t = 0;
    await answerLossQuery(store, workspace, 8, query, (m) => posted.push(m), { now: () => t++ });
    assert.equal(posted.length, 1);
    assert.equal(posted[0]!.partial, undefined);
    assert.deepEqual(
      posted[0]!.series.map((s) => s.chain),
      [sequential, cumulative],
    );
  });

  it('answers an unknown chain with an empty last message', async () => {
    const posted: LossesMessage[] = [];
    await answerLossQuery(new LossStore({ cache: null }), workspace, 9, { ...query, chains: ['no/such'] }, (m) =>
      posted.push(m),
    );
    assert.deepEqual(posted, [{ type: 'losses', requestId: 9, field: 'loss', axis: 'samples', series: [] }]);
  });

  it('refuses a partial flag that is not a boolean', () => {
    const message = { type: 'losses', requestId: 1, field: 'loss', axis: 'samples', series: [], partial: 'yes' };
    assert.ok(parseHostMessage(message) instanceof ProtocolError);
    assert.equal((parseHostMessage({ ...message, partial: true }) as LossesMessage).partial, true);
  });
});
