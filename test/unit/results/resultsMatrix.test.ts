import assert from 'node:assert/strict';
import { parseEvalResultsJsonl, type EvalRecord } from '../../../src/formats/evalResultsJsonl';
import {
  buildResultsMatrices,
  buildResultsMatrix,
  evalYears,
  type MatrixRowInput,
  type ResultsMatrix,
} from '../../../src/results/resultsMatrix';

/** The cell at (training step, eval year). */
const cell = (m: ResultsMatrix, row: number, year: number) => m.values[m.rows.indexOf(row)]?.[m.columns.indexOf(year)];

/** eval_results.jsonl text as evaluate.py writes it (contracts §3.3): json.dumps with the default separators. */
function line(key: string, metrics: Record<string, number | null>, dataset = key): string {
  return JSON.stringify({ key, dataset, metrics }).replace(/":/g, '": ').replace(/,"/g, ', "');
}

function retrieval(year: number | string, mean: number, extra: Record<string, number | null> = {}): string {
  return line(`tic/datacomp/retrieval/yearly/${year}`, {
    'image_retrieval_recall@1': mean - 0.01,
    'text_retrieval_recall@1': mean + 0.01,
    'mean_recall@1': mean,
    main_metric: mean,
    ...extra,
  });
}

function datacompnet(year: number | string, acc1: number): string {
  return line(`tic/datacomp/datacompnet/yearly/${year}`, { acc1, acc5: acc1 * 2, main_metric: acc1 });
}

function records(...lines: string[]): EvalRecord[] {
  const file = parseEvalResultsJsonl(`${lines.join('\n')}\n`);
  assert.deepEqual(file.problems, []);
  return [...file.records];
}

const row = (year: number, evalDir: string | null, ...lines: string[]): MatrixRowInput => ({
  year,
  evalDir,
  records: evalDir === null ? [] : records(...lines),
});

describe('results matrix (contracts §3.6): training step × eval year', () => {
  it('has the 9 eval years 2014…2022 as columns', () => {
    assert.deepEqual(evalYears, [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]);
  });

  it('places each yearly record in its (step, eval year) cell and leaves every other cell null, not 0', () => {
    const m = buildResultsMatrix(
      [
        row(2016, '/e/2016', retrieval(2014, 0.3), retrieval(2016, 0.5), retrieval(2022, 0.125)),
        row(2017, null),
        row(2018, '/e/2018', retrieval(2017, 0.25)),
      ],
      'retrieval',
      'mean_recall@1',
    );
    assert.equal(m.main, true);
    assert.deepEqual(m.rows, [2016, 2017, 2018]);
    assert.deepEqual(m.values, [
      [0.3, null, 0.5, null, null, null, null, null, 0.125],
      [null, null, null, null, null, null, null, null, null],
      [null, null, null, 0.25, null, null, null, null, null],
    ]);
    assert.deepEqual(m.evalDirs, ['/e/2016', null, '/e/2018']);
    assert.equal(m.cells, 4);
  });

  it('reads any of the seven retrieval metrics and the two DataCompNet ones, each from its own family', () => {
    const rows = [row(2016, '/e', retrieval(2016, 0.5), datacompnet(2016, 0.2), datacompnet(2019, 0.1))];
    assert.equal(buildResultsMatrix(rows, 'retrieval', 'image_retrieval_recall@1').values[0]![2], 0.49);
    assert.equal(buildResultsMatrix(rows, 'retrieval', 'text_retrieval_recall@1').values[0]![2], 0.51);
    assert.deepEqual(buildResultsMatrix(rows, 'datacompnet', 'acc1').values[0], [
      null,
      null,
      0.2,
      null,
      null,
      0.1,
      null,
      null,
      null,
    ]);
    assert.equal(buildResultsMatrix(rows, 'datacompnet', 'acc5').values[0]![5], 0.2);
    assert.equal(buildResultsMatrix(rows, 'datacompnet', 'acc5').main, false);
    // acc1 is not a retrieval metric: a retrieval record never lands in a DataCompNet matrix and vice versa.
    assert.equal(buildResultsMatrix(rows, 'retrieval', 'acc1').cells, 0);
  });

  it('takes the last record when a key was evaluated twice into the same file', () => {
    const m = buildResultsMatrix(
      [row(2017, '/e', retrieval(2017, 0.1), retrieval(2018, 0.2), retrieval(2017, 0.4))],
      'retrieval',
      'mean_recall@1',
    );
    assert.equal(cell(m, 2017, 2017), 0.4);
    assert.equal(cell(m, 2017, 2018), 0.2);
  });

  it('ignores monthly keys, other TiC datasets, stock DataComp tasks and years outside 2014…2022', () => {
    const m = buildResultsMatrix(
      [
        row(
          2016,
          '/e',
          retrieval(201403, 0.9),
          line('tic/yfcc/retrieval/yearly/2015', { 'mean_recall@1': 0.9, main_metric: 0.9 }),
          line('retrieval/mscoco_2014_5k_test_image_text_retrieval', { 'mean_recall@1': 0.9, main_metric: 0.9 }),
          retrieval(2023, 0.9),
          retrieval(2016, 0.5),
        ),
      ],
      'retrieval',
      'mean_recall@1',
    );
    assert.equal(m.cells, 1);
    assert.equal(cell(m, 2016, 2016), 0.5);
  });

  it('keeps NaN, Infinity and Python None out of the matrix as null', () => {
    const text = [
      '{"key": "tic/datacomp/retrieval/yearly/2014", "dataset": "d", "metrics": {"mean_recall@1": NaN, "main_metric": NaN}}',
      '{"key": "tic/datacomp/retrieval/yearly/2015", "dataset": "d", "metrics": {"mean_recall@1": Infinity, "main_metric": Infinity}}',
      '{"key": "tic/datacomp/retrieval/yearly/2016", "dataset": "d", "metrics": {"mean_recall@1": null, "main_metric": null}}',
      '{"key": "tic/datacomp/retrieval/yearly/2017", "dataset": "d", "metrics": {"mean_recall@1": 0.0, "main_metric": 0.0}}',
    ].join('\n');
    const parsed = parseEvalResultsJsonl(`${text}\n`);
    const m = buildResultsMatrix(
      [{ year: 2016, evalDir: '/e', records: parsed.records }],
      'retrieval',
      'mean_recall@1',
    );
    // A real 0 stays 0; the rest is missing.
    assert.deepEqual(m.values[0]!.slice(0, 4), [null, null, null, 0]);
    assert.equal(m.cells, 1);
    assert.ok(m.values.flat().every((v) => v === null || Number.isFinite(v)));
  });

  it('falls back to main_metric for the main metric only', () => {
    const rows = [row(2016, '/e', line('tic/datacomp/datacompnet/yearly/2016', { main_metric: 0.3 }))];
    assert.equal(buildResultsMatrix(rows, 'datacompnet', 'acc1').values[0]![2], 0.3);
    assert.equal(buildResultsMatrix(rows, 'datacompnet', 'acc5').values[0]![2], null);
  });

  it('always builds both main matrices, and the other metrics only when they hold a value', () => {
    const none = buildResultsMatrices([row(2016, null), row(2017, null)]);
    assert.deepEqual(
      none.map((m) => [m.family, m.metric, m.cells]),
      [
        ['retrieval', 'mean_recall@1', 0],
        ['datacompnet', 'acc1', 0],
      ],
    );
    assert.deepEqual(none[0]!.values, [Array(9).fill(null), Array(9).fill(null)]);
    const some = buildResultsMatrices([row(2016, '/e', retrieval(2016, 0.5))]);
    assert.deepEqual(
      some.map((m) => m.metric),
      ['mean_recall@1', 'image_retrieval_recall@1', 'text_retrieval_recall@1', 'acc1'],
    );
    // Plain data: survives a JSON round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(some)), some);
  });
});
