/**
 * A real one-node Slurm cluster (Debian bookworm slurm-wlm 22.05 + munge) on 127.0.0.1, private to one test run.
 *
 * Design decisions, and why:
 * - Everything lives in one fresh `mkdtemp` folder (config, munge key and socket, state, spool, logs), and the two
 *   Slurm ports are picked per cluster, so several clusters coexist on one host: another test process's, or a
 *   hand-started one. Two clusters may use the same NodeName (the short host name): checked on 22.05.8, slurmd only
 *   needs its own port, spool folder and pid file, and each cluster has its own munge key, so a message that strays
 *   to the other cluster fails authentication instead of being obeyed.
 * - Ports are random in 20000–31999, below Linux's ephemeral range (32768–60999), so an outgoing connection cannot
 *   take one between our bind test and the daemon's bind; when a daemon still reports "Address already in use", the
 *   whole start is retried with new ports.
 * - The daemons run in the foreground (`munged -F`, `slurmctld -D`, `slurmd -D`) as detached children: we know their
 *   pids from spawn (no pid files to trust, no double fork to race), each is the leader of its own process group and
 *   session, and Node reaps them, so "gone" is `kill(pid, 0)` failing.
 * - stop() ends only what this harness started: it cancels the cluster's unfinished jobs through the cluster itself
 *   (`scancel`, so Slurm ends them the normal way), signals the daemons' process groups (SIGTERM, then SIGKILL after
 *   a grace period), then sweeps /proc for what the cluster left behind. slurmstepd is not a daemon's child for long:
 *   slurmd forks it, it calls setsid and is re-parented to init, so it survives slurmd. A slurmstepd is ours when its
 *   cwd or one of its open files is inside our folder (it holds slurmd's log file and its socket in our spool
 *   folder); the job's processes are its descendants or members of its session. Matching on comm `slurmstepd` plus
 *   our private folder (never on a name alone, never on cwd alone) means a user's shell or `tail -f` that happens to
 *   sit in the folder is left alone. munged stops last, since slurmd still talks to it while shutting down.
 * - While a cluster runs, `exit`, SIGINT, SIGTERM and SIGHUP hooks SIGKILL whatever stop() did not end, so a crashed
 *   or interrupted test run leaves no daemons: they sit in their own sessions, so a terminal's ^C never reaches them.
 *   A signal hook re-raises its signal when it was the only listener, so the runner still dies of it as before.
 * - The cluster runs as root (SlurmUser=root, slurmd must be root to start jobs as their user): without root, the
 *   harness reports a skip reason rather than a half-working cluster.
 * - The daemons get the caller's environment minus SLURM_* and MUNGE_* variables, so an outer cluster's settings
 *   cannot leak in; their config comes from `-f` only.
 * - KillWait=5 makes a cancelled job end within seconds; MinJobAge=300 keeps finished jobs visible to squeue (the
 *   backend reads final states from there); SlurmdParameters=config_overrides lets `cpus` exceed the real core count,
 *   so tests can run more jobs at once than the machine has cores; SchedulerParameters=batch_sched_delay=0 starts a
 *   batch job at the next scheduler pass (about 1 s) instead of batching submissions for up to 3 s (22.05's default).
 * - stop() removes the temp folder (set TIC_LOCAL_SLURM_KEEP=1 or `keepDir` to keep it); a failed start keeps it and
 *   names it in the error, with the tail of every daemon log.
 * - `nodes: 2` makes a real two-node cluster on this machine: ticn1 in this network namespace, ticn2 in a new one,
 *   joined by a veth pair whose ends carry the same name on both nodes (GLOO_SOCKET_IFNAME=<interfaceName>), on a
 *   random 10.x.y.0/24. Each slurmd runs in its own UTS and mount namespace, named after its node and with an
 *   /etc/hosts that maps both nodes to their addresses: torch's c10d rendezvous publishes getfqdn(gethostname()),
 *   which must resolve to the first node from the second (this machine's own name resolves to 127.0.0.1). The
 *   second slurmd enters its namespace with nsenter (`ip netns exec` remounts /sys, and slurmd then finds no cgroup
 *   fs). stop() and the exit hooks remove the namespace and the link once the processes are gone. Without root or
 *   the tools (ip, unshare, nsenter), or where `ip netns add` fails, localSlurmOrSkipReason gives the skip reason.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { aptGetWaitingForLocks } from '../../scripts/lib/aptGet.mjs';

const execFileAsync = promisify(execFile);

export interface LocalSlurm {
  readonly dir: string;
  readonly confPath: string;
  /** `SLURM_CONF=…`: merge into the environment of sbatch, squeue, scancel… to talk to this cluster. */
  readonly env: Record<string, string>;
  readonly partition: string;
  /** The first node's name (the only node of a one-node cluster). */
  readonly nodeName: string;
  /** Every node's name, in order: `[nodeName]` for one node, `['ticn1', 'ticn2']` for two. */
  readonly nodeNames: readonly string[];
  /**
   * Two nodes only: the name of the link between them, the same on both nodes, so a job can set
   * GLOO_SOCKET_IFNAME (or NCCL_SOCKET_IFNAME) once for all its workers.
   */
  readonly interfaceName?: string;
  /** The daemons this harness started (each the leader of its own process group); `slurmd` is the first node's. */
  readonly pids: { readonly munged: number; readonly slurmctld: number; readonly slurmd: number };
  /**
   * Cancels the cluster's jobs, SIGTERMs then SIGKILLs only the processes this harness started (daemons, their
   * slurmstepd and the jobs under them), waits until they are gone, then removes the temp folder. Idempotent.
   */
  stop(): Promise<void>;
}

export type SlurmAvailability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface LocalSlurmOptions {
  /** CPUs of each node (default: this machine's); may exceed the real count. */
  cpus?: number;
  /**
   * 2: a real two-node cluster on this machine (root only): node ticn1 in this network namespace, ticn2 in a new one
   * joined to it by a veth pair, each slurmd in its own UTS and mount namespace with its own host name and an
   * /etc/hosts that names both nodes (default 1).
   */
  nodes?: 1 | 2;
  /** Keep the temp folder after stop() (default: TIC_LOCAL_SLURM_KEEP=1). */
  keepDir?: boolean;
}

export class LocalSlurmError extends Error {
  constructor(
    readonly reason:
      'installFailed' | 'notReady' | 'daemonExited' | 'portInUse' | 'noFreePort' | 'notStopped' | 'noNamespaces',
    message: string,
  ) {
    super(message);
    this.name = 'LocalSlurmError';
  }
}

const PARTITION = 'debug';
/** Every binary the harness runs; slurm-wlm pulls in slurmctld, slurmd and slurm-client. */
const REQUIRED_BINARIES = ['slurmctld', 'slurmd', 'munged', 'sbatch', 'sinfo', 'squeue', 'scancel'] as const;
type SlurmBinary = (typeof REQUIRED_BINARIES)[number];
/** Daemons live in sbin, which a non-root PATH often lacks. */
const EXTRA_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** One apt-get run: up to 10 minutes waiting for another apt's lock (aptGet.mjs), then 10 to install. */
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const MUNGE_READY_MS = 15_000;
const CLUSTER_READY_MS = 60_000;
const CANCEL_JOBS_MS = 20_000;
const DAEMON_TERM_MS = 10_000;
const GONE_MS = 10_000;
const START_ATTEMPTS = 3;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not in this folder: try the next one.
    }
  }
  return undefined;
}

function resolveBinaries(): { found: Record<SlurmBinary, string> | undefined; missing: SlurmBinary[] } {
  const found: Partial<Record<SlurmBinary, string>> = {};
  const missing: SlurmBinary[] = [];
  for (const name of REQUIRED_BINARIES) {
    const at = findExecutable(name);
    if (at) found[name] = at;
    else missing.push(name);
  }
  return { found: missing.length === 0 ? (found as Record<SlurmBinary, string>) : undefined, missing };
}

function availabilityOfInstalled(): SlurmAvailability {
  if (!isRoot()) {
    return {
      ok: false,
      reason:
        'Slurm is installed, but the local test cluster runs slurmd as root (it must be root to start jobs): run these tests as root',
    };
  }
  return { ok: true };
}

/**
 * Makes sure slurm-wlm and munge are installed: installs them with apt-get when running as root (as CI does), and
 * throws when that install fails, so CI fails loudly instead of skipping. Otherwise answers why the tests must skip.
 */
export async function ensureSlurmInstalled(): Promise<SlurmAvailability> {
  if (process.platform !== 'linux') {
    return { ok: false, reason: `the local Slurm cluster needs Linux (this is ${process.platform})` };
  }
  const before = resolveBinaries();
  if (before.found) return availabilityOfInstalled();
  const missing = before.missing.join(', ');
  if (!isRoot()) {
    return {
      ok: false,
      reason: `Slurm is not installed (${missing} missing) and this user is not root: run \`sudo apt-get install slurm-wlm munge\``,
    };
  }
  const aptGet = findExecutable('apt-get');
  if (!aptGet) {
    return {
      ok: false,
      reason: `Slurm is not installed (${missing} missing) and apt-get is not available: install Slurm 22.05 (slurmctld, slurmd, client tools) and munge with this system's package manager`,
    };
  }
  await installWithApt(aptGet, ['slurm-wlm', 'munge']);
  const after = resolveBinaries();
  if (!after.found) {
    throw new LocalSlurmError(
      'installFailed',
      `apt-get installed slurm-wlm and munge, but ${after.missing.join(', ')} are still missing`,
    );
  }
  return availabilityOfInstalled();
}

/**
 * Debian's torchrun (python3-torch 1.13, CPU) for the test that starts a real torch.distributed job through the
 * generated script: installed with apt as root, like Slurm; otherwise the reason to skip.
 */
export async function ensureTorchrunInstalled(): Promise<SlurmAvailability> {
  const works = () =>
    existsSync('/usr/bin/torchrun') &&
    spawnSync('/usr/bin/python3', ['-c', 'import torch.distributed as d; assert d.is_gloo_available()']).status === 0;
  if (works()) return { ok: true };
  const aptGet = findExecutable('apt-get');
  if (!isRoot() || !aptGet)
    return {
      ok: false,
      reason: 'torchrun is missing (Debian python3-torch) and it cannot be installed here (root and apt-get needed)',
    };
  await installWithApt(aptGet, ['python3-torch']);
  if (!works())
    throw new LocalSlurmError('installFailed', 'apt-get installed python3-torch, but /usr/bin/torchrun does not work');
  return { ok: true };
}

async function installWithApt(aptGet: string, packages: readonly string[]): Promise<void> {
  const logPath = path.join(os.tmpdir(), `tic-slurm-install-${process.pid}-${Date.now()}.log`);
  const daemonsBefore = new Set(
    listProcesses()
      .filter((p) => isSlurmOrMungeDaemon(p.comm))
      .map((p) => p.pid),
  );
  // Waits for another apt or dpkg (unattended upgrades at boot, a second test process installing) to let go of
  // its locks instead of failing (scripts/lib/aptGet.mjs).
  const apt = async (args: string[]): Promise<{ code: number; output: string; result: number | string }> => {
    const from = fileSize(logPath);
    const result = await runLogged(aptGet, args, logPath);
    return { code: result === 0 ? 0 : 1, output: readFrom(logPath, from), result };
  };
  const install = ['install', '-y', '--no-install-recommends', ...packages];
  let result = (await aptGetWaitingForLocks(apt, install)).result;
  if (result !== 0) {
    // A fresh image has empty package lists: update only when the install needs it (it is slow and touches the net).
    const update = (await aptGetWaitingForLocks(apt, ['update'])).result;
    if (update !== 0) {
      throw new LocalSlurmError(
        'installFailed',
        `apt-get update failed (${update}); log ${logPath}:\n${tail(logPath)}`,
      );
    }
    result = (await aptGetWaitingForLocks(apt, install)).result;
  }
  if (result !== 0) {
    throw new LocalSlurmError(
      'installFailed',
      `apt-get install ${packages.join(' ')} failed (${result}); log ${logPath}:\n${tail(logPath)}`,
    );
  }
  // With systemd, the munge package starts the system munged (on /run/munge, with /etc/munge/munge.key); it does not
  // disturb us (every cluster here uses its own socket and key). slurmd and slurmctld do not start: their units and
  // init scripts need /etc/slurm/slurm.conf, which the packages do not ship. Note what started, for whoever reads the log.
  const started = listProcesses().filter((p) => isSlurmOrMungeDaemon(p.comm) && !daemonsBefore.has(p.pid));
  const note = started.length
    ? `daemons started by the install: ${started.map((p) => `${p.pid} ${p.comm}`).join(', ')}\n`
    : 'the install started no slurm or munge daemon\n';
  await writeFile(logPath, note, { flag: 'a' });
}

function isSlurmOrMungeDaemon(comm: string): boolean {
  return comm === 'munged' || comm === 'slurmctld' || comm === 'slurmd' || comm === 'slurmdbd';
}

/** Runs argv with its output appended to logPath; resolves the exit code, or a description of how it ended. */
async function runLogged(file: string, args: string[], logPath: string): Promise<number | string> {
  const fd = openSync(logPath, 'a');
  try {
    const sbinPath = [process.env.PATH ?? '', ...EXTRA_BIN_DIRS].filter(Boolean).join(path.delimiter);
    const child = spawn(file, args, {
      stdio: ['ignore', fd, fd],
      // dpkg's maintainer scripts need sbin on PATH (ldconfig, start-stop-daemon) and must not ask questions.
      env: { ...process.env, PATH: sbinPath, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        // SIGTERM first: a SIGKILLed dpkg leaves its database half-configured for the next run.
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
      }, INSTALL_TIMEOUT_MS);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve(`could not start: ${error.message}`);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? `killed by ${signal ?? 'a signal'}`);
      });
    });
  } finally {
    closeSync(fd);
  }
}

function fileSize(filePath: string): number {
  try {
    return statSync(filePath).size;
  } catch {
    return 0;
  }
}

/** What a file holds from byte `offset` on (what one apt-get run appended to the install log). */
function readFrom(filePath: string, offset: number): string {
  try {
    return readFileSync(filePath).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

function tail(filePath: string, lines = 30): string {
  try {
    return readFileSync(filePath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(cannot read ${filePath}: ${(error as Error).message})`;
  }
}

/**
 * ensureSlurmInstalled, then startLocalSlurm; the skip reason when Slurm is not available here, or when a two-node
 * cluster was asked for and this machine cannot make network namespaces (other start failures are thrown).
 */
export async function localSlurmOrSkipReason(options?: LocalSlurmOptions): Promise<LocalSlurm | string> {
  const availability = await ensureSlurmInstalled();
  if (!availability.ok) return availability.reason;
  if (options?.nodes === 2) {
    const missing = NAMESPACE_TOOLS.filter((name) => !findExecutable(name));
    if (missing.length > 0) {
      return `a two-node local Slurm cluster needs ${missing.join(', ')} (iproute2, util-linux), which are not installed`;
    }
  }
  try {
    return await startLocalSlurm(options);
  } catch (error) {
    if (error instanceof LocalSlurmError && error.reason === 'noNamespaces') return error.message;
    throw error;
  }
}

export async function startLocalSlurm(options: LocalSlurmOptions = {}): Promise<LocalSlurm> {
  const { found: bin, missing } = resolveBinaries();
  if (!bin) {
    throw new LocalSlurmError('installFailed', `Slurm is not installed (${missing.join(', ')} missing)`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, options);
    } catch (error) {
      if (error instanceof LocalSlurmError && error.reason === 'portInUse' && attempt < START_ATTEMPTS) continue;
      throw error;
    }
  }
}

/** What a two-node cluster runs its second node and the nodes' host names with. */
const NAMESPACE_TOOLS = ['ip', 'unshare', 'nsenter'] as const;
const TWO_NODE_NAMES = ['ticn1', 'ticn2'] as const;

/** The second node's network: a namespace and a veth pair whose two ends carry the same name. */
interface TwoNodeNetwork {
  readonly ip: string;
  readonly namespace: string;
  readonly interfaceName: string;
  /** The first node's address (this namespace), then the second's. */
  readonly addresses: readonly [string, string];
}

/**
 * Makes the namespace and the link; throws `noNamespaces` when this machine does not let us make a namespace, and
 * removes what it made when a later step fails. Random names and a random unused 10.x.y.0/24, so clusters of
 * parallel test runs do not collide.
 */
async function createTwoNodeNetwork(ip: string): Promise<TwoNodeNetwork> {
  const suffix = randomBytes(3).toString('hex').slice(0, 5);
  const namespace = `tic-slurm-${suffix}`;
  const interfaceName = `tic${suffix}`;
  const peer = `${interfaceName}p`;
  const used = await execFileAsync(ip, ['-o', '-4', 'addr', 'show'], { timeout: 15_000 })
    .then((r) => r.stdout)
    .catch(() => '');
  let prefix: string;
  do prefix = `10.${200 + randomInt(51)}.${randomInt(256)}`;
  while (used.includes(` ${prefix}.`));
  const addresses = [`${prefix}.1`, `${prefix}.2`] as const;
  const network: TwoNodeNetwork = { ip, namespace, interfaceName, addresses };
  try {
    await execFileAsync(ip, ['netns', 'add', namespace], { timeout: 15_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new LocalSlurmError(
      'noNamespaces',
      `a two-node local Slurm cluster needs a network namespace, and \`ip netns add\` failed here: ${stderr || (error as Error).message}`,
    );
  }
  const run = (...args: string[]) => execFileAsync(ip, args, { timeout: 15_000 });
  const inside = (...args: string[]) => run('netns', 'exec', namespace, ip, ...args);
  try {
    await run('link', 'add', interfaceName, 'type', 'veth', 'peer', 'name', peer);
    await run('link', 'set', peer, 'netns', namespace);
    await run('addr', 'add', `${addresses[0]}/24`, 'dev', interfaceName);
    await run('link', 'set', interfaceName, 'up');
    await inside('link', 'set', peer, 'down');
    await inside('link', 'set', peer, 'name', interfaceName);
    await inside('addr', 'add', `${addresses[1]}/24`, 'dev', interfaceName);
    await inside('link', 'set', interfaceName, 'up');
    await inside('link', 'set', 'lo', 'up');
  } catch (error) {
    removeTwoNodeNetworkSync(network);
    throw error;
  }
  return network;
}

/** Removes the link (both ends) and the namespace; what is already gone is skipped. */
function removeTwoNodeNetworkSync(network: TwoNodeNetwork): void {
  spawnSync(network.ip, ['link', 'del', network.interfaceName], { stdio: 'ignore', timeout: 15_000 });
  if (existsSync(path.join('/run/netns', network.namespace))) {
    spawnSync(network.ip, ['netns', 'del', network.namespace], { stdio: 'ignore', timeout: 15_000 });
  }
}

async function removeTwoNodeNetwork(network: TwoNodeNetwork): Promise<void> {
  await execFileAsync(network.ip, ['link', 'del', network.interfaceName], { timeout: 15_000 }).catch(() => undefined);
  if (existsSync(path.join('/run/netns', network.namespace))) {
    await execFileAsync(network.ip, ['netns', 'del', network.namespace], { timeout: 15_000 });
  }
}

interface Daemon {
  readonly name: 'munged' | 'slurmctld' | 'slurmd';
  readonly pid: number;
  /** Resolves when Node has reaped it. */
  readonly exited: Promise<void>;
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

async function startOnce(bin: Record<SlurmBinary, string>, options: LocalSlurmOptions): Promise<LocalSlurm> {
  const twoNodes = options.nodes === 2;
  const [ctldPort, slurmdPort] = await pickFreePorts(2);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tic-slurm-'));
  const spools = twoNodes ? TWO_NODE_NAMES.map((n) => `spool-${n}`) : ['spool'];
  for (const sub of ['state', ...spools, 'log']) mkdirSync(path.join(dir, sub));
  const logDir = path.join(dir, 'log');
  const confPath = path.join(dir, 'slurm.conf');
  const mungeSocket = path.join(dir, 'munge.sock');
  const hostName = os.hostname().split('.')[0] || 'localhost';
  const nodeNames: readonly string[] = twoNodes ? TWO_NODE_NAMES : [hostName];
  const nodeName = nodeNames[0]!;
  const cpus = options.cpus ?? os.cpus().length;
  // slurmd compares RealMemory with the machine's total memory; staying below free memory keeps the node usable
  // even when the config is read on a busier machine.
  const realMemoryMb = Math.max(1, Math.floor((os.freemem() / 2 ** 20) * 0.9));

  const mungeKey = path.join(dir, 'munge.key');
  await writeFile(mungeKey, randomBytes(1024));
  // munged refuses a key that others can read.
  await chmod(mungeKey, 0o400);

  const daemons: Daemon[] = [];
  const env = { SLURM_CONF: confPath };
  const clientEnv = { ...process.env, ...env };
  const keepDir = options.keepDir ?? process.env.TIC_LOCAL_SLURM_KEEP === '1';
  const cluster = new RunningCluster(dir, daemons, bin, clientEnv, keepDir);
  // Armed before the first daemon starts: a test runner that exits mid-start must not leave daemons behind.
  cluster.armExitHook();

  let network: TwoNodeNetwork | undefined;
  try {
    if (twoNodes) {
      network = await createTwoNodeNetwork(findExecutable('ip') ?? 'ip');
      cluster.network = network;
    }
    // One node: 127.0.0.1 under this machine's name. Two: each node at its end of the link.
    const ctldAddr = network?.addresses[0] ?? '127.0.0.1';
    const nodes = nodeNames.map((name, i) => ({ name, addr: network?.addresses[i] ?? '127.0.0.1' }));
    await writeFile(
      confPath,
      slurmConf({
        dir,
        ctldHost: hostName,
        ctldAddr,
        nodes,
        perNodePaths: twoNodes,
        ctldPort: ctldPort!,
        slurmdPort: slurmdPort!,
        cpus,
        realMemoryMb,
        mungeSocket,
      }),
    );
    daemons.push(
      await startDaemon('munged', bin.munged, [
        '-F',
        '--force',
        `--key-file=${mungeKey}`,
        `--socket=${mungeSocket}`,
        `--pid-file=${path.join(dir, 'munged.pid')}`,
        `--seed-file=${path.join(dir, 'munge.seed')}`,
      ]),
    );
    await waitFor(
      () => existsSync(mungeSocket) || 'no socket yet',
      MUNGE_READY_MS,
      daemons,
      dir,
      'munged did not create its socket',
    );
    daemons.push(await startDaemon('slurmctld', bin.slurmctld, ['-D', '-f', confPath]));
    if (network) {
      for (const [i, name] of nodeNames.entries()) {
        const hostsPath = path.join(dir, `hosts-${name}`);
        const hosts = ['127.0.0.1 localhost', ...nodeNames.map((n, j) => `${network!.addresses[j]} ${n}`), ''];
        await writeFile(hostsPath, hosts.join('\n'));
        cluster.hostsFiles.push(hostsPath);
        // Its own host name and /etc/hosts (torch's rendezvous publishes getfqdn(gethostname()), which must reach
        // this node from the other), in a UTS and mount namespace of its own. unshare and nsenter exec, and so does
        // the script, so the pid spawn reports is slurmd's. The arguments reach the script as $1…$4, never inside it.
        // nsenter, not `ip netns exec`, for the second node: that remounts /sys, and slurmd then finds no cgroup fs.
        const inNamespaces = [
          findExecutable('unshare') ?? 'unshare',
          '--uts',
          '--mount',
          '--',
          '/bin/sh',
          '-c',
          'mount --bind "$1" /etc/hosts && hostname "$2" && exec "$3" -D -f "$4" -N "$2"',
          'sh',
          hostsPath,
          name,
          bin.slurmd,
          confPath,
        ];
        const argv =
          i === 0
            ? inNamespaces
            : [findExecutable('nsenter') ?? 'nsenter', `--net=/run/netns/${network.namespace}`, ...inNamespaces];
        daemons.push(await startDaemon('slurmd', argv[0]!, argv.slice(1)));
      }
    } else {
      // -N: the node is named explicitly instead of guessed from the host name (same name, but no guessing).
      daemons.push(await startDaemon('slurmd', bin.slurmd, ['-D', '-f', confPath, '-N', nodeName]));
    }
    await waitFor(
      async () => {
        // -N: one line per node.
        const states = (await runClient(bin.sinfo, ['-h', '-N', '-o', '%T'], clientEnv)).trim().split('\n');
        return (
          (states.length === nodeNames.length && states.every((s) => s.trim() === 'idle')) ||
          `sinfo states ${JSON.stringify(states)}`
        );
      },
      CLUSTER_READY_MS,
      daemons,
      dir,
      nodeNames.length === 1
        ? `node ${nodeName} did not become idle`
        : `nodes ${nodeNames.join(', ')} did not become idle`,
    );
  } catch (error) {
    // No namespaces here: nothing ran, nothing to read; a skip, so leave no folder behind. Otherwise keep the
    // folder: its logs are what the error points at.
    const skip = error instanceof LocalSlurmError && error.reason === 'noNamespaces';
    await cluster.stop({ keepDir: !skip });
    throw error;
  }

  const [munged, slurmctld, ...slurmds] = daemons as [Daemon, Daemon, ...Daemon[]];
  return {
    dir,
    confPath,
    env,
    partition: PARTITION,
    nodeName,
    nodeNames,
    ...(network ? { interfaceName: network.interfaceName } : {}),
    pids: {
      munged: munged.pid,
      slurmctld: slurmctld.pid,
      slurmd: slurmds[0]!.pid,
    },
    stop: () => cluster.stop(),
  };

  async function startDaemon(name: Daemon['name'], file: string, args: string[]): Promise<Daemon> {
    // In the foreground the daemons log to stderr too (munged -F only there): that file also catches a fatal error
    // raised before a daemon opens its own log file.
    const out = openSync(path.join(logDir, `${name}.out`), 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        detached: true,
        stdio: ['ignore', out, out],
        // slurmd's children (slurmstepd) inherit this cwd: one more sign that they belong to this cluster.
        cwd: logDir,
        env: daemonEnv(),
      });
    } finally {
      closeSync(out);
    }
    // Do not keep the test runner alive for the daemons; a forgotten stop() is covered by the exit hook.
    child.unref();
    let exit: Daemon['exit'];
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        resolve();
      });
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (error) =>
        reject(new LocalSlurmError('daemonExited', `cannot start ${file}: ${error.message}`)),
      );
    });
    return {
      name,
      pid,
      exited,
      get exit() {
        return exit;
      },
    };
  }
}

function slurmConf(c: {
  dir: string;
  /** slurmctld checks that SlurmctldHost is this machine's (short) host name. */
  ctldHost: string;
  ctldAddr: string;
  nodes: ReadonlyArray<{ name: string; addr: string }>;
  /** Per-node spool folder, pid and log file (%n: the node name), for several slurmd on one machine. */
  perNodePaths: boolean;
  ctldPort: number;
  slurmdPort: number;
  cpus: number;
  realMemoryMb: number;
  mungeSocket: string;
}): string {
  const at = (name: string) => path.join(c.dir, name);
  return [
    'ClusterName=tictest',
    `SlurmctldHost=${c.ctldHost}(${c.ctldAddr})`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    // cred_expire also sets how long a requeued job waits before it may start again (default 120 s): short, so the
    // requeue test does not wait two minutes (and never has to force a start before the old credential expired).
    `AuthInfo=socket=${c.mungeSocket},cred_expire=10`,
    'CredType=cred/munge',
    `SlurmctldPort=${c.ctldPort}`,
    `SlurmdPort=${c.slurmdPort}`,
    `StateSaveLocation=${at('state')}`,
    `SlurmdSpoolDir=${at(c.perNodePaths ? 'spool-%n' : 'spool')}`,
    `SlurmctldPidFile=${at('slurmctld.pid')}`,
    `SlurmdPidFile=${at(c.perNodePaths ? 'slurmd-%n.pid' : 'slurmd.pid')}`,
    `SlurmctldLogFile=${at('log/slurmctld.log')}`,
    `SlurmdLogFile=${at(c.perNodePaths ? 'log/slurmd-%n.log' : 'log/slurmd.log')}`,
    // The default MailProg (/usr/bin/mail) is not installed: slurmctld logs an error for it at every start.
    'MailProg=/bin/true',
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'MpiDefault=none',
    'SchedulerType=sched/backfill',
    'SchedulerParameters=batch_sched_delay=0',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'ReturnToService=2',
    'SlurmdParameters=config_overrides',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/filetxt',
    `JobCompLoc=${at('jobcomp.txt')}`,
    'MinJobAge=300',
    'KillWait=5',
    'InactiveLimit=0',
    ...c.nodes.map(
      (n) => `NodeName=${n.name} NodeAddr=${n.addr} CPUs=${c.cpus} RealMemory=${c.realMemoryMb} State=UNKNOWN`,
    ),
    `PartitionName=${PARTITION} Nodes=${c.nodes.map((n) => n.name).join(',')} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

function daemonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SLURM_') && !key.startsWith('MUNGE_')) env[key] = value;
  }
  return env;
}

async function pickFreePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries >= 100) throw new LocalSlurmError('noFreePort', 'found no free TCP port in 20000–31999 after 100 tries');
    const port = 20_000 + randomInt(12_000);
    if (!ports.includes(port) && (await canBind(port))) ports.push(port);
  }
  return ports;
}

/** Slurm daemons listen on every address, so the port must be free on 0.0.0.0. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function runClient(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string> {
  const { stdout } = await execFileAsync(file, args, { env, timeout: timeoutMs });
  return stdout;
}

/** Polls until ready() holds; fails early, with the daemon logs, when a daemon exits meanwhile. */
async function waitFor(
  /** true when ready, else what was seen instead. */
  ready: () => true | string | Promise<true | string>,
  timeoutMs: number,
  daemons: readonly Daemon[],
  dir: string,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen: string;
  for (;;) {
    const dead = daemons.find((d) => d.exit);
    if (dead) {
      const logs = logTails(dir);
      const reason = /Address already in use/i.test(logs) ? 'portInUse' : 'daemonExited';
      throw new LocalSlurmError(
        reason,
        `${dead.name} exited (${dead.exit!.code ?? dead.exit!.signal}) while starting the local Slurm cluster in ${dir}\n${logs}`,
      );
    }
    try {
      const seen = await ready();
      if (seen === true) return;
      lastSeen = seen;
    } catch (error) {
      // Clients fail while slurmctld is still starting: keep polling, but remember why.
      lastSeen = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new LocalSlurmError(
        'notReady',
        `${what} within ${timeoutMs / 1000} s (local Slurm cluster in ${dir}); last seen: ${lastSeen}\n${logTails(dir)}`,
      );
    }
    await delay(200);
  }
}

function logTails(dir: string): string {
  const logDir = path.join(dir, 'log');
  let names: string[];
  try {
    names = readdirSync(logDir).sort();
  } catch {
    return '(no log folder)';
  }
  return names.map((name) => `--- ${path.join(logDir, name)} (tail)\n${tail(path.join(logDir, name), 20)}`).join('\n');
}

class RunningCluster {
  private stopping: Promise<void> | undefined;
  /** Two nodes: the second node's network, removed once every process of the cluster has ended. */
  network: TwoNodeNetwork | undefined;
  /** Two nodes: the /etc/hosts each slurmd sees. */
  readonly hostsFiles: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly daemons: readonly Daemon[],
    private readonly bin: Record<SlurmBinary, string>,
    private readonly clientEnv: NodeJS.ProcessEnv,
    private readonly keepDir: boolean,
  ) {}

  armExitHook(): void {
    watchForAbruptExit(this);
  }

  stop(override?: { keepDir: boolean }): Promise<void> {
    this.stopping ??= this.stopNow(override?.keepDir ?? this.keepDir);
    return this.stopping;
  }

  private daemon(name: Daemon['name']): Daemon | undefined {
    return this.daemons.find((d) => d.name === name);
  }

  private async stopNow(keepDir: boolean): Promise<void> {
    // Every step runs even when one fails, so one stuck process does not leave the rest running; the first failure
    // is reported at the end (and the folder kept, since something may still use it).
    let failure: unknown;
    const step = async (run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        failure ??= error;
      }
    };
    await step(() => this.cancelJobs());
    // slurmd before slurmctld (nothing reschedules the node's jobs meanwhile), munged last (both talk to it until
    // they are gone).
    await step(async () => {
      await Promise.all(this.slurmds().map((d) => this.stopDaemon(d)));
    });
    await step(() => this.stopDaemon(this.daemon('slurmctld')));
    await step(() => this.killLeftovers());
    await step(() => this.stopDaemon(this.daemon('munged')));
    // Nothing of ours should run in the second node's namespace any more: the namespace and its link go (even after
    // a failure: what still runs there keeps the namespace alive, but no longer under its name).
    const network = this.network;
    if (network) {
      await step(async () => {
        await removeTwoNodeNetwork(network);
        this.network = undefined;
      });
    }
    for (const file of this.hostsFiles) await step(() => rm(file, { force: true }));
    if (failure) throw failure;
    unwatch(this);
    if (!keepDir) await rm(this.dir, { recursive: true, force: true });
  }

  private slurmds(): Daemon[] {
    return this.daemons.filter((d) => d.name === 'slurmd');
  }

  /** Lets Slurm end the running jobs itself, so their steps exit cleanly; anything that lingers is swept later. */
  private async cancelJobs(): Promise<void> {
    const ctld = this.daemon('slurmctld');
    const slurmds = this.slurmds();
    // isRunning, not the exit event: a daemon killed a moment ago may not have been reaped yet, and a client asking a
    // dead controller retries for about ten seconds before it gives up.
    if (!ctld || !isRunning(ctld.pid) || slurmds.length === 0 || !slurmds.every((d) => isRunning(d.pid))) return;
    const unfinished = async () =>
      (await runClient(this.bin.squeue, ['-h', '-o', '%i'], this.clientEnv, 5_000)).split('\n').filter(Boolean);
    try {
      const ids = await unfinished();
      if (ids.length === 0) return;
      await runClient(this.bin.scancel, ids, this.clientEnv, 5_000);
      const deadline = Date.now() + CANCEL_JOBS_MS;
      while (Date.now() < deadline && (await unfinished()).length > 0) await delay(200);
    } catch {
      // The controller does not answer: the daemon and /proc sweeps below end the jobs instead.
    }
  }

  private async stopDaemon(daemon: Daemon | undefined): Promise<void> {
    if (!daemon || daemon.exit) return;
    signalGroup(daemon, 'SIGTERM');
    const ended = await settlesWithin(daemon.exited, DAEMON_TERM_MS);
    if (!ended) {
      signalGroup(daemon, 'SIGKILL');
      await daemon.exited;
    }
    // The group may outlive its leader (slurmctld's slurmscriptd exits on its own, but not at once).
    await this.killAndWait(this.ourProcesses().filter((p) => p.sid === daemon.pid));
  }

  /** Everything of ours but munged, which stops last. */
  private async killLeftovers(): Promise<void> {
    const munged = this.daemon('munged')?.pid;
    await this.killAndWait(this.ourProcesses().filter((p) => p.pid !== munged && p.sid !== munged));
  }

  private async killAndWait(processes: readonly ProcessInfo[]): Promise<void> {
    for (const p of processes) trySignal(p.pid, 'SIGKILL');
    const deadline = Date.now() + GONE_MS;
    let alive = processes.filter((p) => isRunning(p.pid));
    while (alive.length > 0 && Date.now() < deadline) {
      await delay(50);
      alive = alive.filter((p) => isRunning(p.pid));
    }
    if (alive.length > 0) {
      throw new LocalSlurmError(
        'notStopped',
        `could not end ${alive.map((p) => `${p.pid} (${p.comm})`).join(', ')} of the local Slurm cluster in ${this.dir}`,
      );
    }
    // Orphans are reaped by init, not by us: give it a moment so kill(pid, 0) fails for them too.
    const reapDeadline = Date.now() + 2_000;
    while (processes.some((p) => exists(p.pid)) && Date.now() < reapDeadline) await delay(50);
  }

  /**
   * What this cluster started and still runs: the daemons' sessions, every slurmstepd whose cwd or open files lie in
   * our folder, and their descendants and session members (the jobs). Never this process or its ancestors.
   */
  private ourProcesses(): ProcessInfo[] {
    const all = listProcesses();
    const protectedPids = ancestorsOfThisProcess(all);
    const daemonPids = new Set(this.daemons.map((d) => d.pid));
    const ours = new Set<number>();
    for (const p of all) {
      if (daemonPids.has(p.pid) || daemonPids.has(p.sid)) ours.add(p.pid);
      else if (p.comm === 'slurmstepd' && refersTo(p.pid, this.dir)) ours.add(p.pid);
    }
    for (let grew = true; grew;) {
      grew = false;
      for (const p of all) {
        if (!ours.has(p.pid) && (ours.has(p.ppid) || (ours.has(p.sid) && p.sid !== p.pid))) {
          ours.add(p.pid);
          grew = true;
        }
      }
    }
    return all.filter((p) => ours.has(p.pid) && !protectedPids.has(p.pid) && p.state !== 'Z');
  }

  /** Best effort from an `exit` or signal hook, which may not wait: SIGKILL everything of ours at once. */
  killNowSync(): void {
    for (const d of this.daemons) if (!d.exit) signalGroup(d, 'SIGKILL');
    for (const p of this.ourProcesses()) trySignal(p.pid, 'SIGKILL');
    if (this.network) removeTwoNodeNetworkSync(this.network);
    for (const file of this.hostsFiles) rmSync(file, { force: true });
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether promise settles within ms; the timer is cleared either way, so it never holds the event loop open. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), delay(ms, false, { signal: timeout.signal })]);
  } finally {
    timeout.abort();
  }
}

/** Clusters not stopped yet, for the hooks that end them when the test runner ends without stop(). */
const watched = new Set<RunningCluster>();
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killWatched(): void {
  for (const cluster of watched) cluster.killNowSync();
  watched.clear();
}

function onEndingSignal(signal: NodeJS.Signals): void {
  killWatched();
  unwatchAll();
  // Ours was the only listener, so Node would have died of this signal: die of it now, with the usual exit status.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchForAbruptExit(cluster: RunningCluster): void {
  if (watched.size === 0) {
    process.on('exit', killWatched);
    for (const signal of ENDING_SIGNALS) process.on(signal, onEndingSignal);
  }
  watched.add(cluster);
}

function unwatch(cluster: RunningCluster): void {
  watched.delete(cluster);
  if (watched.size === 0) unwatchAll();
}

function unwatchAll(): void {
  process.off('exit', killWatched);
  for (const signal of ENDING_SIGNALS) process.off(signal, onEndingSignal);
}

function signalGroup(daemon: Daemon, signal: NodeJS.Signals): void {
  // The group id is the leader's pid, which the kernel does not hand out again while the group has members.
  if (!trySignal(-daemon.pid, signal)) trySignal(daemon.pid, signal);
}

function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and not a zombie (a zombie is dead; only its parent, often init, can make it disappear). */
function isRunning(pid: number): boolean {
  return exists(pid) && readProcess(pid)?.state !== 'Z';
}

interface ProcessInfo {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
}

function listProcesses(): ProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const all: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info) all.push(info);
  }
  return all;
}

/** /proc/<pid>/stat: `pid (comm) state ppid pgrp session …`; comm may hold spaces and parentheses. */
function readProcess(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const [state, ppid, pgid, sid] = stat
    .slice(close + 2)
    .split(' ')
    .slice(0, 4);
  if (!state || !ppid || !pgid || !sid) return undefined;
  return { pid, comm: stat.slice(open + 1, close), state, ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid) };
}

function ancestorsOfThisProcess(all: readonly ProcessInfo[]): Set<number> {
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const chain = new Set<number>();
  for (let pid: number | undefined = process.pid; pid && !chain.has(pid); pid = byPid.get(pid)?.ppid) chain.add(pid);
  return chain;
}

/** Whether the process's cwd or one of its open files lies inside dir. */
function refersTo(pid: number, dir: string): boolean {
  const inside = (target: string) => target === dir || target.startsWith(dir + path.sep);
  try {
    if (inside(readlinkSync(`/proc/${pid}/cwd`))) return true;
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (inside(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
      } catch {
        // The descriptor closed meanwhile.
      }
    }
  } catch {
    // The process ended meanwhile.
  }
  return false;
}

/** The tail of every daemon log of a cluster, for test failure messages. */
export function localSlurmLogTails(cluster: LocalSlurm): string {
  return logTails(cluster.dir);
}
