/**
 * A suggested file name the host accepts (dashboardMessages.ts: letters, digits, `_ . @ -` and spaces; no dot
 * first; at most 200 characters): other characters become `_`, so `tic_medium/basic/cumulative` becomes
 * `tic_medium_basic_cumulative`.
 */
export function exportFileName(parts: readonly string[], extension: string): string {
  const ext = `.${extension.replace(/[^\w]/g, '')}`;
  let stem = parts
    .filter((p) => p.length > 0)
    .join('-')
    // `tic_medium/basic/cumulative · lr1e4` → `tic_medium_basic_cumulative_lr1e4`: no spaces around the `_`.
    .replace(/\s*[^\w.@ -]+\s*/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[. ]+/, '')
    .trim();
  if (!stem) stem = 'export';
  return stem.slice(0, 200 - ext.length) + ext;
}
