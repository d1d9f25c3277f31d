import assert from 'node:assert/strict';
import { publishedRepoMethod } from '../../../src/tic/publishedRepoMethod';
import { scalesForModel, scalesNotForModel } from '../../../src/tic/scalesForModel';
import { ticClipRepos } from '../../../src/tic/ticClipRepos';

describe('published TiC-CLIP checkpoints: which method, which scales can continue them', () => {
  it('reads strategy and filtering from each of the six repo names', () => {
    const read = ticClipRepos.map((r) => publishedRepoMethod(r));
    assert.deepEqual(read, [
      { filtering: 'basic', strategy: 'cumulative' },
      { filtering: 'basic', strategy: 'sequential' },
      { filtering: 'basic', strategy: 'oracle' },
      { filtering: 'bestpool', strategy: 'cumulative' },
      { filtering: 'bestpool', strategy: 'sequential' },
      { filtering: 'bestpool', strategy: 'oracle' },
    ]);
    assert.equal(publishedRepoMethod('me/my-clip'), null);
    assert.equal(publishedRepoMethod('apple/TiC-CLIP-bestpool-cumulative-extra'), null);
  });

  it('offers only the ViT-B-16 scales for a ViT-B-16 checkpoint; tic_medium is ViT-B-32', () => {
    assert.deepEqual(scalesForModel('ViT-B-16'), ['tic_large', 'tic_xlarge']);
    assert.deepEqual(scalesForModel('ViT-B-32'), ['tic_debug', 'tic_medium']);
    assert.deepEqual(scalesForModel('ViT-L-14'), []);
    assert.deepEqual(scalesNotForModel('ViT-B-16'), [
      { scale: 'tic_debug', model: 'ViT-B-32' },
      { scale: 'tic_medium', model: 'ViT-B-32' },
    ]);
  });
});
