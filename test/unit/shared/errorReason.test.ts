import assert from 'node:assert/strict';
import { CheckpointError } from '../../../src/checkpoint/base/checkpointError';
import { HubError } from '../../../src/hub/core/hubError';
import { ProbeError } from '../../../src/probe/probeError';
import { SupervisorError } from '../../../src/runs/local/supervisorError';
import { UntrustedFileError } from '../../../src/shared/untrustedFile';

describe('is(value, reason): one check for every error class', () => {
  it('knows its own errors, by reason, also as plain objects from another bundle', () => {
    assert.ok(HubError.is(new HubError('notFound', 'x')));
    assert.ok(HubError.is(new HubError('notFound', 'x'), 'notFound'));
    assert.ok(!HubError.is(new HubError('notFound', 'x'), 'forbidden'));
    assert.ok(SupervisorError.is({ name: 'SupervisorError', reason: 'notOwned', message: 'm' }, 'notOwned'));
    assert.ok(UntrustedFileError.is(new UntrustedFileError('notRegular', 'm', '/p'), 'notRegular'));
  });

  it('refuses other classes, unknown reasons and non-errors', () => {
    assert.ok(!CheckpointError.is(new ProbeError('runtimeUnavailable', 'm')));
    assert.ok(!ProbeError.is({ name: 'ProbeError', reason: 'madeUp' }));
    assert.ok(!SupervisorError.is(null));
    assert.ok(!SupervisorError.is('SupervisorError'));
  });
});
