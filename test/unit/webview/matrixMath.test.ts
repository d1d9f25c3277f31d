import assert from 'node:assert/strict';
import type { ChainWire } from '../../../src/protocol/dashboardMessages';
import {
  differenceGrid,
  formatPercent,
  formatSignedPoints,
  gridCsv,
  metricOptions,
  valueRange,
} from '../../../webview/dashboard/matrixMath';

const chain = (key: string, metrics: [string, string][]): ChainWire => ({
  key,
  label: key,
  strategy: 'cumulative',
  variant: null,
  forkedFrom: null,
  root: null,
  steps: [],
  matrices: metrics.map(([family, metric]) => ({ family, metric, rows: [], columns: [], values: [] })),
  transfer: [],
  imagenet: [],
  otherTasks: [],
});

describe('matrix maths', () => {
  it('lists each metric present once, in the order met', () => {
    const options = metricOptions([
      chain('a', [
        ['retrieval', 'mean_recall@1'],
        ['datacompnet', 'acc1'],
      ]),
      chain('b', [
        ['retrieval', 'mean_recall@1'],
        ['retrieval', 'text_retrieval_recall@5'],
      ]),
    ]);
    assert.deepEqual(
      options.map((o) => o.key),
      ['retrieval/mean_recall@1', 'datacompnet/acc1', 'retrieval/text_retrieval_recall@5'],
    );
  });

  it('subtracts B from A cell by cell, missing where either is missing', () => {
    const a = {
      rows: [2016, 2017],
      columns: [2016, 2017],
      values: [
        [0.5, 0.4],
        [null, 0.6],
      ],
    };
    const b = {
      rows: [2016, 2018],
      columns: [2016, 2017],
      values: [
        [0.25, null],
        [0.1, 0.1],
      ],
    };
    const d = differenceGrid(a, b);
    assert.deepEqual(d.rows, [2016, 2017, 2018]);
    assert.deepEqual(d.values, [
      [0.25, null],
      [null, null],
      [null, null],
    ]);
  });

  it('finds the value range over present cells only', () => {
    assert.deepEqual(
      valueRange([
        { rows: [1], columns: [1, 2], values: [[null, 0.3]] },
        { rows: [1], columns: [1], values: [[0.1]] },
      ]),
      {
        min: 0.1,
        max: 0.3,
      },
    );
    assert.equal(valueRange([{ rows: [1], columns: [1], values: [[null]] }]), null);
  });

  it('shows fractions as percent with one decimal and missing as a dash, never 0', () => {
    assert.equal(formatPercent(0.4567), '45.7');
    assert.equal(formatPercent(0), '0.0');
    assert.equal(formatPercent(null), '—');
    assert.equal(formatSignedPoints(0.012), '+1.2');
    assert.equal(formatSignedPoints(-0.008), '\u22120.8');
    assert.equal(formatSignedPoints(0.0001), '0.0');
    assert.equal(formatSignedPoints(null), '—');
  });

  it('exports a matrix as CSV with raw fractions and empty missing cells', () => {
    assert.equal(
      gridCsv({
        rows: [2016, 2017],
        columns: [2016, 2017],
        values: [
          [0.5, null],
          [0.25, 0.125],
        ],
      }),
      'step,2016,2017\r\n2016,0.5,\r\n2017,0.25,0.125\r\n',
    );
  });
});
