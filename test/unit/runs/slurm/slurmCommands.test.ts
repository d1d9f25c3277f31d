import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmCommands } from '../../../../src/runs/slurm/slurmCommands';
import { SlurmError } from '../../../../src/runs/model/slurmError';

const fixtures = join(__dirname, '../../../fixtures/slurm');

/**
 * The Slurm clients' behaviours a 22.05 test cluster cannot show (an old squeue without --json, a controller that
 * is down, no accounting, a slow login node), played by small bash programs on PATH that answer like the real
 * ones (messages copied from Slurm). SlurmCommands runs them as real child processes; each logs its argv.
 */
describe('SlurmCommands: the client commands and how their failures are told apart', () => {
  let bin: string;
  let calls: string;
  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'tic-slurm-bin-'));
    calls = join(bin, 'calls.log');
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  /** A program on PATH: logs `name args…`, then runs `body` (bash). */
  function program(name: string, body: string): void {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/bash\necho "${name} $*" >> ${JSON.stringify(calls)}\n${body}\n`);
    chmodSync(path, 0o755);
  }
  const commands = (timeoutMs = 10_000) => new SlurmCommands({ env: { PATH: bin }, timeoutMs });
  const logged = () => readFileSync(calls, 'utf8').trim().split('\n');

  async function slurmError(promise: Promise<unknown>): Promise<SlurmError> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof SlurmError, String(error));
      return error;
    }
    assert.fail('expected a SlurmError');
  }

  it('falls back to the fixed --Format for good when squeue has no --json (before 21.08)', async () => {
    program(
      'squeue',
      `for a in "$@"; do [ "$a" = --json ] && { echo "squeue: unrecognized option '--json'" >&2; exit 1; }; done
/bin/cat ${JSON.stringify(join(fixtures, 'squeue-22.05-format.txt'))}`,
    );
    const c = commands();
    const first = await c.jobs(['2', '5']);
    assert.deepEqual([...first.keys()].sort(), ['2', '5'], 'only the jobs asked for');
    assert.equal(first.get('2')?.state, 'FAILED');
    assert.equal(first.get('5')?.restarts, 1);
    await c.jobs(['2']);
    const squeues = logged().filter((l) => l.startsWith('squeue'));
    assert.equal(squeues.length, 3, 'json once, then format twice');
    assert.ok(squeues[0]!.includes('--json') && !squeues[2]!.includes('--json'));
  });

  it('keeps only the asked jobs from 22.05’s --json, which lists every job whatever --jobs says', async () => {
    program('squeue', `/bin/cat ${JSON.stringify(join(fixtures, 'squeue-22.05.json'))}`);
    const jobs = await commands().jobs(['6']);
    assert.deepEqual([...jobs.keys()], ['6']);
    assert.equal(jobs.get('6')?.state, 'RUNNING');
  });

  it('asks sacct about jobs squeue has forgotten, and stops asking once it says there is no accounting', async () => {
    program('squeue', `echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1`);
    program('sacct', `/bin/cat ${JSON.stringify(join(fixtures, 'synthetic-sacct-22.05-parsable.txt'))}`);
    const found = await commands().jobs(['103']);
    assert.equal(found.get('103')?.state, 'FAILED');
    assert.equal(found.get('103')?.exitCode, 3);

    program(
      'sacct',
      `/bin/cat ${JSON.stringify(join(fixtures, 'sacct-22.05-accounting-disabled.stderr.txt'))} >&2; exit 1`,
    );
    const c = commands();
    assert.equal((await c.jobs(['103'])).size, 0);
    assert.equal((await c.jobs(['103'])).size, 0);
    assert.equal(logged().filter((l) => l.startsWith('sacct')).length, 2, 'one sacct for the first client, once');
  });

  it('tells "not a Slurm host", "no controller", a refused job and a hung command apart', async () => {
    assert.equal((await slurmError(commands().jobs(['1']))).reason, 'notInstalled');

    program('squeue', `echo "squeue: fatal: Could not establish a configuration source" >&2; exit 1`);
    const down = await slurmError(commands().jobs(['1']));
    assert.equal(down.reason, 'notConfigured');
    assert.match(down.message, /Could not establish a configuration source/);

    program(
      'sbatch',
      `echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1`,
    );
    const refused = await slurmError(commands().submit('#!/bin/bash\n', bin));
    assert.equal(refused.reason, 'submitRefused');
    assert.match(refused.message, /Invalid partition name specified/);

    program('sinfo', '/bin/sleep 5');
    assert.equal((await slurmError(commands(300).partitions())).reason, 'timeout');
  });

  it('reads the job id of sbatch --parsable, on a federation too, and refuses anything else', async () => {
    program('sbatch', 'echo "4242;tic-cluster"');
    assert.equal(await commands().submit('#!/bin/bash\n', bin), '4242');
    assert.deepEqual(logged(), ['sbatch --parsable']);
    program('sbatch', 'echo "Submitted batch job 4242"');
    assert.equal((await slurmError(commands().submit('#!/bin/bash\n', bin))).reason, 'badOutput');
  });

  it('hands sbatch the script’s bytes on its standard input, not a path it would read later', async () => {
    const received = join(bin, 'received.sbatch');
    program('sbatch', `/bin/cat > ${JSON.stringify(received)}; echo 7`);
    const script = '#!/bin/bash\n#SBATCH --nodes=1\necho "ünïcode and $HOME stay as written"\n';
    assert.equal(await commands().submit(Buffer.from(script, 'utf8'), bin), '7');
    assert.equal(readFileSync(received, 'utf8'), script);
    assert.deepEqual(logged(), ['sbatch --parsable'], 'no file argument: nothing on disk is read by sbatch');
    // A stand-in that exits without reading its input must not make the submission fail (EPIPE).
    program('sbatch', 'echo 8');
    assert.equal(await commands().submit('x'.repeat(200_000), bin), '8');
  });

  it('lists the partitions with the default first', async () => {
    program('sinfo', `printf 'cpu|up\\ngpu*|up\\ngpu*|up\\nold|down\\n'`);
    assert.deepEqual(await commands().partitions(), [
      { name: 'gpu', isDefault: true, available: true },
      { name: 'cpu', isDefault: false, available: true },
      { name: 'old', isDefault: false, available: false },
    ]);
  });
});
