/**
 * The most TiC Studio reads of each small file a run leaves in its folder (contracts §1.5, §2.4, §3.3). They are
 * read whole, so a bigger file is reported as too large rather than read into memory: a real params.txt is a few
 * KB, an eval_results.jsonl one line per task (~40), a results.jsonl one line per epoch. Logs are streamed instead.
 */
export const resultFileLimits = {
  paramsTxt: 1024 * 1024,
  evalResultsJsonl: 8 * 1024 * 1024,
  resultsJsonl: 8 * 1024 * 1024,
} as const;
