import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  descendantsOf,
  isProcessAlive,
  listProcesses,
  parseProcStat,
  processStartMs,
  readBootTimeMs,
  readProcessIdentity,
  readProcessInfo,
  type ProcessInfo,
} from '../../../../src/runs/local/processTree';

const linux = process.platform === 'linux';

describe('processTree (/proc)', () => {
  it('parses /proc/<pid>/stat, also a command name with spaces and parentheses', () => {
    const stat =
      '4242 (python3 (train) x) S 4200 4242 4100 0 -1 4194560 1 0 0 0 3 1 0 0 20 0 5 0 987654 123 45 18446744073709551615';
    assert.deepEqual(parseProcStat(stat), { pid: 4242, ppid: 4200, pgid: 4242, state: 'S', startTicks: 987654 });
    assert.equal(parseProcStat('garbage'), undefined);
    assert.equal(parseProcStat('1 (x) S 0'), undefined);
  });

  it('finds descendants by parent pid across process groups, without cycles', () => {
    const p = (pid: number, ppid: number, pgid = 10): ProcessInfo => ({ pid, ppid, pgid, state: 'S', startTicks: pid });
    const snapshot = [p(10, 1), p(11, 10), p(12, 11, 12), p(13, 12, 13), p(20, 1, 20), p(14, 10)];
    assert.deepEqual(
      descendantsOf(10, snapshot)
        .map((d) => d.pid)
        .sort(),
      [11, 12, 13, 14],
    );
    assert.deepEqual(descendantsOf(20, snapshot), []);
  });

  (linux ? it : it.skip)('reads this process and tells it from a reused pid by its start time', async () => {
    const me = await readProcessInfo(process.pid);
    assert.equal(me?.pid, process.pid);
    assert.equal(me?.ppid, process.ppid);
    const identity = await readProcessIdentity(process.pid);
    assert.ok(identity !== undefined);
    assert.equal(await isProcessAlive(identity), true);
    assert.equal(await isProcessAlive({ ...identity, startTicks: identity.startTicks + 1 }), false);
    assert.equal(await isProcessAlive({ ...identity, bootId: 'another-boot' }), false);
    const boot = await readBootTimeMs();
    assert.ok(boot !== undefined);
    const started = processStartMs(identity.startTicks, boot);
    assert.ok(
      started <= Date.now() + 2000 && started > Date.now() - 24 * 3600_000 * 365,
      `start ${new Date(started).toISOString()}`,
    );
  });

  (linux ? it : it.skip)('lists a real child as a descendant until it ends', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      assert.ok(descendantsOf(process.pid, await listProcesses()).some((d) => d.pid === child.pid));
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    assert.equal(await readProcessIdentity(child.pid!), undefined);
  });
});
