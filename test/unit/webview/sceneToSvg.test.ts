import assert from 'node:assert/strict';
import { polylineRuns, type Scene } from '../../../webview/shared/chartScene';
import { escapeXml, sceneToSvg } from '../../../webview/shared/sceneToSvg';

function scene(items: Scene['items'], title = 'chart'): Scene {
  return {
    width: 200,
    height: 100,
    background: '#000',
    fontFamily: 'sans-serif',
    plot: { x: 10, y: 10, w: 180, h: 80 },
    title,
    items,
  };
}

describe('SVG export', () => {
  it('escapes markup in text and attributes', () => {
    assert.equal(escapeXml(`<img src=x onerror="a">&'`), '&#60;img src=x onerror=&#34;a&#34;&#62;&#38;&#39;');
    const svg = sceneToSvg(
      scene(
        [
          {
            kind: 'text',
            x: 1,
            y: 2,
            text: '<img src=x onerror=alert(1)>',
            fill: '#fff',
            anchor: 'start',
            baseline: 'top',
            size: 10,
          },
        ],
        '</title><script>alert(1)</script>',
      ),
    );
    assert.ok(!svg.includes('<img'));
    assert.ok(!svg.includes('<script'));
    assert.ok(svg.includes('&#60;img src=x onerror=alert(1)&#62;'));
  });

  it('drops control characters XML cannot hold', () => {
    const svg = sceneToSvg(
      scene([
        { kind: 'text', x: 0, y: 0, text: 'a\u0000b\u0007c', fill: '#fff', anchor: 'start', baseline: 'top', size: 10 },
      ]),
    );
    assert.ok(svg.includes('>abc</text>'));
  });

  it('writes a polyline as one path, breaking at NaN', () => {
    const svg = sceneToSvg(
      scene([
        { kind: 'polyline', points: [0, 0, 10, 10, NaN, NaN, 20, 5, 30, 5], stroke: '#f00', width: 2, clip: true },
      ]),
    );
    assert.match(svg, /<path d="M0 0L10 10M20 5L30 5"/);
    assert.match(svg, /<g clip-path="url\(#plot\)">\n<path/);
  });

  it('keeps item order and groups only clipped runs', () => {
    const svg = sceneToSvg(
      scene([
        { kind: 'line', x1: 0, y1: 0, x2: 1, y2: 1, stroke: '#111', width: 1 },
        { kind: 'polyline', points: [0, 0, 1, 1], stroke: '#222', width: 1, clip: true },
        { kind: 'rect', x: 0, y: 0, w: 5, h: 5, fill: '#333', alpha: 0.5, dash: [2, 2], stroke: '#444' },
      ]),
    );
    const order = ['stroke="#111"', 'clip-path', 'stroke="#222"', '</g>', 'fill="#333"'].map((s) => svg.indexOf(s));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    assert.ok(svg.includes('opacity="0.5"'));
    assert.ok(svg.includes('stroke-dasharray="2 2"'));
  });

  it('splits polylines into runs of finite points', () => {
    assert.deepEqual(polylineRuns([0, 0, NaN, 1, 2, 2, 3, 3]), [
      [0, 0],
      [2, 2, 3, 3],
    ]);
    assert.deepEqual(polylineRuns([]), []);
  });
});
