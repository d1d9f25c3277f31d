import { version } from '../version';
import { UsageError, type CliIo } from './cliIo';

interface Subcommand {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Subcommands by name; each capability adds its own. */
const subcommands: Record<string, Subcommand> = {};

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
    '  --help, -h     show this help (or a command\'s help: tic-studio <command> --help)',
    '  --version, -v  print the version',
  ];
  return lines.join('\n') + '\n';
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
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
    if (error instanceof UsageError) {
      io.stderr.write(`tic-studio ${first}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
