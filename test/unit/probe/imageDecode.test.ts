import assert from 'node:assert/strict';
import { decodeImage, sniffImageFormat } from '../../../src/probe/imageDecode';
import { compare, expectProbeError, fixtureBytes, isJpeg, preprocessManifest, type DecodeCase } from './probeFixtures';

const manifest = preprocessManifest();

function decodeAndCompare(c: DecodeCase) {
  const image = decodeImage(fixtureBytes(c.image));
  assert.equal(image.width, c.width);
  assert.equal(image.height, c.height);
  assert.equal(image.data.length, c.width * c.height * 3);
  return compare(image.data, fixtureBytes(c.rgb));
}

describe('probe image decoding', function () {
  describe("PNG: the same pixels as Pillow's Image.open(…).convert('RGB')", function () {
    for (const c of manifest.decodeCases.filter((d) => !isJpeg(d.image))) {
      it(`decodes ${c.image} (Pillow mode ${c.pilMode}) identically`, function () {
        assert.deepEqual(decodeAndCompare(c), { max: 0, differing: 0 });
      });
    }

    it('drops the alpha channel without compositing (RGBA, LA, 16-bit RGBA)', function () {
      const modes = manifest.decodeCases.filter((d) => /alpha|rgba/.test(d.image)).map((d) => d.image);
      assert.deepEqual(modes.sort(), ['grey_alpha.png', 'grey_alpha16.png', 'rgba16.png', 'rgba_tall.png']);
      // rgba_tall.png has alpha from 0 to 255; Pillow's RGB keeps the colour even where alpha is 0.
      const image = decodeImage(fixtureBytes('rgba_tall.png'));
      assert.ok(image.data.subarray(0, 30).some((v) => v > 0));
    });

    it("saturates 16-bit greyscale at 255 like Pillow's mode 'I' → RGB conversion", function () {
      const image = decodeImage(fixtureBytes('grey16.png'));
      // The first rows hold 0, 1, 2, … 299: values up to 255 pass, the rest clip.
      assert.deepEqual([...image.data.subarray(0, 9)], [0, 0, 0, 1, 1, 1, 2, 2, 2]);
      assert.equal(image.data[(0 * 30 + 29) * 3], 29);
      assert.equal(image.data[(9 * 30 + 29) * 3], 255);
    });
  });

  describe('JPEG: libjpeg-turbo upsampling and colour conversion over jpeg-js', function () {
    for (const c of manifest.decodeCases.filter((d) => isJpeg(d.image))) {
      it(`decodes ${c.image} within jpeg-js's IDCT rounding of Pillow`, function () {
        const { max, differing } = decodeAndCompare(c);
        // jpeg-js's IDCT (poppler's) differs from libjpeg's jidctint.c by one level on some samples; the colour
        // conversion spreads that over the three channels. Replicated chroma (no fancy upsampling) or float colour
        // conversion would show up as differences of dozens of levels near edges.
        assert.ok(max <= 3, `max difference ${max}`);
        assert.ok(differing / (c.width * c.height * 3) < 0.2, `${differing} samples differ`);
      });
    }

    it('refuses CMYK JPEG files as unsupported', function () {
      expectProbeError(() => decodeImage(fixtureBytes('cmyk.jpg')), 'unsupportedImage', /CMYK/);
    });

    it('refuses arithmetic-coded and lossless JPEG processes', function () {
      const bytes = Uint8Array.from(fixtureBytes('photo444.jpg'));
      const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
      assert.ok(sof > 0);
      bytes[sof + 1] = 0xc9; // SOF9: extended sequential, arithmetic coding
      expectProbeError(() => decodeImage(bytes), 'unsupportedImage', /SOF9/);
      bytes[sof + 1] = 0xc3; // SOF3: lossless
      expectProbeError(() => decodeImage(bytes), 'unsupportedImage', /SOF3/);
    });

    it('refuses 12-bit JPEG samples', function () {
      const bytes = Uint8Array.from(fixtureBytes('photo444.jpg'));
      const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
      bytes[sof + 4] = 12;
      expectProbeError(() => decodeImage(bytes), 'unsupportedImage', /12-bit/);
    });
  });

  describe('broken and foreign files', function () {
    it('says which formats it reads when given something else', function () {
      expectProbeError(() => decodeImage(new TextEncoder().encode('GIF89a……')), 'unsupportedImage', /PNG or JPEG/);
      expectProbeError(() => decodeImage(new Uint8Array(0)), 'unsupportedImage');
    });

    it('reports a truncated PNG as corrupt', function () {
      const png = fixtureBytes('rgb_wide.png');
      expectProbeError(() => decodeImage(png.subarray(0, png.length >> 1)), 'corruptImage', /PNG/);
      expectProbeError(() => decodeImage(png.subarray(0, 20)), 'corruptImage', /IHDR/);
    });

    it('reports a PNG with damaged compressed data as corrupt', function () {
      const png = Uint8Array.from(fixtureBytes('rgb_wide.png'));
      png[100] = (png[100] as number) ^ 0xff;
      expectProbeError(() => decodeImage(png), 'corruptImage');
    });

    it('reports truncated baseline and progressive JPEGs as corrupt', function () {
      for (const name of ['photo420.jpg', 'progressive.jpg']) {
        const jpg = fixtureBytes(name);
        expectProbeError(() => decodeImage(jpg.subarray(0, jpg.length - 200)), 'corruptImage', /JPEG/);
        expectProbeError(() => decodeImage(jpg.subarray(0, 100)), 'corruptImage', /JPEG/);
      }
    });

    it('refuses images over the pixel limit before decoding them', function () {
      for (const name of ['rgb_wide.png', 'photo420.jpg']) {
        expectProbeError(() => decodeImage(fixtureBytes(name), { maxPixels: 1000 }), 'unsupportedImage', /limit/);
      }
    });
  });

  it('sniffs PNG and JPEG by their signatures', function () {
    assert.equal(sniffImageFormat(fixtureBytes('palette.png')), 'png');
    assert.equal(sniffImageFormat(fixtureBytes('grey.jpg')), 'jpeg');
    assert.equal(sniffImageFormat(new Uint8Array([0x89, 0x50])), undefined);
  });
});
