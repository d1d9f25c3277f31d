import assert from 'node:assert/strict';
import { isFirstStepData, transferRegion } from '../../../src/tic/transferRegion';

/** One rule for the host's transfer summary and the dashboard's heatmap (both import it). */
describe('transfer regions of the step × eval-year matrix', () => {
  it('counts the first step as owning the eval years 2014–2016 when merged', () => {
    assert.equal(transferRegion(2016, 2014, 'merge'), 'id');
    assert.equal(transferRegion(2016, 2015, 'merge'), 'id');
    assert.equal(transferRegion(2016, 2016, 'merge'), 'id');
    assert.equal(transferRegion(2016, 2017, 'merge'), 'forward');
    assert.equal(transferRegion(2018, 2014, 'merge'), 'backward');
    assert.equal(transferRegion(2018, 2018, 'merge'), 'id');
  });

  it('keeps only eval year == step year as the diagonal when separate', () => {
    assert.equal(transferRegion(2016, 2014, 'separate'), 'backward');
    assert.equal(transferRegion(2016, 2016, 'separate'), 'id');
    assert.equal(transferRegion(2017, 2018, 'separate'), 'forward');
    assert.ok(isFirstStepData(2016, 2015));
    assert.ok(!isFirstStepData(2017, 2015));
  });
});
