/**
 * A `Train Epoch` line as OpenCLIP writes it (contracts §2.1, §2.2): samples right-aligned to the width of the
 * epoch size, percent without decimals, LR with 6 decimals, losses with 5 significant digits (`nan` for NaN).
 */
export function trainLine(timestamp: string, epoch: number, seen: number, perEpoch: number, loss: number): string {
  const width = Math.ceil(Math.log10(perEpoch + 1));
  const percent = Math.round((100 * seen) / perEpoch);
  const l = Number.isNaN(loss) ? 'nan' : loss.toPrecision(5);
  return (
    `${timestamp} | INFO | Train Epoch: ${epoch} [${String(seen).padStart(width)}/${perEpoch} (${percent}%)] ` +
    `Data (t): 0.047 Batch (t): 0.625, 6453.21/s, 806.651/s/gpu LR: 0.000500 Logit Scale: 38.171 ` +
    `Contrastive_loss: ${l} (${l}) Loss: ${l} (${l})`
  );
}
