import assert from 'node:assert/strict';
import { resultCsv } from '../../../webview/probe/resultCsv';

const base = { type: 'result' as const, requestId: 7, elapsedMs: 12 };

describe('probe result CSV', () => {
  it('writes labels in long form, one row per image, label and model, with the top marked', () => {
    const csv = resultCsv(
      {
        ...base,
        mode: 'labels',
        images: ['i1'],
        texts: ['a dog', '=cmd'],
        labels: [
          { model: 'm1', probabilities: [[0.75, 0.25]] },
          { model: 'm2', probabilities: [[0.4, 0.6]] },
        ],
        captions: null,
      },
      { imageNames: { i1: 'dog, big.png' }, modelLabels: { m1: '2016', m2: '2022' } },
    );
    assert.equal(
      csv,
      [
        'image,image_id,text_index,text,model,model_id,probability,top',
        '"dog, big.png",i1,0,a dog,2016,m1,0.75,1',
        '"dog, big.png",i1,1,\'=cmd,2016,m1,0.25,0',
        '"dog, big.png",i1,0,a dog,2022,m2,0.4,0',
        '"dog, big.png",i1,1,\'=cmd,2022,m2,0.6,1',
        '',
      ].join('\r\n'),
    );
  });

  it('writes captions as one row per model, falling back to ids for unknown names', () => {
    const csv = resultCsv(
      {
        ...base,
        mode: 'captions',
        images: ['i1', 'i2'],
        texts: ['x', 'y'],
        labels: null,
        captions: [{ model: 'm9', imageToText: { r1: 0.5, r5: 1 }, textToImage: { r1: 0, r5: 1 } }],
      },
      { imageNames: {}, modelLabels: {} },
    );
    assert.equal(
      csv,
      'model,model_id,image_to_text_r1,image_to_text_r5,text_to_image_r1,text_to_image_r5\r\nm9,m9,0.5,1,0,1\r\n',
    );
  });
});
