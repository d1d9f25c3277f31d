import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostMessage, ProtocolError } from '../../../src/protocol/dashboardMessages';
import { buildChainResults } from '../../../src/workspace/chainResults';
import { buildDashboardSnapshot } from '../../../src/wire/dashboardSnapshot';
import { parseLogFile } from '../../../src/formats/logFile';
import { StepSeriesFollower } from '../../../src/formats/stepSeries';
import { scanWorkspace } from '../../../src/workspace/workspaceScan';
import { UntrustedFileError } from '../../../src/shared/untrustedFile';
import { makeFifo, releaseFifos } from '../shared/fifoFixture';

const demo = join(__dirname, '../../../demo');
const chainKey = 'tic_medium/basic/cumulative';

describe('results from files that are not what they claim', () => {
  let root: string;
  const fifos: string[] = [];
  const exp = (year: number) => join(root, 'datacomp', 'results', `datacomp_medium-basic_cumulative_${year}`);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tic-untrusted-results-'));
    cpSync(demo, root, { recursive: true });
  });
  afterEach(() => {
    releaseFifos(...fifos.splice(0));
    rmSync(root, { recursive: true, force: true });
  });

  it("names an oversize results.jsonl among the chain's problems instead of a missing ImageNet row", async () => {
    const path = join(exp(2017), 'checkpoints', 'results.jsonl');
    truncateSync(path, 20 * 1024 * 1024);
    const chains = await buildChainResults(await scanWorkspace(root));
    const chain = chains.find((c) => c.key === chainKey)!;
    assert.deepEqual(chain.problems, [`${path} is 20.0 MiB; TiC Studio reads at most 8.0 MiB of a results.jsonl`]);
    assert.ok(!chain.imagenet.some((r) => r.year === 2017 && r.source === 'trainingZeroShot'));
  });

  it("names a piped results.jsonl among the chain's problems, and the dashboard says files could not be read", async () => {
    const path = join(exp(2016), 'checkpoints', 'results.jsonl');
    unlinkSync(path);
    fifos.push(makeFifo(path));
    const workspace = await scanWorkspace(root);
    const chain = (await buildChainResults(workspace)).find((c) => c.key === chainKey)!;
    assert.deepEqual(chain.problems, [`${path} is a named pipe, not a file`]);

    const snapshot = await buildDashboardSnapshot({ workspace, notice: null, firstStep: 'merge', activity: [] });
    assert.equal(
      snapshot.notice,
      `A file in the results could not be read, so what it holds is missing here: ${path} is a named pipe, not a file.`,
    );
    const message = parseHostMessage(JSON.parse(JSON.stringify({ type: 'snapshot', ...snapshot })));
    assert.ok(!(message instanceof ProtocolError), 'the webview accepts the notice');
  });

  it('refuses to stream a named pipe as a log, in one read or followed', async () => {
    const path = join(exp(2018), 'out.log');
    unlinkSync(path);
    fifos.push(makeFifo(path));
    await assert.rejects(
      parseLogFile(path, () => undefined),
      (e: unknown) => UntrustedFileError.is(e, 'notRegular'),
    );
    await assert.rejects(new StepSeriesFollower(path).poll(), (e: unknown) => UntrustedFileError.is(e, 'notRegular'));
  });
});
