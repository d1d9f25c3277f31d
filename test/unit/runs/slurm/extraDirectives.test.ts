import assert from 'node:assert/strict';
import { SlurmError } from '../../../../src/runs/model/slurmError';
import { parseSlurmJobOptions } from '../../../../src/runs/model/slurmJobOptions';

/**
 * `ticStudio.slurm.extraDirectives` can come from a trusted workspace's settings, and auto-resume submits the
 * script again without asking: no extra `#SBATCH` line may make the job run code its script does not show, run
 * as someone else, or write its output elsewhere. sbatch reads these lines with getopt_long, which takes any
 * unambiguous abbreviation of an option, so the abbreviations are refused too.
 */
describe('extra #SBATCH directives: what a setting may add to the script', () => {
  function refusal(directive: string): string {
    const parsed = parseSlurmJobOptions({ extraDirectives: ['--constraint=a100', directive] });
    assert.ok(parsed instanceof SlurmError, `${directive} was accepted`);
    assert.equal(parsed.reason, 'invalidOptions');
    return parsed.message;
  }

  for (const [directive, why] of [
    ['--export=BASH_ENV=/home/me/project/.env.sh', /--export may not set BASH_ENV/],
    ['--export=ALL,BASH_ENV=/tmp/x', /--export may not set BASH_ENV/],
    ['--export=ALL,bash_env=/tmp/x', /--export may not set bash_env/],
    ['--export=ALL,LD_PRELOAD=/tmp/evil.so', /--export may not set LD_PRELOAD/],
    ['--export=NONE,LD_LIBRARY_PATH=/tmp/lib', /--export may not set LD_LIBRARY_PATH/],
    ['--export=ALL,WANDB_MODE=offline,PATH=/tmp/bin', /--export may not set PATH/],
    ['--export=ALL,PYTHONPATH=/tmp/py', /--export may not set PYTHONPATH/],
    ['--export=ALL,SHELLOPTS=xtrace,PS4=x', /--export may not set SHELLOPTS/],
    ['--export=ALL,BASH_FUNC_srun%%=x', /not a variable name/],
    ['--export=ALL,=LD_PRELOAD=/tmp/evil.so', /not a variable name/],
    ['--exp=ALL,LD_PRELOAD=/tmp/evil.so', /--exp abbreviates --export/],
    ['--export-file=/tmp/vars', /--export-file is not allowed/],
    ['--uid=0', /--uid is not allowed: it would submit the job as another user/],
    ['--ui=0', /--ui abbreviates --uid/],
    ['--gid=0', /--gid is not allowed/],
    ['--chdir=/tmp', /--chdir is set by TiC Studio itself/],
    ['--output=/home/me/.bashrc', /--output is set by TiC Studio itself/],
    ['--out=/home/me/.bashrc', /--out abbreviates --output/],
    ['--error=/tmp/e', /--error is set by TiC Studio itself/],
    ['--wrap=id', /--wrap is set by TiC Studio itself/],
    ['--wr=id', /--wr abbreviates --wrap/],
    ['--ntasks=4', /--ntasks is set by TiC Studio itself/],
    ['--container=/tmp/bundle', /--container is not allowed/],
  ] as const) {
    it(`refuses ${directive}`, () => assert.match(refusal(directive), why));
  }

  it('keeps allocation options, variables passed on by name, and harmless assignments', () => {
    const extraDirectives = [
      '--constraint=a100',
      '--exclusive',
      '--export=ALL,WANDB_MODE=offline,HF_HOME',
      '--export=NONE',
      '--mail-type=END',
      '--signal=B:USR1@120',
      '--bb=capacity=1G',
      '--no-kill',
      '--gpus-per-task=1',
    ];
    const parsed = parseSlurmJobOptions({ extraDirectives });
    assert.ok(!(parsed instanceof SlurmError), parsed instanceof SlurmError ? parsed.message : '');
    assert.deepEqual(parsed.extraDirectives, extraDirectives);
  });
});
