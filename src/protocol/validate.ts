/**
 * Tiny runtime checkers for the host ⇄ webview protocol. Each returns the value typed, or throws a
 * ProtocolError that the receiving side turns into "dropped and logged". Imports nothing outside src/protocol/.
 */
export class ProtocolError extends Error {
  constructor(readonly detail: string) {
    super(`Invalid message: ${detail}`);
  }
}

export function fail(detail: string): never {
  throw new ProtocolError(detail);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, what: string): Record<string, unknown> {
  return isRecord(value) ? value : fail(`${what} is not an object`);
}

export function str(value: unknown, what: string, max = 100_000): string {
  return typeof value === 'string' && value.length <= max ? value : fail(`${what} is not a string (≤ ${max})`);
}

export function num(value: unknown, what: string): number {
  return typeof value === 'number' && !Number.isNaN(value) ? value : fail(`${what} is not a number`);
}

export function bool(value: unknown, what: string): boolean {
  return typeof value === 'boolean' ? value : fail(`${what} is not a boolean`);
}

export function nullable<T>(value: unknown, check: (v: unknown) => T): T | null {
  return value === null ? null : check(value);
}

export function arr<T>(value: unknown, what: string, item: (v: unknown, i: number) => T, max = 1_000_000): T[] {
  if (!Array.isArray(value) || value.length > max) fail(`${what} is not an array (≤ ${max})`);
  return value.map(item);
}

export function oneOf<T extends string>(value: unknown, what: string, options: readonly T[]): T {
  return options.includes(value as T) ? (value as T) : fail(`${what} is not one of ${options.join(', ')}`);
}

export function int(value: unknown, what: string, min: number, max: number): number {
  const n = num(value, what);
  return Number.isInteger(n) && n >= min && n <= max ? n : fail(`${what} is not an integer in [${min}, ${max}]`);
}

/** The id a reply carries back to its request. */
export function requestId(value: unknown): number {
  return int(value, 'requestId', 0, Number.MAX_SAFE_INTEGER);
}

/** No fields besides `keys`: a message with anything more is not the message it claims to be. */
export function exact(message: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(message))
    if (!keys.includes(k)) fail(`unexpected field ${JSON.stringify(k).slice(0, 40)}`);
}

/**
 * One parser per message type, keyed by the `type` tags of the union M. The compiler checks it both ways: a member
 * of M with no entry, or an entry that names no member, does not compile, and each entry must return its own
 * member. So a message type cannot be added to a protocol without its parser.
 */
export type ParserTable<M extends { type: string }> = {
  readonly [K in M['type']]: (message: Record<string, unknown>) => Extract<M, { type: K }>;
};

/**
 * Checks that `raw` is an object and parses it with the table's entry for its `type`. Only the table's own keys
 * are types (`constructor`, `toString` or `__proto__` are not); any other `type` goes to `unknownType`, so each
 * parser keeps its own wording of that error.
 */
export function parseByType<M extends { type: string }>(
  table: ParserTable<M>,
  raw: unknown,
  unknownType: (type: unknown) => never,
): M {
  const m = record(raw, 'message');
  const type = m.type;
  if (typeof type !== 'string' || !Object.hasOwn(table, type)) return unknownType(type);
  // The mapped type cannot be indexed by a plain string; the own-key check above is what makes this safe.
  const parse = (table as unknown as Record<string, (message: Record<string, unknown>) => M>)[type]!;
  return parse(m);
}

/** Runs a parser and returns its value or the ProtocolError (never throws anything else for bad input). */
export function attempt<T>(parse: () => T): T | ProtocolError {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    return new ProtocolError(error instanceof Error ? error.message : String(error));
  }
}
