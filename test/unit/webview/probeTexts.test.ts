import assert from 'node:assert/strict';
import { parseTexts, textsSummary } from '../../../webview/probe/probeTexts';

describe('probe texts', () => {
  it('reads one label per line, trimmed, without empty lines', () => {
    assert.deepEqual(parseTexts('  a photo of a dog \n\n a photo of a cat\r\n\t\n', 'labels'), [
      'a photo of a dog',
      'a photo of a cat',
    ]);
  });

  it('splits a single line of labels on commas', () => {
    assert.deepEqual(parseTexts('dog, cat,, bird ,', 'labels'), ['dog', 'cat', 'bird']);
  });

  it('keeps commas inside labels when there are several lines', () => {
    assert.deepEqual(parseTexts('a dog, sitting\na cat, asleep', 'labels'), ['a dog, sitting', 'a cat, asleep']);
  });

  it('never splits captions on commas, even on a single line', () => {
    assert.deepEqual(parseTexts('a dog, catching a frisbee', 'captions'), ['a dog, catching a frisbee']);
    assert.deepEqual(parseTexts('one\r two\n\nthree', 'captions'), ['one', 'two', 'three']);
  });

  it('gives nothing for blank input', () => {
    assert.deepEqual(parseTexts('  \n , \n', 'captions'), [',']);
    assert.deepEqual(parseTexts(' , ,', 'labels'), []);
    assert.deepEqual(parseTexts('', 'labels'), []);
  });

  it('counts labels, and captions against images', () => {
    assert.equal(textsSummary('labels', 1, 0), '1 label');
    assert.equal(textsSummary('labels', 3, 2), '3 labels');
    assert.equal(textsSummary('captions', 2, 1), '2 captions for 1 image');
  });
});
