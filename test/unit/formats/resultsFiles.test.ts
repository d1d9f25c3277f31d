import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { latestEvalRecords, parseEvalResultsJsonl } from '../../../src/formats/evalResultsJsonl';
import type { EvalMetricsEvent } from '../../../src/formats/logEvents';
import { parseLogText } from '../../../src/formats/logParser';
import { parsePythonJson } from '../../../src/formats/pythonJson';
import { parseResultsJsonl, zeroShotEpochs } from '../../../src/formats/resultsJsonl';
import { ticMonths } from '../../../src/tic/ticMonths';
import { parseTicTaskKey } from '../../../src/tic/ticTaskKey';

const root = join(__dirname, '../../..');
const fixtures = join(root, 'test/fixtures/openclip');

function evalEvents(text: string): EvalMetricsEvent[] {
  return parseLogText(text).filter((e): e is EvalMetricsEvent => e.type === 'evalMetrics');
}

describe('results.jsonl (contracts §2.4)', () => {
  const sample = readFileSync(join(fixtures, 'results.sample.jsonl'), 'utf8');

  it('places the real rows at epochs 2 and 3 from the log’s Eval Epoch lines', () => {
    const file = parseResultsJsonl(sample, {
      evalEvents: evalEvents(readFileSync(join(fixtures, 'out.sample.full.log'), 'utf8')),
    });
    assert.deepEqual(
      file.rows.map((r) => [r.epoch, r.epochSource, r.metrics['imagenet-zeroshot-val-top1']]),
      [
        [2, 'log', 0.1111111111111111],
        [3, 'log', 0.1111111111111111],
      ],
    );
    assert.deepEqual(file.problems, []);
    assert.equal(file.truncatedTail, false);
  });

  it('falls back to the zero-shot rule: epoch % frequency == 0 or the last epoch', () => {
    assert.deepEqual(zeroShotEpochs(5), [2, 4, 5]);
    assert.deepEqual(zeroShotEpochs(3), [2, 3]);
    assert.deepEqual(zeroShotEpochs(5, 1), [1, 2, 3, 4, 5]);
    assert.deepEqual(zeroShotEpochs(0), []);
    const file = parseResultsJsonl(sample, { epochs: 3 });
    assert.deepEqual(
      file.rows.map((r) => [r.epoch, r.epochSource]),
      [
        [2, 'zeroshotRule'],
        [3, 'zeroshotRule'],
      ],
    );
    const extra = parseResultsJsonl(`${sample}${sample}`, { epochs: 3 });
    assert.deepEqual(
      extra.rows.map((r) => r.epochSource),
      ['zeroshotRule', 'zeroshotRule', 'unknown', 'unknown'],
    );
  });

  it('uses an epoch key when the row has one, and reports bad lines and a half-written tail', () => {
    const file = parseResultsJsonl(
      '{"epoch": 1, "val_loss": 2.5}\nnot json\n{"imagenet-zeroshot-val-top1": NaN}\n{"imagenet-zero',
      {},
    );
    assert.deepEqual(
      file.rows.map((r) => [r.epoch, r.epochSource]),
      [
        [1, 'row'],
        [2, 'zeroshotRule'],
      ],
    );
    assert.ok(Number.isNaN(file.rows[1]!.metrics['imagenet-zeroshot-val-top1']!));
    assert.deepEqual(
      file.problems.map((p) => p.line),
      [2],
    );
    assert.equal(file.truncatedTail, true);
  });

  for (const dir of readdirSync(join(root, 'demo/datacomp/results'))) {
    it(`maps the demo results.jsonl of ${dir} to epochs 2, 4, 5 through its log`, () => {
      const base = join(root, 'demo/datacomp/results', dir);
      const file = parseResultsJsonl(readFileSync(join(base, 'checkpoints/results.jsonl'), 'utf8'), {
        evalEvents: evalEvents(readFileSync(join(base, 'out.log'), 'utf8')),
      });
      assert.deepEqual(
        file.rows.map((r) => [r.epoch, r.epochSource]),
        [
          [2, 'log'],
          [4, 'log'],
          [5, 'log'],
        ],
      );
    });
  }
});

describe('eval_results.jsonl (contracts §3.3)', () => {
  it('reads the synthetic records with their TiC keys', () => {
    const file = parseEvalResultsJsonl(readFileSync(join(fixtures, 'eval_results.SYNTHETIC.jsonl'), 'utf8'));
    assert.equal(file.records.length, 2);
    const [dcnet, retrieval] = file.records;
    assert.equal(dcnet!.key, 'tic/datacomp/datacompnet/yearly/2014');
    assert.equal(dcnet!.dataset, 'TiC-DataCompNet-Yearly-2014');
    assert.equal(dcnet!.mainMetric, 0.125);
    assert.deepEqual(dcnet!.task, {
      key: 'tic/datacomp/datacompnet/yearly/2014',
      dataset: 'datacomp',
      family: 'datacompnet',
      timescale: 'yearly',
      period: '2014',
      year: 2014,
      month: null,
      mainMetric: 'acc1',
    });
    assert.equal(retrieval!.metrics['mean_recall@1'], 0.375);
    assert.equal(retrieval!.mainMetric, 0.375);
    assert.equal(retrieval!.task?.mainMetric, 'mean_recall@1');
  });

  it('tolerates a truncated last line (evaluate.py appends as it goes), None, NaN and stock DataComp tasks', () => {
    const text = [
      '{"key": "tic/datacomp/retrieval/yearly/2015", "dataset": "TiC-DataComp-Retrieval-Yearly-2015", "metrics": {"mean_recall@1": NaN, "main_metric": NaN}}',
      '{"key": "imagenet1k", "dataset": "ImageNet 1k", "metrics": {"acc1": 0.5, "acc5": null, "mean_per_class_recall": 0.49, "main_metric": 0.5}}',
      '{"key": "fairness/fairface", "dataset": "FairFace", "metrics": {"acc_race": {"a": 1}, "main_metric": null}}',
      '{"key": "oops"}',
      '{"key": "tic/datacomp/datacompnet/yearly/2016", "dataset": "TiC-Data',
    ].join('\n');
    const file = parseEvalResultsJsonl(text);
    assert.equal(file.truncatedTail, true);
    assert.equal(file.records.length, 3);
    assert.ok(Number.isNaN(file.records[0]!.metrics['mean_recall@1']!));
    assert.equal(file.records[1]!.metrics['acc5'], null);
    assert.equal(file.records[1]!.task, null);
    assert.deepEqual(file.records[2]!.skippedMetrics, ['acc_race']);
    assert.equal(file.records[2]!.mainMetric, null);
    assert.deepEqual(
      file.problems.map((p) => [p.reason, p.line]),
      [['notARecord', 4]],
    );
  });

  it('keeps the last record of a key written twice', () => {
    const line = (v: number): string => `{"key": "k", "dataset": "d", "metrics": {"main_metric": ${v}}}`;
    const file = parseEvalResultsJsonl(`${line(1)}\n${line(2)}\n`);
    assert.deepEqual(
      latestEvalRecords(file.records).map((r) => r.mainMetric),
      [2],
    );
  });

  const demoEvals = readdirSync(join(root, 'demo/datacomp/eval_results'));
  // The demo's monthly steps (…_m{YYYYMM}, demo/generate.py) are evaluated on the monthly tasks only.
  const monthlyStep = /_m\d{6}$/;
  for (const dir of demoEvals.filter((d) => monthlyStep.test(d))) {
    it(`reads the demo eval of ${dir}: the 102 months of DataCompNet, then of retrieval`, () => {
      const file = parseEvalResultsJsonl(
        readFileSync(join(root, 'demo/datacomp/eval_results', dir, 'eval_results.jsonl'), 'utf8'),
      );
      assert.deepEqual(file.problems, []);
      assert.deepEqual(
        file.records.map((r) => `${r.task?.family}/${r.task?.timescale}/${r.task?.period}`),
        [...ticMonths.map((m) => `datacompnet/monthly/${m}`), ...ticMonths.map((m) => `retrieval/monthly/${m}`)],
      );
      for (const r of file.records) assert.ok(r.mainMetric !== null && r.mainMetric > 0 && r.mainMetric < 1);
    });
  }
  for (const dir of demoEvals.filter((d) => !monthlyStep.test(d))) {
    it(`reads the demo eval of ${dir}: 9 DataCompNet + 9 retrieval years`, () => {
      const file = parseEvalResultsJsonl(
        readFileSync(join(root, 'demo/datacomp/eval_results', dir, 'eval_results.jsonl'), 'utf8'),
      );
      assert.equal(file.records.length, 18);
      assert.deepEqual(file.problems, []);
      assert.deepEqual(
        file.records.map((r) => `${r.task?.family}/${r.task?.year}`),
        [
          ...[2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022].map((y) => `datacompnet/${y}`),
          ...[2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022].map((y) => `retrieval/${y}`),
        ],
      );
      for (const r of file.records) assert.ok(r.mainMetric !== null && r.mainMetric > 0 && r.mainMetric < 1);
    });
  }
});

describe('TiC task keys (contracts §3.4)', () => {
  it('parses yearly and monthly keys of both families', () => {
    assert.deepEqual(parseTicTaskKey('tic/datacomp/retrieval/yearly/2014'), {
      key: 'tic/datacomp/retrieval/yearly/2014',
      dataset: 'datacomp',
      family: 'retrieval',
      timescale: 'yearly',
      period: '2014',
      year: 2014,
      month: null,
      mainMetric: 'mean_recall@1',
    });
    const monthly = parseTicTaskKey('tic/datacomp/datacompnet/monthly/201403');
    assert.equal(monthly?.year, 2014);
    assert.equal(monthly?.month, 3);
    assert.equal(monthly?.mainMetric, 'acc1');
  });

  it('refuses keys that are not TiC keys', () => {
    for (const key of [
      'imagenet1k',
      'retrieval/flickr_1k_test_image_text_retrieval',
      'tic/datacomp/retrieval/yearly/14',
      'tic/datacomp/retrieval/monthly/201413',
      'tic/datacomp/retrieval/weekly/2014',
      'tic/datacomp/retrieval/yearly/2014/extra',
      'tic//retrieval/yearly/2014',
    ]) {
      assert.equal(parseTicTaskKey(key), null, key);
    }
  });
});

describe('Python JSON', () => {
  it('accepts the NaN and Infinity tokens json.dumps writes, but not inside strings', () => {
    const r = parsePythonJson('{"a": NaN, "b": -Infinity, "c": [Infinity], "d": "NaN is a word"}');
    assert.ok(r.ok);
    const v = r.value as { a: number; b: number; c: number[]; d: string };
    assert.ok(Number.isNaN(v.a));
    assert.equal(v.b, -Infinity);
    assert.deepEqual(v.c, [Infinity]);
    assert.equal(v.d, 'NaN is a word');
    assert.equal(parsePythonJson('{"a": 1').ok, false);
    assert.equal(parsePythonJson('{"a": NaNa}').ok, false);
  });
});
