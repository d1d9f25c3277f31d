import assert from 'node:assert/strict';
import { buildCsv, csvField } from '../../../src/shared/csv';

describe('CSV export', () => {
  it('writes a header, CRLF records and empty fields for null', () => {
    assert.equal(
      buildCsv(
        ['step', '2014', '2015'],
        [
          [2016, 0.5, null],
          [2017, null, 0.25],
        ],
      ),
      'step,2014,2015\r\n2016,0.5,\r\n2017,,0.25\r\n',
    );
  });

  it('quotes fields with commas, quotes or line breaks and doubles inner quotes (RFC 4180)', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
    assert.equal(csvField('plain'), 'plain');
  });

  it('keeps numbers exact and writes non-finite ones as empty', () => {
    assert.equal(csvField(0.1 + 0.2), '0.30000000000000004');
    assert.equal(csvField(-0.5), '-0.5');
    assert.equal(csvField(NaN), '');
    assert.equal(csvField(Infinity), '');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvField('+cmd'), "'+cmd");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('-1'), "'-1");
  });
});
