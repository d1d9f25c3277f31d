import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  paramBool,
  paramFloat,
  paramInt,
  paramIsNone,
  paramString,
  parseParamsText,
  parsePythonFloat,
} from '../../../src/formats/paramsText';

const fixtures = join(__dirname, '../../fixtures/openclip');

describe('params.txt (contracts §1.5)', () => {
  const params = parseParamsText(readFileSync(join(fixtures, 'params.sample.txt'), 'utf8'));

  it('reads all 97 keys of the real file, values verbatim', () => {
    assert.equal(Object.keys(params.values).length, 97);
    assert.deepEqual(params.problems, []);
    assert.equal(params.values['csv_separator'], '\t', 'a literal TAB');
    assert.equal(params.values['pretrained'], '', '`pretrained: ` is the empty string');
    assert.equal(params.values['aug_cfg'], '{}');
    assert.equal(params.values['model'], 'ViT-B-32');
    assert.equal(
      params.values['resume'],
      '/home/alice/ml-tic-clip/datacomp/results/tic_test/checkpoints/epoch_latest.pt',
    );
  });

  it('gives typed values, null for None, undefined for missing or mistyped', () => {
    assert.equal(paramInt(params, 'epochs'), 3);
    assert.equal(paramInt(params, 'world_size'), 1);
    assert.equal(paramFloat(params, 'lr'), 0.0005);
    assert.equal(paramFloat(params, 'eps'), 1e-6);
    assert.equal(paramFloat(params, 'epochs'), 3, 'an int is a float too');
    assert.equal(paramBool(params, 'new_run'), false);
    assert.equal(paramBool(params, 'save_most_recent'), true);
    assert.equal(paramInt(params, 'grad_clip_norm'), null);
    assert.equal(paramString(params, 'imagenet_val'), null);
    assert.ok(paramIsNone(params, 'imagenet_val'));
    assert.ok(!paramIsNone(params, 'model'));
    assert.equal(paramInt(params, 'model'), undefined);
    assert.equal(paramBool(params, 'model'), undefined);
    assert.equal(paramInt(params, 'no_such_key'), undefined);
    assert.equal(paramString(params, 'no_such_key'), undefined);
    assert.equal(paramFloat(params, 'lr'), parsePythonFloat('0.0005'));
  });

  it("reads TIC params/*.yaml (same format, the internal fork's extra keys)", () => {
    const yaml = parseParamsText(
      [
        'csv_separator: \t',
        'imagenet_val: ../imagenet_validation',
        'is_iteration_based: True',
        'max_iterations: 20500',
        'name: datacomp_xlarge-basic_cumulative_seq_2018',
        'resume: xlarge_CL_basic_filter/restart_2017/datacomp_xlarge-basic_cumulative_seq_2017/checkpoints/epoch_5.pt',
        'train_data: xlarge_basic_filter/2018/1/{00000000..00000832}.tar::xlarge_basic_filter/2018/10/{00000000..00000768}.tar',
        'wandb_notes: ',
        'zeroshot_frequency: 1',
        '',
      ].join('\n'),
    );
    assert.deepEqual(yaml.problems, []);
    assert.equal(paramBool(yaml, 'is_iteration_based'), true);
    assert.equal(paramInt(yaml, 'max_iterations'), 20500);
    assert.equal(yaml.values['wandb_notes'], '');
    assert.equal(yaml.values['csv_separator'], '\t');
  });

  it('splits on the first ": " only, tolerates CRLF and a stripped empty value, and reports junk and duplicates', () => {
    const p = parseParamsText('wandb_notes: a: b\r\nreport_to:\r\nnot a pair\r\nseed: 0\r\nseed: 1\r\n');
    assert.equal(p.values['wandb_notes'], 'a: b');
    assert.equal(p.values['report_to'], '');
    assert.equal(paramInt(p, 'seed'), 1, 'the later duplicate wins');
    assert.deepEqual(
      p.problems.map((x) => [x.reason, x.line]),
      [
        ['notKeyValue', 3],
        ['duplicateKey', 5],
      ],
    );
  });

  it('reads Python float renderings', () => {
    assert.equal(parsePythonFloat('1e-06'), 1e-6);
    assert.equal(parsePythonFloat('-2.5E+3'), -2500);
    assert.equal(parsePythonFloat('.5'), 0.5);
    assert.equal(parsePythonFloat('inf'), Infinity);
    assert.equal(parsePythonFloat('-inf'), -Infinity);
    assert.ok(Number.isNaN(parsePythonFloat('nan')!));
    assert.equal(parsePythonFloat('0x10'), undefined);
    assert.equal(parsePythonFloat(''), undefined);
    assert.equal(parsePythonFloat('1.2.3'), undefined);
  });
});
