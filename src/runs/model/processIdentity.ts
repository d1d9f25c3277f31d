/** Who a run's process is, stable across reloads: the pid alone is reused by the kernel. */
export interface ProcessIdentity {
  pid: number;
  startTicks: number;
  /** `/proc/sys/kernel/random/boot_id`: the same startTicks after a reboot is another process. */
  bootId: string;
}
