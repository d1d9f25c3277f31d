import assert from 'node:assert/strict';
import type { StepNodeWire } from '../../../src/protocol/dashboardMessages';
import { exportFileName } from '../../../webview/dashboard/exportName';
import { canEvaluate, stepLabel, stepSpan, timelineYears } from '../../../webview/dashboard/timelineModel';
import { buildTimelineScene } from '../../../webview/dashboard/timelineScene';
import { formatSamples } from '../../../webview/dashboard/volumeFormat';
import { sceneToSvg } from '../../../webview/shared/sceneToSvg';

const step = (partial: Partial<StepNodeWire> = {}): StepNodeWire => ({
  year: 2017,
  experiment: '/r/x',
  expName: 'x',
  shared: false,
  checkpoint: 'local',
  run: 'finished',
  progress: null,
  evaluation: 'missing',
  detail: 'detail text',
  ...partial,
});

describe('timeline model', () => {
  it('spans 2014…2022 and widens to the data it is given', () => {
    assert.deepEqual(timelineYears([], []), [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]);
    assert.equal(timelineYears([{ year: 2023, samples: 1, approximate: false }], []).at(-1), 2023);
  });

  it('draws the first step over the data years 2014–2016', () => {
    assert.deepEqual(stepSpan(2016), [2014, 2016]);
    assert.deepEqual(stepSpan(2019), [2019, 2019]);
  });

  it('names a node with its data years, state and the host detail', () => {
    assert.equal(
      stepLabel('c', step({ year: 2016, run: 'running', progress: 0.426, shared: true })),
      'c step 2016 (data 2014–2016): running 43%, checkpoint local, not evaluated, shared with the sibling chain. detail text',
    );
  });

  it('offers Evaluate only for a checkpoint without any evaluation', () => {
    assert.ok(canEvaluate(step()));
    assert.ok(canEvaluate(step({ checkpoint: 'hub' })));
    assert.ok(!canEvaluate(step({ checkpoint: 'missing' })));
    assert.ok(!canEvaluate(step({ evaluation: 'partial' })));
    assert.ok(!canEvaluate(step({ run: 'running' })));
  });

  it('formats data volumes as the contracts quote them', () => {
    assert.equal(formatSamples(2e9), '2.0B');
    assert.equal(formatSamples(1.96e9, true), '\u22481.96B');
    assert.equal(formatSamples(480e6), '480M');
    assert.equal(formatSamples(12_345), '12.3k');
  });

  it('suggests export file names the host accepts', () => {
    assert.equal(
      exportFileName(['tic_medium/basic/cumulative', 'retrieval', 'mean_recall@1'], 'csv'),
      'tic_medium_basic_cumulative-retrieval-mean_recall@1.csv',
    );
    assert.equal(exportFileName(['<img src=x>'], 'csv'), '_img src_x_.csv');
    assert.equal(exportFileName(['..', ''], 'svg'), 'export.svg');
    const long = exportFileName(['x'.repeat(500)], 'png');
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('.png'));
    for (const name of [long, exportFileName(['.hidden/../../etc'], 'csv')]) assert.match(name, /^[\w@ -][\w.@ -]*$/);
  });

  it('exports the timeline scene as escaped SVG', () => {
    const scene = buildTimelineScene({
      width: 800,
      dataVolume: [{ year: 2014, samples: 2e8, approximate: false }],
      chains: [
        { key: '<img src=x onerror=alert(1)>', steps: [step({ year: 2016 }), step({ run: 'running', progress: 0.5 })] },
      ],
      colors: {
        foreground: '#fff',
        background: '#000',
        muted: '#999',
        border: '#444',
        blue: '#00f',
        green: '#0f0',
        red: '#f00',
        orange: '#fa0',
        fontFamily: 'sans-serif',
        fontSize: 13,
      },
    });
    const svg = sceneToSvg(scene);
    assert.ok(!svg.includes('<img'));
    assert.ok(svg.includes('&#60;img src=x onerror=alert(1)&#62;'));
    assert.ok(svg.includes('>200M<'));
  });
});
