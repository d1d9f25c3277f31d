import { modelInfo } from '@huggingface/hub';
import { HubError } from '../core/hubError';
import { errorFromFailure, strictHubFetch, type HubClient } from './hubHttp';
import { isCommitSha } from '../core/hubRepoId';

/**
 * The commit a revision (branch or tag) points to now, from `GET /api/models/{repo}/revision/{rev}` (the `sha`
 * field). A download resolves `main` once and then fetches every file by this commit, so a push during a
 * multi-file download cannot mix two versions. A 40-hex sha is returned as is, without a request.
 */
export async function resolveCommit(
  repo: string,
  revision: string,
  client: HubClient,
  signal?: AbortSignal,
): Promise<string> {
  if (isCommitSha(revision)) return revision;
  let info: unknown;
  try {
    info = await modelInfo({
      name: repo,
      revision,
      additionalFields: ['sha'],
      hubUrl: client.endpoint,
      fetch: strictHubFetch(client, { repo, revision }, `resolving ${repo}@${revision}`, signal),
    });
  } catch (error) {
    throw errorFromFailure(error, `resolving ${repo}@${revision}`, signal);
  }
  const sha = (info as { sha?: unknown }).sha;
  if (typeof sha !== 'string' || !isCommitSha(sha)) {
    throw new HubError('badResponse', `the Hub's model info for ${repo}@${revision} has no commit sha.`);
  }
  return sha;
}
