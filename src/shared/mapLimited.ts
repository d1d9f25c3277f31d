import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * `Promise.all(items.map(work))` with at most `limit` items in flight, yielding to the event loop between items.
 * Hundreds of file reads started at once finish together, and their parsing then runs back to back as one long
 * task that stalls the extension host (a scan of 700 experiments blocked it for half a second); a few at a time,
 * with a turn of the loop between them, keep every task short and the memory bounded. Results keep `items`' order.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
      await nextTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
