import type { TrainStepEvent } from '../../formats/logEvents';
import { LogParser } from '../../formats/logParser';

/** What the Runs view shows of a training run while it writes its log: the last step, parsed as it streams. */
export class LiveRunStats {
  private readonly parser: LogParser;
  lastStep: TrainStepEvent | null = null;
  evals = 0;
  /** The epochs the run trains, from the parameters it logs first (`epochs: 5`); null until then. */
  epochs: number | null = null;

  constructor(private readonly onChange: () => void) {
    this.parser = new LogParser((event) => {
      if (event.type === 'trainStep') {
        this.lastStep = event;
        this.onChange();
      } else if (event.type === 'params') {
        const epochs = Number(event.params.values.epochs);
        if (Number.isInteger(epochs) && epochs > 0) this.epochs = epochs;
      } else if (event.type === 'evalMetrics') {
        this.evals++;
        this.onChange();
      }
    });
  }

  write(text: string): void {
    this.parser.write(text);
  }

  get loss(): number | null {
    return this.lastStep?.losses.loss?.value ?? null;
  }
}
