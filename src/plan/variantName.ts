import { PlanError } from './planError';

/**
 * A variant name as it goes into experiment names: `datacomp_medium-basic_cumulative_{variant}_2017`. The rest of
 * TiC Studio reads those names back (experimentIdentity.ts splits them at `_` and `-`, takes the last 4-digit
 * token as the year and looks for strategy, filtering and scale words), so a variant must not hold `_`, a 4-digit
 * token, or one of those words: it would move the step to another year, strategy or scale.
 */
const reservedWords = new Set([
  'cumulative',
  'sequential',
  'seq',
  'oracle',
  'restart',
  'basic',
  'bestpool',
  'debug',
  'small',
  'medium',
  'large',
  'xlarge',
]);

/** Why `variant` cannot be a variant name, for people (an input box's validation); null when it can. */
export function variantNameProblem(variant: string): string | null {
  if (variant === '') return 'A variant needs a name.';
  if (variant.length > 40) return 'At most 40 characters: the name goes into every experiment folder name.';
  if (!/^[A-Za-z0-9.+-]+$/.test(variant))
    return 'Only letters, digits, dots, plus and minus signs (no spaces or underscores): the experiment name is split at underscores.';
  const tokens = variant
    .toLowerCase()
    .split('-')
    .filter((t) => t !== '');
  if (tokens.length === 0) return 'A variant needs a letter or a digit.';
  const year = tokens.find((t) => /^\d{4}$/.test(t));
  if (year !== undefined)
    return `'${year}' would be read as the step's year: join it to letters (v${year}) or choose another number.`;
  const word = tokens.find((t) => reservedWords.has(t));
  if (word !== undefined)
    return `'${word}' would be read as the strategy, filtering or scale of the experiment: choose another word.`;
  if (tokens.some((t) => /^run\d*$/.test(t)))
    return `'run…' marks another attempt at the same step: choose another word.`;
  return null;
}

/** Throws a PlanError when `variant` is not a valid variant name. */
export function checkVariantName(variant: string): void {
  const problem = variantNameProblem(variant);
  if (problem !== null) throw new PlanError('invalidOption', `variant '${variant}': ${problem}`);
}

/**
 * The slug of a variant's display name (the user's rename, an exp-name suffix) for experiment names: `lr 1e-4` →
 * `lr-1e-4`, `lr_1e4` → `lr-1e4`. Null when nothing valid is left.
 */
export function variantSlug(name: string): string | null {
  const slug = name
    .trim()
    .replace(/[^A-Za-z0-9.+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return variantNameProblem(slug) === null ? slug : null;
}

/** The first of v2, v3, … that is not in `taken` (case-insensitive). */
export function freeVariantName(taken: Iterable<string>): string {
  const used = new Set([...taken].map((t) => t.toLowerCase()));
  for (let i = 2; ; i++) if (!used.has(`v${i}`)) return `v${i}`;
}
