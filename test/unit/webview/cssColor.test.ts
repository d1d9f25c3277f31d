import assert from 'node:assert/strict';
import {
  bestTextColor,
  contrastRatio,
  flatten,
  formatColor,
  mixColors,
  parseColor,
} from '../../../webview/shared/cssColor';
import { divergingCellColors, heatCellColors } from '../../../webview/dashboard/heatColors';

const white = { r: 255, g: 255, b: 255, a: 1 };
const black = { r: 0, g: 0, b: 0, a: 1 };

describe('css colours', () => {
  it('reads the hex and rgb forms a browser gives back', () => {
    assert.deepEqual(parseColor('#3794ff'), { r: 0x37, g: 0x94, b: 0xff, a: 1 });
    assert.deepEqual(parseColor('#fff'), white);
    assert.deepEqual(parseColor('#00000080'), { r: 0, g: 0, b: 0, a: 128 / 255 });
    assert.deepEqual(parseColor('rgb(1, 2, 3)'), { r: 1, g: 2, b: 3, a: 1 });
    assert.deepEqual(parseColor('rgba(1, 2, 3, 0.5)'), { r: 1, g: 2, b: 3, a: 0.5 });
    assert.deepEqual(parseColor('rgb(1 2 3 / 50%)'), { r: 1, g: 2, b: 3, a: 0.5 });
    assert.equal(parseColor('color-mix(in srgb, red, blue)'), null);
    assert.equal(parseColor('#12345'), null);
    assert.equal(parseColor(''), null);
  });

  it('mixes like color-mix in srgb and flattens alpha over a background', () => {
    assert.deepEqual(mixColors(white, black, 0.5), { r: 127.5, g: 127.5, b: 127.5, a: 1 });
    assert.deepEqual(flatten({ r: 255, g: 0, b: 0, a: 0.5 }, white), { r: 255, g: 127.5, b: 127.5, a: 1 });
    assert.equal(formatColor({ r: 127.5, g: 0, b: 0, a: 1 }), 'rgb(128, 0, 0)');
    assert.equal(formatColor({ r: 0, g: 0, b: 0, a: 0.25 }), 'rgba(0, 0, 0, 0.25)');
  });

  it('computes WCAG contrast and picks the more readable text colour', () => {
    assert.ok(Math.abs(contrastRatio(white, black) - 21) < 1e-9);
    assert.deepEqual(bestTextColor({ r: 20, g: 40, b: 200, a: 1 }, [black, white]), white);
    assert.deepEqual(bestTextColor({ r: 200, g: 230, b: 255, a: 1 }, [white, black]), black);
  });
});

describe('heatmap colour scale', () => {
  const theme = {
    accent: { r: 55, g: 148, b: 255, a: 1 },
    background: black,
    foreground: { r: 204, g: 204, b: 204, a: 1 },
  };

  it('grows the accent share with the value', () => {
    const low = parseColor(heatCellColors(0.1, { min: 0.1, max: 0.5 }, theme).background)!;
    const high = parseColor(heatCellColors(0.5, { min: 0.1, max: 0.5 }, theme).background)!;
    assert.ok(high.b > low.b);
    assert.ok(low.b > 0, 'the lowest value still gets some colour');
  });

  it('keeps the text readable on light and dark themes', () => {
    for (const background of [black, white])
      for (const v of [0, 0.5, 1]) {
        const c = heatCellColors(
          v,
          { min: 0, max: 1 },
          { ...theme, background, foreground: background === black ? white : black },
        );
        assert.ok(contrastRatio(parseColor(c.background)!, parseColor(c.text)!) >= 3, `${v} on ${c.background}`);
      }
  });

  it('colours differences green for gains, red for losses, none for zero', () => {
    const d = {
      positive: { r: 0, g: 200, b: 0, a: 1 },
      negative: { r: 200, g: 0, b: 0, a: 1 },
      background: black,
      foreground: white,
    };
    const gain = parseColor(divergingCellColors(0.02, 0.04, d).background)!;
    const loss = parseColor(divergingCellColors(-0.04, 0.04, d).background)!;
    assert.ok(gain.g > 0 && gain.r === 0);
    assert.ok(loss.r > gain.g && loss.g === 0);
    assert.equal(divergingCellColors(0, 0.04, d).background, 'rgb(0, 0, 0)');
  });
});
