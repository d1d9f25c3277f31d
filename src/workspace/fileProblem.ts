import { UntrustedFileError } from '../shared/untrustedFile';

/**
 * One sentence about a file of a results folder that is there but cannot be used. An UntrustedFileError already
 * names the file and what is wrong with it (a named pipe, too large); anything else (a malformed info.pkl) is
 * said with the file's name in front.
 */
export function fileProblemText(file: string, error: unknown): string {
  if (UntrustedFileError.is(error)) return error.message;
  return `${file} unreadable: ${error instanceof Error ? error.message : String(error)}`;
}
