/**
 * The GPUs of this machine, from `nvidia-smi --query-gpu=index,name,memory.total,memory.used --format=csv,noheader,nounits`.
 * No NVIDIA driver (a login node, a laptop) is a normal case: an empty list, not an error.
 */
export interface GpuInfo {
  index: number;
  name: string;
  memoryTotalMiB: number;
  memoryUsedMiB: number;
}

export const nvidiaSmiArgs = ['--query-gpu=index,name,memory.total,memory.used', '--format=csv,noheader,nounits'];

/** Parses nvidia-smi's CSV; lines that do not fit are skipped. */
export function parseNvidiaSmiCsv(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length !== 4) continue;
    const [index, name, total, used] = parts as [string, string, string, string];
    const gpu = { index: Number(index), name, memoryTotalMiB: Number(total), memoryUsedMiB: Number(used) };
    if (
      Number.isInteger(gpu.index) &&
      name !== '' &&
      Number.isFinite(gpu.memoryTotalMiB) &&
      Number.isFinite(gpu.memoryUsedMiB)
    )
      gpus.push(gpu);
  }
  return gpus;
}

/** Runs nvidia-smi through the given execFile (argv, no shell); any failure means "no GPUs". */
export async function queryGpus(execFile: (cmd: string, args: string[]) => Promise<string>): Promise<GpuInfo[]> {
  try {
    return parseNvidiaSmiCsv(await execFile('nvidia-smi', nvidiaSmiArgs));
  } catch {
    return [];
  }
}
