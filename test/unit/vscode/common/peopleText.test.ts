import assert from 'node:assert/strict';
import { forPeople } from '../../../../src/vscode/common/peopleText';
import { validateResumePlan } from '../../../../src/plan/resumeValidation';
import { planResume } from '../../../../src/plan/resumePlan';

describe('forPeople: plan sentences in the window carry no pointers into the spec', () => {
  it('drops "(contracts §…)" and ", contracts §…" and keeps the rest of the sentence', () => {
    assert.equal(
      forPeople(
        'x.pt is a CLIP of unknown shape (patch 4, vision 4×1); tic_medium trains ViT-B-32 (contracts §1.2, §2.7)',
      ),
      'x.pt is a CLIP of unknown shape (patch 4, vision 4×1); tic_medium trains ViT-B-32',
    );
    assert.equal(
      forPeople('no data for 2023-02: /d does not exist (expected $TIC_DATACOMP_M_PATH/train/202302/, contracts §4.3)'),
      'no data for 2023-02: /d does not exist (expected $TIC_DATACOMP_M_PATH/train/202302/)',
    );
    assert.equal(forPeople('a sentence (§3.2, §7.9). Use one folder.'), 'a sentence. Use one folder.');
    assert.equal(forPeople('nothing to drop (patch 4)'), 'nothing to drop (patch 4)');
  });

  it('leaves no § in what the planner really says about a missing month', async () => {
    const plan = planResume({
      checkout: '/nonexistent/ml-tic-clip',
      strategy: 'sequential',
      scale: 'tic_medium',
      filtering: 'basic',
      timescale: 'monthly',
      fromMonth: 202212,
      checkpoint: '/nonexistent/2022.pt',
      dataRoot: '/nonexistent/train',
      outputDir: '/nonexistent/results',
      imagenetVal: '/nonexistent/val',
      nprocPerNode: 1,
    });
    const problems = await validateResumePlan(plan);
    assert.ok(
      problems.some((p) => p.message.includes('§')),
      'the planner cites the spec (for the CLI)',
    );
    for (const p of problems) assert.doesNotMatch(forPeople(p.message), /§|contracts/, p.message);
  });
});
