import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProbeError, type ProbeErrorReason } from '../../../src/probe/probeError';

/**
 * Test helper: the fixtures of test/fixtures/probe, written by make_preprocess_reference.py (Pillow 9.4) and
 * make_tiny_clip.py (torch 1.13).
 */
export const probeFixtureDir = join(__dirname, '..', '..', 'fixtures', 'probe');
export const preprocessDir = join(probeFixtureDir, 'preprocess');
export const tinyClipDir = join(probeFixtureDir, 'tiny-clip');

export interface DecodeCase {
  readonly image: string;
  readonly pilMode: string;
  readonly width: number;
  readonly height: number;
  readonly rgb: string;
}

export interface PreprocessCase {
  readonly name: string;
  readonly image: string;
  readonly imageSize: number;
  readonly mean: number[];
  readonly std: number[];
  readonly resized: [number, number];
  readonly cropLeftTop: [number, number];
  readonly u8: string;
  readonly f32?: string;
}

export interface ResizeCase {
  readonly image: string;
  readonly width: number;
  readonly height: number;
  readonly u8: string;
}

export interface PreprocessManifest {
  readonly decodeCases: DecodeCase[];
  readonly cases: PreprocessCase[];
  readonly resizeCases: ResizeCase[];
}

export function preprocessManifest(): PreprocessManifest {
  return JSON.parse(readFileSync(join(preprocessDir, 'manifest.json'), 'utf8')) as PreprocessManifest;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(preprocessDir, name)));
}

export function fixtureFloats(name: string): Float32Array {
  const bytes = readFileSync(join(preprocessDir, name));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function isJpeg(name: string): boolean {
  return name.endsWith('.jpg');
}

/** Largest |a[i] - b[i]| and how many entries differ at all. */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; differing: number } {
  assert.equal(a.length, b.length, 'lengths differ');
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > 0) differing++;
    if (d > max) max = d;
  }
  return { max, differing };
}

export function expectProbeError(action: () => unknown, reason: ProbeErrorReason, message?: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(ProbeError.is(error, reason), `expected ProbeError(${reason}), got ${String(error)}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

export async function expectProbeRejection(
  action: () => Promise<unknown>,
  reason: ProbeErrorReason,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(ProbeError.is(error, reason), `expected ProbeError(${reason}), got ${String(error)}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}
