import { HubError } from './hubError';

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
  const segments = text.split('/');
  const bad =
    text.length === 0 ||
    text.length > 1000 ||
    text.includes('\\') ||
    text.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad)
    throw new HubError(
      'invalidInput',
      `'${text}' is not a file path inside a repo (expected a relative path such as checkpoints/2016.pt).`,
    );
  return text;
}

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
