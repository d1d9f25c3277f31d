import assert from 'node:assert/strict';
import { answer, back, runWizard, type StepPosition, type WizardStep } from '../../../src/vscode/launch/wizardSteps';

/** A step that answers from a script of replies and records where it stood each time it was asked. */
function scripted(
  name: string,
  replies: (string | typeof back | undefined)[],
  seen: string[],
  keep: (v: string) => void,
  when?: () => boolean,
): WizardStep {
  return {
    run: (at: StepPosition) => {
      seen.push(`${name} ${at.step}/${at.totalSteps}${at.canGoBack ? ' back' : ''}`);
      return Promise.resolve(answer(replies.shift(), keep));
    },
    ...(when ? { when } : {}),
  };
}

describe('runWizard (the launch wizard step machine)', () => {
  it('walks the steps in order, numbering them N/M, with Back from the second on', async () => {
    const seen: string[] = [];
    const answers: Record<string, string> = {};
    const done = await runWizard([
      scripted('a', ['1'], seen, (v) => (answers.a = v)),
      scripted('b', ['2'], seen, (v) => (answers.b = v)),
    ]);
    assert.equal(done, true);
    assert.deepEqual(seen, ['a 1/2', 'b 2/2 back']);
    assert.deepEqual(answers, { a: '1', b: '2' });
  });

  it('goes Back to the step asked before, which sees its earlier answer kept', async () => {
    const seen: string[] = [];
    let a = '';
    const keptWhenAsked: string[] = [];
    const done = await runWizard([
      {
        run: (at) => {
          keptWhenAsked.push(a);
          seen.push(`a ${at.step}/${at.totalSteps}`);
          return Promise.resolve(answer(keptWhenAsked.length === 1 ? 'first' : 'second', (v) => (a = v)));
        },
      },
      scripted('b', [back, 'x'], seen, () => undefined),
    ]);
    assert.equal(done, true);
    assert.deepEqual(seen, ['a 1/2', 'b 2/2 back', 'a 1/2', 'b 2/2 back']);
    assert.deepEqual(keptWhenAsked, ['', 'first']);
    assert.equal(a, 'second');
  });

  it('skips a step its `when` rules out, and recounts when an answer changes that', async () => {
    const seen: string[] = [];
    let forks = true;
    const done = await runWizard([
      scripted('strategy', ['sequential'], seen, (v) => (forks = v === 'cumulative')),
      scripted(
        'variant',
        ['v2'],
        seen,
        () => undefined,
        () => forks,
      ),
      scripted('name', ['n'], seen, () => undefined),
    ]);
    assert.equal(done, true);
    assert.deepEqual(seen, ['strategy 1/3', 'name 2/2 back']);
  });

  it('ends with false when a step is cancelled, and asks nothing after it', async () => {
    const seen: string[] = [];
    const done = await runWizard([
      scripted('a', [undefined], seen, () => undefined),
      scripted('b', ['x'], seen, () => undefined),
    ]);
    assert.equal(done, false);
    assert.deepEqual(seen, ['a 1/2']);
  });
});
