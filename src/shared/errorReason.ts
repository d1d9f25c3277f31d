/**
 * The `is(value, reason)` every error class of TiC Studio offers (ARCHITECTURE.md rule 4: errors carry a reason):
 * by name and a known reason, not only `instanceof`, because a value can cross a bundle boundary (the extension and
 * the CLI each bundle their own copy of a class) and still be the same error.
 */
export function isErrorWithReason<R extends string>(
  value: unknown,
  name: string,
  reasons: readonly R[],
  reason?: R,
): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; reason?: unknown };
  return (
    candidate.name === name &&
    typeof candidate.reason === 'string' &&
    (reasons as readonly string[]).includes(candidate.reason) &&
    (reason === undefined || candidate.reason === reason)
  );
}
