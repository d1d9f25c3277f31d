import type { StepNodeWire } from '../../src/protocol/dashboardMessages';

/** A timeline node as the host sends it: a finished 2017 step with a local checkpoint, then `over`. */
export function stepNodeWire(over: Partial<StepNodeWire> = {}): StepNodeWire {
  return {
    year: 2017,
    experiment: '/r/x',
    expName: 'x',
    shared: false,
    inherited: false,
    published: false,
    checkpoint: 'local',
    run: 'finished',
    progress: null,
    evaluation: 'done',
    detail: '',
    ...over,
  };
}
