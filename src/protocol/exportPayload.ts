/**
 * The bytes of a dashboard export (CSV text, SVG text, or a PNG data URL drawn by the webview's canvas), checked
 * before anything is written: a PNG must be a base64 data URL of a real PNG, an SVG must be an SVG document.
 * Imports nothing outside src/protocol/.
 */
import { ProtocolError } from './validate';

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function exportBytes(format: 'csv' | 'svg' | 'png', data: string): Uint8Array | ProtocolError {
  if (format === 'png') {
    const prefix = 'data:image/png;base64,';
    if (!data.startsWith(prefix)) return new ProtocolError('the PNG is not a base64 data URL');
    const base64 = data.slice(prefix.length);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return new ProtocolError('the PNG data URL is not base64');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    if (bytes.length < pngSignature.length || pngSignature.some((b, i) => bytes[i] !== b))
      return new ProtocolError('the data is not a PNG image');
    return bytes;
  }
  if (format === 'svg' && !/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(data))
    return new ProtocolError('the data is not an SVG document');
  return new TextEncoder().encode(data);
}
