import assert from 'node:assert/strict';
import type { ChainWire } from '../../../src/protocol/dashboardMessages';
import { exportFileName } from '../../../webview/dashboard/exportName';
import { imagenetCsvRows } from '../../../webview/dashboard/imagenetTable';
import { otherTasksCsvRows } from '../../../webview/dashboard/otherTasksTable';
import { transferCsvRows } from '../../../webview/dashboard/transferTable';

// A variant's key (`…@exp name`) is an identifier; tables and file names show its label.
const variant: ChainWire = {
  key: 'tic_medium/basic/cumulative@datacomp_medium-basic_cumulative_2017_lr1e4',
  label: 'tic_medium/basic/cumulative · lr1e4',
  strategy: 'cumulative',
  variant: 'lr1e4',
  forkedFrom: { chain: 'tic_medium/basic/cumulative', year: 2016 },
  root: null,
  steps: [],
  matrices: [],
  transfer: [
    {
      family: 'retrieval',
      metric: 'mean_recall@1',
      backward: 0.2,
      id: 0.3,
      forward: 0.1,
      perStep: [{ year: 2017, backward: 0.2, id: 0.3, forward: 0.1 }],
    },
  ],
  imagenet: [{ year: 2017, top1: 0.12, top5: 0.28, source: '/r/x/out.log' }],
  otherTasks: [{ year: 2017, key: 'k', dataset: 'd', value: 0.5 }],
};

describe('chains named by their label in tables and exports', () => {
  it('writes the label in the transfer, ImageNet and other-task CSV rows', () => {
    assert.deepEqual(
      transferCsvRows([variant], 'retrieval/mean_recall@1').map((r) => r[0]),
      [variant.label, variant.label],
    );
    assert.equal(imagenetCsvRows([variant])[0]![0], variant.label);
    assert.equal(otherTasksCsvRows(variant)[0]![0], variant.label);
  });

  it('turns a label into a file-safe name without stray spaces', () => {
    assert.equal(
      exportFileName([variant.label, 'retrieval', 'mean_recall@1'], 'csv'),
      'tic_medium_basic_cumulative_lr1e4-retrieval-mean_recall@1.csv',
    );
    assert.equal(
      exportFileName([variant.label, 'minus', 'tic_medium/basic/cumulative', 'retrieval', 'acc1'], 'csv'),
      'tic_medium_basic_cumulative_lr1e4-minus-tic_medium_basic_cumulative-retrieval-acc1.csv',
    );
  });
});
