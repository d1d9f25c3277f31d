/**
 * A sentence of the planner or the checks (shared with the `tic-studio` CLI, where the spec references help) as the
 * window shows it: without the `(contracts §1.4)` pointers into docs/contracts.md, which mean nothing in a dialog.
 */
export function forPeople(text: string): string {
  return text
    .replace(/\s*\(contracts §[^()]*\)/g, '')
    .replace(/,\s*contracts §[\d.,\s§]*(?=\))/g, '')
    .replace(/\s*\(§[\d.,\s§]*\)/g, '');
}
