import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextAtomic } from '../shared/atomicWrite';
import { readUntrustedText, UntrustedFileError } from '../shared/untrustedFile';

/**
 * The names people give variants, kept in the workspace at `.tic-studio/variants.json` (contracts §1.8):
 * `{"version": 1, "names": {"<chain key>": "<name>"}}`. It is the workspace's file, so it is read as a claim:
 * at most 64 KiB, only string names of up to 80 printable characters are taken, anything else is skipped.
 */
export const variantNamesPath = (root: string): string => join(root, '.tic-studio', 'variants.json');

const maxBytes = 64 * 1024;
export const maxVariantNameLength = 80;

export interface VariantNamesRead {
  readonly names: ReadonlyMap<string, string>;
  /** Why the file (or some entries) could not be used; null when it was fine or absent. */
  readonly problem: string | null;
}

export async function readVariantNames(root: string): Promise<VariantNamesRead> {
  const path = variantNamesPath(root);
  let text: string;
  try {
    text = await readUntrustedText(path, maxBytes, { what: 'a variant names file' });
  } catch (error) {
    if (UntrustedFileError.is(error) && error.reason === 'notFound') return { names: new Map(), problem: null };
    return { names: new Map(), problem: `${path} could not be read: ${(error as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { names: new Map(), problem: `${path} is not JSON; variant names fall back to the derived ones.` };
  }
  const names = new Map<string, string>();
  const raw = typeof parsed === 'object' && parsed !== null ? (parsed as { names?: unknown }).names : undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { names, problem: `${path} has no "names" object; variant names fall back to the derived ones.` };
  }
  let skipped = 0;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value === 'string' && validVariantName(value) === null && key.length <= 500) names.set(key, value);
    else skipped++;
  }
  return {
    names,
    problem: skipped === 0 ? null : `${path}: ${skipped} entr${skipped === 1 ? 'y is' : 'ies are'} not a usable name.`,
  };
}

/** Null when `name` is usable, else why not (for an input box). */
export function validVariantName(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'A name is needed.';
  if (trimmed.length > maxVariantNameLength) return `At most ${maxVariantNameLength} characters.`;
  // Control and format characters (bidi overrides…) would make a label lie about itself.
  if (/[\p{Cc}\p{Cf}]/u.test(trimmed)) return 'Only printable characters.';
  return null;
}

/** Sets (or with null removes) the name of one chain, keeping the others; creates `.tic-studio/` when needed. */
export async function writeVariantName(root: string, chainKey: string, name: string | null): Promise<void> {
  const current = await readVariantNames(root);
  const names: Record<string, string> = Object.fromEntries(current.names);
  if (name === null) delete names[chainKey];
  else {
    const problem = validVariantName(name);
    if (problem !== null) throw new Error(problem);
    names[chainKey] = name.trim();
  }
  await mkdir(join(root, '.tic-studio'), { recursive: true });
  // 0644: a workspace file others may read (and keep in git), unlike run records.
  await writeTextAtomic(variantNamesPath(root), `${JSON.stringify({ version: 1, names }, null, 2)}\n`, 0o644);
}
