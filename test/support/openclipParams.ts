import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseParamsText } from '../../src/formats/paramsText';

const sample = readFileSync(join(__dirname, '../fixtures/openclip/params.sample.txt'), 'utf8');

/** params.txt as OpenCLIP writes it (contracts §1.5): the real 97-key sample, sorted, with some values replaced. */
export function paramsText(overrides: Record<string, string>): string {
  const values = { ...parseParamsText(sample).values, ...overrides };
  return Object.keys(values)
    .sort()
    .map((k) => `${k}: ${values[k]}\n`)
    .join('');
}
