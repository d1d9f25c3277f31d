import assert from 'node:assert/strict';
import { html5Entities, htmlUnescape } from '../../../src/probe/htmlEntities';
import {
  fixC1Controls,
  fixCharacterWidth,
  fixLatinLigatures,
  fixLineBreaks,
  fixSurrogates,
  fixText,
  removeControlChars,
  removeTerminalEscapes,
  unescapeHtml,
  uncurlQuotes,
} from '../../../src/probe/textRepair';

// Expected values are what CPython 3.11's html.unescape and ftfy 6.3.1 return for the same inputs.

describe('htmlUnescape (Python html.unescape)', () => {
  const cases: [string, string][] = [
    ['&amp;', '&'],
    ['&amp', '&'],
    ['&AMP', '&'],
    ['&Amp;', '&Amp;'],
    ['&ampx', '&x'],
    ['&notin;', '\u2209'],
    ['&notin', '\u00acin'],
    ['&noti;', '\u00aci;'],
    ['&frac34x', '\u00bex'],
    ['&fjlig;', 'fj'],
    ['&ThickSpace;', '\u205f\u200a'],
    ['&unknown;', '&unknown;'],
    ['&', '&'],
    ['&;', '&;'],
    ['&#;', '&#;'],
    ['a & b', 'a & b'],
    ['&#65', 'A'],
    ['&#x41;x', 'Ax'],
    ['&#X41', 'A'],
    ['&#x1F600;', '\u{1f600}'],
  ];
  for (const [input, expected] of cases) {
    it(`decodes ${JSON.stringify(input)} as Python does`, () => {
      assert.equal(htmlUnescape(input), expected);
    });
  }

  it('remaps numeric references the way HTML does: Windows-1252, U+FFFD, or nothing', () => {
    assert.equal(htmlUnescape('&#128;'), '\u20ac');
    assert.equal(htmlUnescape('&#x81;'), '\x81');
    assert.equal(htmlUnescape('&#0;'), '\ufffd');
    assert.equal(htmlUnescape('&#13;'), '\r');
    assert.equal(htmlUnescape('&#11;'), '');
    assert.equal(htmlUnescape('&#xd800;'), '\ufffd');
    assert.equal(htmlUnescape('&#x110000;'), '\ufffd');
    assert.equal(htmlUnescape('&#99999999999999999999;'), '\ufffd');
    assert.equal(htmlUnescape('&#xfdd0;'), '');
    assert.equal(htmlUnescape('&#x1fffe;'), '');
  });

  it('knows the whole HTML5 list: 2,231 names, 106 of them also without a semicolon', () => {
    const table = html5Entities();
    assert.equal(table.size, 2231);
    assert.equal([...table.keys()].filter((name) => !name.endsWith(';')).length, 106);
    assert.equal(table.get('nbsp'), '\u00a0');
    assert.equal(table.get('NotNestedGreaterGreater;'), '\u2aa2\u0338');
  });
});

describe('ftfy text repairs', () => {
  it('unescapes only references that end with a semicolon, and the all-caps spellings of lower-case names', () => {
    assert.equal(unescapeHtml('&lt;tag&gt;'), '<tag>');
    assert.equal(unescapeHtml('P&EACUTE;REZ'), 'P\u00c9REZ');
    assert.equal(unescapeHtml('BUNDESSTRA&SZLIG;E'), 'BUNDESSTRASSE');
    assert.equal(unescapeHtml('&ntilde; &Ntilde; &NTILDE; &nTILDE;'), '\u00f1 \u00d1 \u00d1 &nTILDE;');
    assert.equal(unescapeHtml('&NBSP;'), '\u00a0');
    assert.equal(unescapeHtml('AT&amp T'), 'AT&amp T');
    assert.equal(unescapeHtml('&#8217;'), '\u2019');
    assert.equal(unescapeHtml('&#65abc;'), '&#65abc;');
    // Python decodes "&#59;" to ";", which ftfy reads as a reference it only partly understood.
    assert.equal(unescapeHtml('&#59;'), '&#59;');
  });

  it('turns curly quotes and the modifier apostrophe into straight quotes', () => {
    assert.equal(uncurlQuotes('\u201csmart quotes\u201d'), '"smart quotes"');
    assert.equal(uncurlQuotes('\u2018single\u2019 \u02bc \u201alow\u201b \u201e\u201f'), "'single' ' 'low' \"\"");
  });

  it('narrows full-width forms and widens half-width ones', () => {
    assert.equal(fixCharacterWidth('\uff26\uff35\uff2c\uff2c\u3000\uff37\uff29\uff24\uff34\uff28'), 'FULL WIDTH');
    assert.equal(fixText('\uff76\uff9e\uff77\uff9e'), '\u30ac\u30ae'); // ｶﾞ → カ + combining mark → ガ after NFC
  });

  it('splits Latin ligatures and legacy digraphs', () => {
    assert.equal(fixLatinLigatures('\ufb01ne \ufb02ow \ufb03 \u0133 \u01c6'), 'fine flow ffi ij d\u017e');
    assert.equal(fixText('\u0149'), "'n");
  });

  it('reads C1 controls as Windows-1252, keeping the five bytes it leaves undefined', () => {
    assert.equal(fixC1Controls('\x80\x81\x91\x92\x93\x94\x9d'), '\u20ac\x81\u2018\u2019\u201c\u201d\x9d');
    assert.equal(fixText('\x80\x81\x91\x92\x93\x94\x9d'), '\u20ac\x81\'\'""\x9d');
  });

  it('unifies line breaks', () => {
    assert.equal(fixLineBreaks('a\r\nb\rc\u2028d\u2029e'), 'a\nb\nc\nd\ne');
    assert.equal(fixText('e\x85f'), 'e\u2026f'); // NEXT LINE is a C1 control first: an ellipsis in Windows-1252
  });

  it('removes terminal escapes and control characters but keeps tab, newline, form feed', () => {
    assert.equal(removeTerminalEscapes('\x1b[36;44mblue\x1b[0m'), 'blue');
    assert.equal(removeTerminalEscapes('\x1b[\u0661mx'), 'x'); // Python's \d is any decimal digit
    assert.equal(
      removeControlChars('a\x00b\x07c\x0bd\x0ce\x1ff\x7fg\ufeffh\u206ai\ufffaj\t\n\r'),
      'abcd\x0cefghij\t\n\r',
    );
  });

  it('replaces lone surrogates and keeps pairs', () => {
    assert.equal(fixSurrogates('x\ud800y\udc00z\u{1f600}'), 'x\ufffdy\ufffdz\u{1f600}');
  });

  it('normalizes to NFC', () => {
    assert.equal(fixText('e\u0301'), '\u00e9');
  });

  it('repeats the fixes until nothing changes, so nested escapes unfold completely', () => {
    assert.equal(fixText('&amp;amp;lt;'), '<');
  });

  it('stops unescaping from the first line that holds a literal "<" on, line by line', () => {
    assert.equal(fixText('&lt; then\n<b> &amp;\nthen &amp;'), '< then\n<b> &amp;\nthen &amp;');
    assert.equal(fixText('a &lt; b\n&lt;tag> &amp;\nthen &amp;'), 'a < b\n<tag> &\nthen &');
  });

  it('leaves clean text alone', () => {
    const clean = "A photo of Zürich, 東京 and Москва: it's 3.14 \u{1f680}\u2764\ufe0f";
    assert.equal(fixText(clean), clean);
  });
});
