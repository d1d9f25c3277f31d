import { parseArgs } from 'node:util';
import { DEFAULT_CONTEXT_LENGTH, loadClipTokenizer, type ClipTokenizer } from '../probe/clipTokenizer';
import { ProbeError } from '../probe/probeError';
import { UsageError, type CliIo } from './common/cliIo';

export const tokenizeUsage = `Usage: tic-studio tokenize TEXT [TEXT...] [--json] [--context-length N] [--vocab FILE]

Tokenizes each TEXT exactly as open_clip's CLIP tokenizer does (ftfy-style repairs, HTML entities, lower case,
byte-level BPE): the start token 49406, the text's ids, the end token 49407, zeros up to the context length; a text
that does not fit is cut and ends with the end token. Put -- before texts that start with a dash.
  --context-length N   ids per text (default ${DEFAULT_CONTEXT_LENGTH})
  --vocab FILE         a bpe_simple_vocab_16e6.txt.gz to use instead of the one shipped with TiC Studio
  --json               [{text, ids}] with all N ids of each text; otherwise one line per text with its ids up to
                       and including the end token, and their count`;

export async function tokenizeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      'context-length': { type: 'string' },
      vocab: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('expects at least one TEXT (see --help).');
  const contextLength = parseContextLength(values['context-length']);
  let tokenizer: ClipTokenizer;
  try {
    tokenizer = loadClipTokenizer(values.vocab);
  } catch (error) {
    if (!ProbeError.is(error)) throw error;
    io.stderr.write(`tic-studio tokenize: ${error.reason}: ${error.message}\n`);
    return 1;
  }
  const rows = tokenizer.tokenize(positionals, contextLength);
  if (values.json) {
    const out = positionals.map((text, i) => ({ text, ids: Array.from(rows[i]!) }));
    io.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  }
  const lines = positionals.map((text, i) => {
    const row = rows[i]!;
    const used = row.indexOf(tokenizer.eotTokenId) + 1;
    const cut = tokenizer.encode(text).length + 2 > contextLength;
    const ids = Array.from(row.subarray(0, used)).join(' ');
    return `${JSON.stringify(text)}: ${used} id${used === 1 ? '' : 's'}${cut ? ' (cut to fit)' : ''}: ${ids}`;
  });
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function parseContextLength(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_CONTEXT_LENGTH;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`--context-length expects a positive integer, not '${raw}'.`);
  }
  return Number(raw);
}
