import { version } from '../shared/version';
import { terminalSafeIo, UsageError, type CliIo } from './common/cliIo';
import { diffCommand, diffUsage } from './diffCommand';
import { hubCommand, hubUsage } from './hubCommand';
import { inspectCommand, inspectUsage } from './inspectCommand';
import { logCommand, logUsage } from './logCommand';
import { planCommand, planUsage } from './planCommand';
import { probeCommand, probeUsage } from './probeCommand';
import { protocolCommand, protocolUsage } from './protocolCommand';
import { resultsCommand, resultsUsage } from './resultsCommand';
import { runsCommand, runsUsage } from './runsCommand';
import { stopCommand, stopUsage } from './stopCommand';
import { tokenizeCommand, tokenizeUsage } from './tokenizeCommand';

interface Subcommand {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Subcommands by name; each capability adds its own. */
const subcommands: Record<string, Subcommand> = {
  inspect: {
    summary: 'what a checkpoint holds (.pt/.pth/.bin/.safetensors), never running pickle code',
    usage: inspectUsage,
    run: inspectCommand,
  },
  diff: {
    summary: 'how far checkpoint B moved from A, per tensor, block and tower',
    usage: diffUsage,
    run: diffCommand,
  },
  plan: {
    summary: 'the exact command of the next training step or of an evaluation (argv, cwd, env), checked, not run',
    usage: planUsage,
    run: planCommand,
  },
  runs: {
    summary: 'the runs TiC Studio started in a workspace and their state',
    usage: runsUsage,
    run: runsCommand,
  },
  stop: {
    summary:
      'stop a run TiC Studio started (SIGINT → SIGTERM → SIGKILL, or scancel), once it proves the run is its own',
    usage: stopUsage,
    run: stopCommand,
  },
  log: {
    summary: 'parse an OpenCLIP out.log: starts, steps per epoch, evals, resumes, errors',
    usage: logUsage,
    run: logCommand,
  },
  results: {
    summary: 'per chain: the train step × eval year matrix, backward / ID / forward transfer, ImageNet zero-shot',
    usage: resultsUsage,
    run: resultsCommand,
  },
  protocol: {
    summary: 'per chain: whether each step ran under the TiC-CLIP protocol (comparable to the paper) and what it cost',
    usage: protocolUsage,
    run: protocolCommand,
  },
  hub: {
    summary: 'list and download the TiC-CLIP checkpoints of the Hugging Face Hub (shared HF cache, resumable)',
    usage: hubUsage,
    run: (args, io) => hubCommand(args, io),
  },
  probe: {
    summary: 'zero-shot checks of exported checkpoints on the CPU: label probabilities per image, side by side',
    usage: probeUsage,
    run: probeCommand,
  },
  tokenize: {
    summary: "the token ids of texts, exactly as open_clip's CLIP tokenizer gives them (77 per text)",
    usage: tokenizeUsage,
    run: tokenizeCommand,
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
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
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
