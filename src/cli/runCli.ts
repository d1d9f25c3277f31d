/* eslint-disable @typescript-eslint/no-require-imports -- each command's module is loaded when it runs (see load) */
import { version } from '../shared/version';
import { terminalSafeIo, UsageError, type CliIo } from './common/cliIo';

/** What a subcommand's module gives once it is loaded. */
interface LoadedSubcommand {
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

interface Subcommand {
  /** The line in `tic-studio --help`: here, so the command list costs no module of any command. */
  summary: string;
  /**
   * The command's module, evaluated only when the command runs or shows its usage: `tic-studio --version` and
   * `--help` evaluate no checkpoint, hub, probe or run code, and `inspect` none but its own (a lean start, issue
   * 16). scripts/build.mjs turns each of these `require`s into the command's own bundle, dist/cli-<name>.js, which
   * Node compiles only when it is loaded. `require`, not `import()`: the tests run this file through tsx's CommonJS
   * hook, where an `import()` of a .ts file without its extension does not resolve.
   */
  load(): LoadedSubcommand;
}

/** Subcommands by name; each capability adds its own. */
const subcommands: Record<string, Subcommand> = {
  inspect: {
    summary: 'what a checkpoint holds (.pt/.pth/.bin/.safetensors), never running pickle code',
    load: () => {
      const m = require('./inspectCommand') as typeof import('./inspectCommand');
      return { usage: m.inspectUsage, run: (args, io) => m.inspectCommand(args, io) };
    },
  },
  diff: {
    summary: 'how far checkpoint B moved from A, per tensor, block and tower',
    load: () => {
      const m = require('./diffCommand') as typeof import('./diffCommand');
      return { usage: m.diffUsage, run: (args, io) => m.diffCommand(args, io) };
    },
  },
  plan: {
    summary: 'the exact command of the next training step or of an evaluation (argv, cwd, env), checked, not run',
    load: () => {
      const m = require('./planCommand') as typeof import('./planCommand');
      return { usage: m.planUsage, run: (args, io) => m.planCommand(args, io) };
    },
  },
  runs: {
    summary: 'the runs TiC Studio started in a workspace and their state',
    load: () => {
      const m = require('./runsCommand') as typeof import('./runsCommand');
      return { usage: m.runsUsage, run: (args, io) => m.runsCommand(args, io) };
    },
  },
  stop: {
    summary:
      'stop a run TiC Studio started (SIGINT → SIGTERM → SIGKILL, or scancel), once it proves the run is its own',
    load: () => {
      const m = require('./stopCommand') as typeof import('./stopCommand');
      return { usage: m.stopUsage, run: (args, io) => m.stopCommand(args, io) };
    },
  },
  log: {
    summary: 'parse an OpenCLIP out.log: starts, steps per epoch, evals, resumes, errors',
    load: () => {
      const m = require('./logCommand') as typeof import('./logCommand');
      return { usage: m.logUsage, run: (args, io) => m.logCommand(args, io) };
    },
  },
  results: {
    summary: 'per chain: the train step × eval year matrix, backward / ID / forward transfer, ImageNet zero-shot',
    load: () => {
      const m = require('./resultsCommand') as typeof import('./resultsCommand');
      return { usage: m.resultsUsage, run: (args, io) => m.resultsCommand(args, io) };
    },
  },
  protocol: {
    summary: 'per chain: whether each step ran under the TiC-CLIP protocol (comparable to the paper) and what it cost',
    load: () => {
      const m = require('./protocolCommand') as typeof import('./protocolCommand');
      return { usage: m.protocolUsage, run: (args, io) => m.protocolCommand(args, io) };
    },
  },
  hub: {
    summary: 'list and download the TiC-CLIP checkpoints of the Hugging Face Hub (shared HF cache, resumable)',
    load: () => {
      const m = require('./hubCommand') as typeof import('./hubCommand');
      return { usage: m.hubUsage, run: (args, io) => m.hubCommand(args, io) };
    },
  },
  probe: {
    summary: 'zero-shot checks of exported checkpoints on the CPU: label probabilities per image, side by side',
    load: () => {
      const m = require('./probeCommand') as typeof import('./probeCommand');
      return { usage: m.probeUsage, run: (args, io) => m.probeCommand(args, io) };
    },
  },
  tokenize: {
    summary: "the token ids of texts, exactly as open_clip's CLIP tokenizer gives them (77 per text)",
    load: () => {
      const m = require('./tokenizeCommand') as typeof import('./tokenizeCommand');
      return { usage: m.tokenizeUsage, run: (args, io) => m.tokenizeCommand(args, io) };
    },
  },
};

function helpText(): string {
  const lines = [
    `tic-studio ${version}: TiC-CLIP experiments, checkpoints and runs from the command line.`,
    '',
    'Usage: tic-studio <command> [options]',
    '',
    'Commands:',
    ...Object.entries(subcommands).map(([name, cmd]) => `  ${name.padEnd(12)} ${cmd.summary}`),
    '',
    'Options:',
    "  --help, -h     show this help (or a command's help: tic-studio <command> --help)",
    '  --version, -v  print the version',
  ];
  return lines.join('\n') + '\n';
}

export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  // Everything below, each command's output included, reaches the terminal through terminalSafe.
  const io = terminalSafeIo(rawIo);
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(helpText());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version}\n`);
    return 0;
  }
  const command = subcommands[first];
  if (!command) {
    io.stderr.write(`tic-studio: unknown command '${first}'. Run 'tic-studio --help' for the list.\n`);
    return 2;
  }
  try {
    const loaded = command.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${loaded.usage}\n`);
      return 0;
    }
    return await loaded.run(rest, io);
  } catch (error) {
    // parseArgs rejects unknown options with a TypeError carrying this code.
    const parseArgsError =
      error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (error instanceof UsageError || parseArgsError) {
      io.stderr.write(`tic-studio ${first}: ${error.message.split('\n')[0]}\n`);
      return 2;
    }
    // A bug, or a failure no command turned into a message: its text may quote file content, so it is printed
    // here through the same filter instead of by Node's unhandled-rejection report.
    io.stderr.write(
      `tic-studio ${first}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
