import * as vscode from 'vscode';
import type { RunRecord } from '../../runs/model/runRecord';
import type { SlurmScheduler } from '../../runs/slurm/slurmScheduler';
import type { Logger } from '../common/logger';

const scheme = 'tic-studio-resubmit';

/**
 * Auto-resume submits a run's script again only when it is the one TiC Studio wrote, for a job this user submitted
 * (SlurmAutoResume.scriptToResubmit). Otherwise the run ends and the user is asked here: the script is shown as it
 * is now (read-only), and "Submit Anyway" submits exactly the bytes shown, never a file read again afterwards.
 */
export class SlurmResubmitPrompt implements vscode.Disposable {
  private readonly scripts = new Map<string, string>();
  private readonly provider: vscode.Disposable;
  private readonly asking = new Set<string>();

  constructor(
    private readonly slurm: SlurmScheduler,
    private readonly log: Logger,
    private readonly onRun: (record: RunRecord) => void,
  ) {
    this.provider = vscode.workspace.registerTextDocumentContentProvider(scheme, {
      provideTextDocumentContent: (uri) => this.scripts.get(uri.path) ?? '',
    });
  }

  /** Whether a final record is one auto-resume held back for the user to decide on. */
  static wantsAnswer(record: RunRecord): boolean {
    const held = record.slurm?.notResubmitted;
    return record.status === 'failed' && (held === 'scriptChanged' || held === 'notOurs');
  }

  async ask(record: RunRecord): Promise<void> {
    if (this.asking.has(record.id)) return;
    this.asking.add(record.id);
    try {
      await this.askOnce(record);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`Submitting the script of ${record.id} again failed: ${message}`);
      void vscode.window.showErrorMessage(`${record.label} was not submitted again: ${message}`);
    } finally {
      this.asking.delete(record.id);
    }
  }

  private async askOnce(record: RunRecord): Promise<void> {
    const slurm = record.slurm!;
    const why =
      slurm.notResubmitted === 'scriptChanged'
        ? 'its job script changed after TiC Studio submitted it'
        : 'TiC Studio has no note that you submitted its job from this workspace on this machine';
    const first = await vscode.window.showWarningMessage(
      `${record.label}: Slurm job ${slurm.jobId ?? '?'} ended ${slurm.state ?? ''} and was not submitted again, because ${why}.`,
      'Show Script',
      'Submit Anyway',
    );
    if (first === undefined) return;
    const current = await this.slurm.currentScript(record.id);
    if ('problem' in current) {
      void vscode.window.showErrorMessage(`The job script of ${record.label} cannot be shown: ${current.detail}`);
      return;
    }
    // Whichever the answer, the script is shown before anything is submitted, and what is submitted is what is shown.
    const path = `/${record.id}-${current.sha256.slice(0, 12)}.sbatch`;
    this.scripts.set(path, current.content.toString('utf8'));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme, path }));
    await vscode.languages.setTextDocumentLanguage(doc, 'shellscript').then(undefined, () => undefined);
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    const answer = await vscode.window.showWarningMessage(
      `Submit the job script of ${record.label} as it is now?`,
      {
        modal: true,
        detail: `It is open beside, exactly as it would be submitted (sha256 ${current.sha256}). Submit it only if you know who changed it and why; auto-resume then accepts this script, and no other, for the run.`,
      },
      'Submit Anyway',
    );
    if (answer !== 'Submit Anyway') return;
    const next = await this.slurm.resubmitShown(record.id, current.content);
    this.log.info(`Submitted ${record.id} again as Slurm job ${next.slurm?.jobId} after the script was reviewed.`);
    this.onRun(next);
  }

  dispose(): void {
    this.provider.dispose();
    this.scripts.clear();
  }
}
