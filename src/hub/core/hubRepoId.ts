import { HubError } from './hubError';
import { untrustedText } from './untrustedText';

// The Hub's own rule for repo names: letters, digits, '-', '_', '.', not starting or ending with '-' or '.', no '--'
// or '..' (huggingface_hub validate_repo_id), at most 96 characters per part.
const part = /^(?!.*(--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

/** A model repo id `owner/name`, checked; anything else is a HubError 'invalidInput'. */
export function parseRepoId(text: string): string {
  const parts = text.split('/');
  if (parts.length !== 2 || !parts.every((p) => part.test(p))) {
    throw new HubError(
      'invalidInput',
      `'${text}' is not a Hugging Face model repo id (expected owner/name, e.g. apple/TiC-CLIP-basic-oracle).`,
    );
  }
  return text;
}

/** A file path inside a repo (`checkpoints/2016.pt`), checked so it can never leave the snapshot folder. */
export function parseRepoFilePath(text: string): string {
  if (repoFilePathProblem(text) !== undefined)
    throw new HubError(
      'invalidInput',
      `'${untrustedText(text)}' is not a file path inside a repo (expected a relative path such as checkpoints/2016.pt).`,
    );
  return text;
}

/**
 * Why a path (typed by a user or named by the Hub) cannot be a file inside a snapshot folder, or undefined when it
 * can: it must be relative, with '/' between non-empty segments, none of them '.' or '..', and hold no backslash
 * (a separator on Windows) and no control character (nothing a terminal or a file name should carry).
 */
export function repoFilePathProblem(text: string): string | undefined {
  if (text.length === 0) return 'it is empty';
  if (text.length > 1000) return 'it is longer than 1000 characters';
  if (text.startsWith('/')) return 'it is absolute';
  if (text.includes('\\')) return 'it holds a backslash';
  if (controlCharacter.test(text)) return 'it holds a control character';
  const segments = text.split('/');
  if (segments.some((s) => s === '..')) return "it holds a '..' segment";
  if (segments.some((s) => s === '' || s === '.')) return "it holds an empty or '.' segment";
  return undefined;
}

// eslint-disable-next-line no-control-regex -- matching control characters is this regex's whole purpose
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

/** Git revisions the Hub accepts in URLs: a branch, tag or commit; no spaces, no '..', no leading '/' or '-'. */
export function parseRevision(text: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/.test(text) || text.includes('..') || text.endsWith('/')) {
    throw new HubError(
      'invalidInput',
      `'${text}' is not a git revision (a branch, a tag or a 40-character commit sha).`,
    );
  }
  return text;
}

/** A full 40-hex commit sha, which needs no resolving. */
export function isCommitSha(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
