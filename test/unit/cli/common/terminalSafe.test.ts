import assert from 'node:assert/strict';
import { terminalSafe } from '../../../../src/cli/common/terminalSafe';

describe('terminalSafe (text from files made safe to print on a terminal)', () => {
  it('returns plain text unchanged, newlines, tabs, backslashes and non-Latin text included', () => {
    for (const s of ['', 'ViT-B-32 run', 'a\tb\nc', 'C:\\runs\\x', 'naïve 年 ✓ 😀', 'שלום']) {
      assert.equal(terminalSafe(s), s);
    }
  });

  it('escapes terminal title, screen-clear and carriage-return sequences visibly', () => {
    assert.equal(terminalSafe('\x1b]0;pwned\x07'), '\\x1b]0;pwned\\x07');
    assert.equal(terminalSafe('ok\x1b[2J'), 'ok\\x1b[2J');
    assert.equal(terminalSafe('done\rfake'), 'done\\x0dfake');
  });

  it('escapes every C0 control but newline and tab, DEL, and every C1 control', () => {
    for (let code = 0; code < 0xa0; code++) {
      const c = String.fromCharCode(code);
      const kept = code === 0x0a || code === 0x09 || (code >= 0x20 && code < 0x7f);
      const out = terminalSafe(c);
      if (kept) {
        assert.equal(out, c);
        continue;
      }
      assert.match(
        out,
        /^\\(x[01][0-9a-f]|u00(7f|[89][0-9a-f]))$/,
        `U+${code.toString(16)} came out as ${JSON.stringify(out)}`,
      );
      assert.equal(out.length > 1, true);
    }
    assert.equal(terminalSafe('\x7f'), '\\u007f');
    assert.equal(terminalSafe('\u009b2J'), '\\u009b2J');
    assert.equal(terminalSafe('\u0085'), '\\u0085');
  });

  it('escapes bidi embeddings, overrides and isolates', () => {
    assert.equal(terminalSafe('report\u202Etxt.exe'), 'report\\u202etxt.exe');
    for (const code of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      assert.equal(terminalSafe(String.fromCharCode(code)), `\\u${code.toString(16)}`);
    }
    assert.equal(terminalSafe('\u2065\u206a\u2029'), '\u2065\u206a\u2029');
  });

  it('leaves no control character in its output for any input', () => {
    let all = '';
    for (let code = 0; code < 0x2100; code++) all += String.fromCharCode(code);
    // eslint-disable-next-line no-control-regex -- the test looks for control characters
    assert.doesNotMatch(terminalSafe(all), /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('keeps JSON valid and its values unchanged when JSON output goes through it', () => {
    let all = '';
    for (let code = 0; code < 0x2100; code++) all += String.fromCharCode(code);
    const value = { label: `\x1b]0;pwned\x07\x1b[2J\rok\u009b\u202e\x7f\\x1b`, all, list: [all, 1, null] };
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2)]) {
      const safe = terminalSafe(text);
      assert.deepEqual(JSON.parse(safe), value);
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      assert.doesNotMatch(safe, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
  });
});
