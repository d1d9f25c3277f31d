import assert from 'node:assert/strict';
import {
  dataUrlProblem,
  imageFileProblem,
  imageName,
  maxDataUrlChars,
  maxImageBytes,
} from '../../../webview/probe/imageFiles';

describe('probe image files', () => {
  it('accepts PNG and JPEG files', () => {
    assert.equal(imageFileProblem({ name: 'dog.png', type: 'image/png', size: 1000 }), null);
    assert.equal(imageFileProblem({ name: 'dog.jpg', type: 'image/jpeg', size: maxImageBytes }), null);
  });

  it('refuses other types, naming the file and its type', () => {
    assert.equal(
      imageFileProblem({ name: 'dog.webp', type: 'image/webp', size: 10 }),
      'dog.webp: not a PNG or JPEG image (image/webp).',
    );
    assert.equal(imageFileProblem({ name: 'notes', type: '', size: 10 }), 'notes: not a PNG or JPEG image.');
  });

  it('refuses empty files and files over the limit', () => {
    assert.match(imageFileProblem({ name: 'a.png', type: 'image/png', size: 0 }) ?? '', /empty/);
    assert.match(
      imageFileProblem({ name: 'a.png', type: 'image/png', size: maxImageBytes + 1 }) ?? '',
      /over the limit/,
    );
  });

  it('keeps the size limit within what the protocol accepts once base64-encoded', () => {
    const encoded = 'data:image/jpeg;base64,'.length + Math.ceil(maxImageBytes / 3) * 4;
    assert.ok(encoded <= maxDataUrlChars);
    assert.ok(maxImageBytes <= 20 * 1024 * 1024);
  });

  it('checks a read data URL like the host validator does', () => {
    assert.equal(dataUrlProblem('a.png', 'data:image/png;base64,iVBORw0KGgo='), null);
    assert.match(dataUrlProblem('a.gif', 'data:image/gif;base64,R0lGOD==') ?? '', /could not be read/);
    assert.match(dataUrlProblem('a.png', 'data:image/png;base64,' + 'A'.repeat(maxDataUrlChars)) ?? '', /too large/);
  });

  it('shortens a long file name from the front, keeping the extension', () => {
    const name = imageName(`${'x'.repeat(600)}.jpeg`);
    assert.equal(name.length, 500);
    assert.ok(name.startsWith('…') && name.endsWith('x.jpeg'));
    assert.equal(imageName('  '), 'image');
  });
});
