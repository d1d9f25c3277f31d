import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmCommands } from '../../src/runs/slurm/slurmCommands';
import { SlurmScheduler } from '../../src/runs/slurm/slurmScheduler';
import { ddpProbePlan } from '../support/ddpProbePlan';
import { ensureTorchrunInstalled, localSlurmOrSkipReason, type LocalSlurm } from '../support/localSlurm';

describe('SlurmScheduler against a real two-node Slurm (two slurmd on this machine, the second in a network namespace)', function () {
  this.timeout(600_000); // a first apt install of python3-torch (~60 MB) on a fresh machine
  let cluster: LocalSlurm | undefined;
  let root: string | undefined;
  let stateDir: string | undefined;
  let scheduler: SlurmScheduler | undefined;

  before(async function () {
    const started = await localSlurmOrSkipReason({ nodes: 2 });
    if (typeof started === 'string') {
      console.log(`      skipped: ${started}`);
      this.skip();
    }
    cluster = started;
  });
  after(async () => {
    scheduler?.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    await cluster?.stop();
  });

  it('trains across two nodes: the generated script starts torchrun on each node and the two workers meet at the c10d rendezvous on the first', async function () {
    const torch = await ensureTorchrunInstalled();
    if (!torch.ok) {
      console.log(`      skipped: ${torch.reason}`);
      this.skip();
    }
    assert.deepEqual(cluster!.nodeNames, ['ticn1', 'ticn2']);
    assert.ok(cluster!.interfaceName, 'the link between the nodes');
    root = mkdtempSync(join(tmpdir(), 'tic-slurm-ws-'));
    stateDir = mkdtempSync(join(tmpdir(), 'tic-slurm-state-'));
    scheduler = new SlurmScheduler({
      workspaceRoot: root,
      isTrusted: () => true,
      stateDir,
      commands: new SlurmCommands({ env: { ...process.env, ...cluster!.env } }),
      pollMs: 250,
      maxPollMs: 1000,
    });
    // One CPU worker per node (gloo), talking over the link between the nodes.
    const plan = ddpProbePlan(root, { nodes: 2, workersPerNode: 1 }, { GLOO_SOCKET_IFNAME: cluster!.interfaceName! });
    const started = await scheduler.start(plan);
    const final = await scheduler.waitForEnd(started.id);
    const jobLog = readFileSync(final.logPath, 'utf8');
    assert.equal(final.status, 'succeeded', `${JSON.stringify(final.failure ?? final.slurm)}\n${jobLog}`);
    const ddp = JSON.parse(readFileSync(join(root, 'results', 'ddp', 'ddp.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(ddp, { world_size: 2, sum: 3, rdzv_id: final.slurm!.jobId, nnodes_env: '2' });
    assert.equal(final.slurm?.nodes, 'ticn[1-2]');
    assert.match(
      jobLog,
      new RegExp(`^\\[tic-studio\\] job ${final.slurm!.jobId} \\(restart 0\\) on ticn\\[1-2\\] `, 'm'),
    );
  });
});
