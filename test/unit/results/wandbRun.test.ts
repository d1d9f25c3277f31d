import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseParamsText } from '../../../src/formats/paramsText';
import { wandbEntityProblem, wandbRunOf, wandbRunUrl } from '../../../src/results/wandbRun';

/** OpenCLIP's real params.txt (report_to empty, wandb False), with lines replaced as a W&B run writes them. */
const real = readFileSync(join(__dirname, '../../fixtures/openclip/params.sample.txt'), 'utf8');
function withLines(lines: Record<string, string>): string {
  return real
    .split('\n')
    .map((line) => {
      const key = line.split(':')[0]!;
      return key in lines ? `${key}: ${lines[key]}` : line;
    })
    .join('\n');
}

describe('the W&B run a step reported to (params.txt)', () => {
  it('is none for a run that did not report to W&B (the real params.txt)', () => {
    assert.match(real, /^report_to: $/m);
    assert.equal(wandbRunOf(parseParamsText(real)), null);
    assert.equal(wandbRunOf(null), null);
  });

  it('is the project and the experiment name when report_to names wandb (or all), or wandb is True', () => {
    const project = 'tic-datacomp-medium-basic-cumulative-2017';
    for (const lines of <Record<string, string>[]>[
      { report_to: 'wandb', wandb: 'True' },
      { report_to: 'tensorboard,wandb' },
      { report_to: 'all' },
      { wandb: 'True' },
    ]) {
      const params = parseParamsText(
        withLines({ ...lines, wandb_project_name: project, name: 'datacomp_medium-basic_cumulative_2017' }),
      );
      assert.deepEqual(
        wandbRunOf(params),
        { project, runId: 'datacomp_medium-basic_cumulative_2017' },
        JSON.stringify(lines),
      );
    }
    const noProject = parseParamsText(withLines({ report_to: 'wandb', wandb_project_name: '' }));
    assert.equal(wandbRunOf(noProject), null);
  });

  it("builds the run's page on wandb.ai or a self-hosted server, encoding every part", () => {
    const run = { project: 'tic datacomp/2017', runId: 'exp?2017#x' };
    assert.equal(wandbRunUrl(run, 'alice'), 'https://wandb.ai/alice/tic%20datacomp%2F2017/runs/exp%3F2017%23x');
    assert.equal(
      wandbRunUrl(run, 'team-1', 'https://wandb.example.org/'),
      'https://wandb.example.org/team-1/tic%20datacomp%2F2017/runs/exp%3F2017%23x',
    );
    assert.equal(wandbRunUrl(run, 'alice', 'javascript:alert(1)'), null);
    assert.equal(wandbRunUrl(run, 'alice', 'not a url'), null);
    assert.equal(wandbRunUrl(run, '../evil'), null);
  });

  it('accepts W&B user and team names only', () => {
    assert.equal(wandbEntityProblem('alice_lab-2'), null);
    for (const bad of ['', 'a/b', 'a b', '-x', 'x'.repeat(65), 'a?b'])
      assert.notEqual(wandbEntityProblem(bad), null, bad);
  });
});
