import assert from 'node:assert/strict';
import {
  argmax,
  labelImageViews,
  maxRowsShownInFull,
  picksSummary,
  topIndices,
} from '../../../webview/probe/labelResults';

describe('probe label results', () => {
  const texts = ['a dog', 'a cat', 'a phone'];
  const labels = [
    {
      model: 'm2016',
      probabilities: [
        [0.7, 0.2, 0.1],
        [0.1, 0.1, 0.8],
      ],
    },
    {
      model: 'm2022',
      probabilities: [
        [0.1, 0.6, 0.3],
        [0.05, 0.15, 0.8],
      ],
    },
  ];

  it('marks the top label per model and image', () => {
    const [first, second] = labelImageViews(['img1', 'img2'], texts, labels);
    assert.equal(first!.imageId, 'img1');
    assert.deepEqual(
      first!.rows.map((r) => r.cells.map((c) => c.top)),
      [
        [true, false],
        [false, true],
        [false, false],
      ],
    );
    assert.deepEqual(first!.picks, [
      { model: 'm2016', textIndex: 0, probability: 0.7 },
      { model: 'm2022', textIndex: 1, probability: 0.6 },
    ]);
    assert.deepEqual(
      second!.picks.map((p) => p.textIndex),
      [2, 2],
    );
    assert.equal(first!.rows[2]!.cells[1]!.probability, 0.3);
  });

  it('says who picks what and whether they agree', () => {
    const label = (id: string): string => ({ m2016: 'cumulative 2016', m2022: 'cumulative 2022' })[id] ?? id;
    const [first, second] = labelImageViews(['img1', 'img2'], texts, labels);
    assert.equal(
      picksSummary(first!.picks, texts, label),
      'cumulative 2016 picks “a dog” (70.0%); cumulative 2022 picks “a cat” (60.0%): they disagree.',
    );
    assert.match(picksSummary(second!.picks, texts, label), /: they agree\.$/);
    assert.equal(picksSummary(first!.picks.slice(0, 1), texts, label), 'cumulative 2016 picks “a dog” (70.0%).');
  });

  it('shows only the union of each model’s top labels when there are many', () => {
    const many = Array.from({ length: 50 }, (_, i) => `label ${i}`);
    const row = (hot: number[]): number[] => many.map((_, i) => (hot.includes(i) ? 0.1 + i / 1000 : 0.0001));
    const [view] = labelImageViews(['img'], many, [
      { model: 'a', probabilities: [row([1, 2, 3, 4, 5])] },
      { model: 'b', probabilities: [row([5, 6, 7, 8, 9])] },
    ]);
    assert.ok(many.length > maxRowsShownInFull);
    assert.deepEqual(
      view!.rows.map((r) => r.textIndex),
      [9, 8, 7, 6, 5, 4, 3, 2, 1],
    );
    assert.equal(view!.hiddenRows, 41);
  });

  it('breaks ties towards the first label', () => {
    assert.equal(argmax([0.5, 0.5]), 0);
    assert.equal(argmax([]), -1);
    assert.deepEqual(topIndices([0.2, 0.5, 0.5, 0.1], 3), [1, 2, 0]);
  });
});
