import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { localSlurmLogTails, localSlurmOrSkipReason, startLocalSlurm, type LocalSlurm } from '../support/localSlurm';

const execFileAsync = promisify(execFile);

async function slurmCommand(cluster: LocalSlurm, command: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(command, args, { env: { ...process.env, ...cluster.env }, timeout: 15_000 });
  return stdout.trim();
}

async function submit(cluster: LocalSlurm, script: string, args: string[] = []): Promise<string> {
  const scriptPath = path.join(cluster.dir, `job-${Date.now()}.sh`);
  await writeFile(scriptPath, script, { mode: 0o755 });
  // --parsable prints "id" or "id;cluster".
  return (await slurmCommand(cluster, 'sbatch', ['--parsable', ...args, scriptPath])).split(';')[0]!;
}

async function jobState(cluster: LocalSlurm, id: string): Promise<string> {
  return slurmCommand(cluster, 'squeue', ['-h', '-t', 'all', '-j', id, '-o', '%T']);
}

async function waitForJobState(cluster: LocalSlurm, id: string, wanted: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    state = await jobState(cluster, id);
    if (state === wanted) return;
    await delay(200);
  }
  assert.fail(
    `job ${id} is ${state || 'unknown'}, not ${wanted}, after ${timeoutMs} ms\n${localSlurmLogTails(cluster)}`,
  );
}

async function waitForFile(file: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return text;
    }
    await delay(100);
  }
  return assert.fail(`${file} did not appear within ${timeoutMs} ms`);
}

function procStat(pid: number): { ppid: number; comm: string } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return { ppid, comm };
}

/**
 * kill(pid, 0) fails once the process is gone. An orphan (slurmstepd is one) is reaped by init, not by us: a zombie
 * left for init counts as gone, since it runs nothing and holds nothing but its pid.
 */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('a local one-node Slurm cluster', function () {
  this.timeout(120_000);
  let cluster: LocalSlurm | undefined;

  before(async function () {
    const started = await localSlurmOrSkipReason();
    if (typeof started === 'string') {
      console.log(`Skipping the local Slurm tests: ${started}`);
      this.skip();
    }
    cluster = started;
  });

  after(async () => {
    await cluster?.stop();
  });

  it('comes up with its one node idle in its default partition', async () => {
    const c = cluster!;
    const line = await slurmCommand(c, 'sinfo', ['-h', '-o', '%P %a %T %N']);
    assert.equal(line, `${c.partition}* up idle ${c.nodeName}`);
  });

  it('runs a batch job to COMPLETED, with its output in the file it names', async () => {
    const c = cluster!;
    const output = path.join(c.dir, 'hello-%j.out');
    const id = await submit(c, '#!/bin/bash\necho "hello from job $SLURM_JOB_ID on $SLURMD_NODENAME"\n', [
      `--output=${output}`,
    ]);
    assert.match(id, /^\d+$/);
    await waitForJobState(c, id, 'COMPLETED');
    assert.equal(readFileSync(output.replace('%j', id), 'utf8'), `hello from job ${id} on ${c.nodeName}\n`);
  });

  it('runs beside a second cluster on the same host, neither seeing the other', async () => {
    const c = cluster!;
    const second = await startLocalSlurm();
    try {
      assert.notEqual(second.dir, c.dir);
      const port = (conf: string, key: string) =>
        readFileSync(conf, 'utf8').match(new RegExp(`^${key}=(\\d+)$`, 'm'))?.[1];
      assert.notEqual(port(second.confPath, 'SlurmctldPort'), port(c.confPath, 'SlurmctldPort'));
      assert.notEqual(port(second.confPath, 'SlurmdPort'), port(c.confPath, 'SlurmdPort'));
      const id = await submit(second, '#!/bin/bash\ntrue\n', ['--job-name=only-in-second', '--output=/dev/null']);
      await waitForJobState(second, id, 'COMPLETED');
      const namesInFirst = await slurmCommand(c, 'squeue', ['-h', '-t', 'all', '-o', '%j']);
      assert.ok(!namesInFirst.split('\n').includes('only-in-second'), namesInFirst);
    } finally {
      await second.stop();
    }
    assert.equal(await slurmCommand(c, 'sinfo', ['-h', '-o', '%T']), 'idle');
  });

  it('stop() ends its daemons, the slurmstepd and processes of running jobs, and only those; twice is fine', async () => {
    const c = cluster!;
    const doomed = await startLocalSlurm();
    let stopped = false;
    try {
      const pidFile = path.join(doomed.dir, 'job.pid');
      const id = await submit(doomed, `#!/bin/bash\necho $$ > ${pidFile}\nexec sleep 300\n`, ['--output=/dev/null']);
      const jobPid = Number(await waitForFile(pidFile));
      await waitForJobState(doomed, id, 'RUNNING');
      assert.equal(readFileSync(`/proc/${jobPid}/cmdline`, 'utf8'), 'sleep\u0000300\u0000');
      const stepd = procStat(jobPid).ppid;
      assert.equal(procStat(stepd).comm, 'slurmstepd');

      await Promise.all([doomed.stop(), doomed.stop()]);
      stopped = true;
      await doomed.stop();

      for (const [what, pid] of [
        ...Object.entries(doomed.pids),
        ['slurmstepd', stepd],
        ['sleep 300', jobPid],
      ] as const) {
        assert.ok(isGone(pid), `${what} (${pid}) still runs after stop()`);
      }
      assert.ok(!existsSync(doomed.dir), `stop() left ${doomed.dir}`);
    } finally {
      if (!stopped) await doomed.stop();
    }
    for (const [what, pid] of Object.entries(c.pids)) {
      assert.doesNotThrow(() => process.kill(pid, 0), `the other cluster's ${what} (${pid}) was stopped too`);
    }
    assert.equal(await slurmCommand(c, 'sinfo', ['-h', '-o', '%T']), 'idle');
  });
});
