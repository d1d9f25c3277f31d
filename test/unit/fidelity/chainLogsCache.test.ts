import assert from 'node:assert/strict';
import { cpSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readChainLogs } from '../../../src/fidelity/chainLogs';
import { workspaceProtocol } from '../../../src/fidelity/workspaceProtocol';
import { SummaryCache } from '../../../src/formats/seriesCache/summaryCache';
import {
  decodeSummaryEntry,
  encodeSummaryEntry,
  logSummaryVersion,
} from '../../../src/formats/seriesCache/summaryCacheFile';
import { stepSeriesParserVersion } from '../../../src/formats/stepSeries';
import type { Chain } from '../../../src/workspace/chains';
import { scanWorkspace, type Workspace } from '../../../src/workspace/workspaceScan';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const demoResults = join(__dirname, '../../../demo/datacomp/results');
const cumulative = (year: number): string => `datacomp_medium-basic_cumulative_${year}`;
const versions = { parser: stepSeriesParserVersion, summary: logSummaryVersion };

function mainChain(ws: Workspace): Chain {
  const chain = ws.chains.find((c) => c.key === 'tic_medium/basic/cumulative');
  assert.ok(chain, ws.chains.map((c) => c.key).join(', '));
  return chain;
}

describe('readChainLogs with the summary cache (a new window, a new CLI run)', () => {
  let scratch: ScratchWorkspace;
  let logs: string[];
  beforeEach(() => {
    scratch = new ScratchWorkspace();
    logs = [2016, 2017, 2018].map((year) => {
      cpSync(join(demoResults, cumulative(year)), join(scratch.outputDir, cumulative(year)), { recursive: true });
      return join(scratch.outputDir, cumulative(year), 'out.log');
    });
  });
  afterEach(() => scratch.cleanup());

  it('parses no byte of an unchanged chain the second time, and gives what a parse gives', async () => {
    const ws = await scanWorkspace(scratch.root);
    const chain = mainChain(ws);
    const dir = join(scratch.root, 'summaries');
    const firstWindow = new SummaryCache({ dir });
    const first = await readChainLogs(chain, ws, { summaries: firstWindow });
    const total = logs.reduce((n, log) => n + statSync(log).size, 0);
    assert.equal(firstWindow.stats.bytesParsed, total);
    assert.equal(firstWindow.stats.writes, 3);

    const secondWindow = new SummaryCache({ dir });
    const second = await readChainLogs(chain, ws, { summaries: secondWindow });
    assert.equal(secondWindow.stats.bytesParsed, 0, 'no log went through the parser');
    assert.equal(secondWindow.stats.hits, 3);
    const uncached = await readChainLogs(chain, ws, { summaries: null });
    assert.deepStrictEqual(second, uncached);
    assert.deepStrictEqual(first, uncached);
  });

  it('reads the per-user cache by default, which the protocol guard (dashboard, `tic-studio protocol`) fills', async () => {
    const ws = await scanWorkspace(scratch.root);
    const reports = await workspaceProtocol(ws);
    assert.ok(reports.length > 0);
    // The default is the per-user folder (XDG_CACHE_HOME points into a temp folder for the tests).
    const shared = new SummaryCache();
    const entries = logs.map((log) => shared.entryPath(realpathSync(log)));
    for (const entry of entries) assert.ok(statSync(entry).isFile(), entry);

    // An entry of ours (the folder is the user's own) is what the next read gives: proof it is read, not the log.
    const bytes = readFileSync(entries[1]!);
    const decoded = decodeSummaryEntry(bytes, versions);
    assert.ok(decoded.ok);
    writeFileSync(
      entries[1]!,
      encodeSummaryEntry(decoded.log, { ...decoded.summary, model: 'from-the-cache' }, versions)!,
    );
    const read = await readChainLogs(mainChain(ws), ws);
    assert.equal(read.get(join(scratch.outputDir, cumulative(2017)))?.model, 'from-the-cache');
    assert.notEqual(read.get(join(scratch.outputDir, cumulative(2016)))?.model, 'from-the-cache');
  });
});
