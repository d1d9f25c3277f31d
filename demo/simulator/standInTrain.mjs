#!/usr/bin/env node
// Stand-in for `[torchrun --nproc_per_node N --nnodes 1 …] datacomp/train.py …` (patched DC + OC, contracts.md §1-§2).
// Same argv, same output layout (§1.5), the real log formats (§2.1/§2.2) on stderr and in out.log, the DC stdout
// lines (§1.6) and the §1.4 "Experiment already exists" trap. Node builtins only; no Python, no torch.
// Year and month data folders alike (`…/train/2019/`, `…/train/202004/`, `::`-joined). The loss of a step that
// continues a checkpoint starts near where the run that wrote it ended (read from that run's out.log; a checkpoint
// without one, such as a published `2022.pt`, starts at a typical warm level), not from scratch.
//
// Environment switches (all optional):
//   TIC_STANDIN_MODE             ok | crash | hang | ignoreSigint | ignoreSigterm | exists | spawnWorkers (default ok)
//   TIC_STANDIN_STEP_MS          milliseconds per training step (batch), default 200
//   TIC_STANDIN_STEPS_PER_EPOCH  steps per epoch, default 4
//   TIC_STANDIN_LOG_EVERY        log every N steps instead of --log_every_n_steps
//   TIC_STANDIN_EPOCHS           epochs, default --num_checkpoints (5)
//   TIC_STANDIN_MAX_MS           the process exits 124 after this long whatever it is doing (a safety net for tests)
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, copyFileSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The checkpoints it writes are real OpenCLIP training checkpoints: a copy of the one it resumed from (the
// weights "continue"), else the small seed next to this script (a from-scratch step).
const seedCheckpoint = join(here, 'seedCheckpoint.pt');
const seedInfoPkl = join(here, 'seedInfo.pkl');
const fakeDatacomp = '/opt/ml-tic-clip/datacomp';
const fakeSitePackages = '/opt/conda/envs/datacomp/lib/python3.10/site-packages';

// A torchrun-like worker: ignores SIGINT (so a group SIGINT alone does not end it), dies on SIGTERM.
function runWorker() {
  process.on('SIGINT', () => {});
  const lifetimeMs = Number(process.env.TIC_STANDIN_MAX_MS ?? 120_000);
  setInterval(() => {}, 1000);
  setTimeout(() => process.exit(124), lifetimeMs).unref();
}

async function runTrainer() {
  const env = process.env;
  const mode = env.TIC_STANDIN_MODE ?? 'ok';
  const stepMs = Number(env.TIC_STANDIN_STEP_MS ?? 200);
  const stepsPerEpoch = Math.max(1, Number(env.TIC_STANDIN_STEPS_PER_EPOCH ?? 4));
  if (env.TIC_STANDIN_MAX_MS !== undefined) setTimeout(() => process.exit(124), Number(env.TIC_STANDIN_MAX_MS)).unref();

  const { launcher, trainArgv } = splitTorchrun(process.argv.slice(2));
  const torchrun = launcher.used;
  installSignalHandlers(mode, torchrun);
  const args = parseTrainArgs(trainArgv);
  // The demo logs every step so its loss moves while you watch; the real cadence is --log_every_n_steps (§2.2).
  const logEvery = Math.max(1, Number(env.TIC_STANDIN_LOG_EVERY ?? args.log_every_n_steps));
  const worldSize = launcher.nprocPerNode * launcher.nnodes;

  // DC train.py, rank 0 (§1.6: stdout).
  out(`Running training on scale ${args.scale}`);
  out(`World size is ${worldSize}.`);
  if (args.blur_field !== undefined) {
    // DC passes --blur-field on, and OC@73fa7f0's argparse has no such option (§1.1).
    process.stderr.write(`usage: train.py [-h] [--train-data TRAIN_DATA] [--logs LOGS] [--name NAME] …\n`);
    process.stderr.write(`train.py: error: unrecognized arguments: --blur-field ${args.blur_field}\n`);
    process.exit(2);
  }
  for (const dir of args.data_dir.split('::')) {
    if (!/^\w+:\/\//.test(dir) && !existsSync(dir)) {
      crashWith(
        [
          ['train.py', 321, '<module>', 'train_data, weights = get_input_shards(data_dir, args.data_weights)'],
          ['train.py', 37, 'get_input_shards', 'get_input_shards(subdir, weight)'],
          ['train.py', 52, 'get_input_shards', 'files_or_subdirs = list(data_dir.iterdir())'],
        ],
        `FileNotFoundError: [Errno 2] No such file or directory: '${dir.replace(/\/$/, '')}'`,
        torchrun,
      );
    }
  }

  const config = scaleConfigs[args.scale];
  const expName = args.exp_name ?? `${args.scale}_scale`;
  const expDir = join(args.output_dir, expName);
  const checkpointDir = join(expDir, 'checkpoints');
  const outLog = join(expDir, 'out.log');
  const epochs = Number(env.TIC_STANDIN_EPOCHS ?? args.num_checkpoints);
  const perGpuBatch = Math.floor(config.batch_size / (worldSize * args.accum_freq));
  const samplesPerEpoch = stepsPerEpoch * perGpuBatch * args.accum_freq * worldSize;
  const warmup = args.warmup ?? config.warmup;
  const resumeLatest = args.resume === 'latest';

  // OC main(): the log dir, then the §1.4 trap before logging is set up.
  mkdirSync(expDir, { recursive: true });
  let success;
  if (mode === 'exists' || (existsSync(outLog) && !resumeLatest)) {
    out('Error. Experiment already exists. Use --name {} to specify a new experiment.');
    success = -1;
  } else {
    success = await trainOc();
  }
  await finishDc(success);

  async function trainOc() {
    markSimulated(expDir, 'standInTrain.mjs');
    const log = (message) => {
      const line = `${timestamp()} | INFO | ${message}\n`;
      process.stderr.write(line);
      appendFileSync(outLog, line);
    };
    let startEpoch = 0;
    let resumeFrom;
    if (resumeLatest) {
      const latest = join(checkpointDir, 'epoch_latest.pt');
      if (existsSync(latest)) {
        log(`Found latest resume checkpoint at ${latest}.`);
        resumeFrom = latest;
      } else {
        log(`No latest resume checkpoint found in ${checkpointDir}.`);
      }
    } else {
      resumeFrom = args.resume;
    }
    const device = launcher.used ? 'cuda:0' : 'cpu';
    if (worldSize > 1) {
      log(`Running in distributed mode with multiple processes. Device: ${device}.Process (global: 0, local 0), total ${worldSize}.`);
    } else {
      log(`Running with a single process. Device ${device}.`);
    }
    log(`Loaded ${config.model} model config.`);
    log('Model:');
    log(modelRepr(config.model));
    const params = ocParams({ args, config, expName, expDir, checkpointDir, outLog, epochs, perGpuBatch, warmup, worldSize, device, resumeFrom });
    writeFileSync(join(expDir, 'params.txt'), params.map(([k, v]) => `${k}: ${v}\n`).join(''));
    log('Params:');
    for (const [k, v] of params) log(`  ${k}: ${v}`);
    if (resumeFrom !== undefined) {
      if (!existsSync(resumeFrom) && !/^\w+:\/\//.test(resumeFrom)) {
        crashWith(
          [
            ['train.py', 333, '<module>', 'success = main(main_args)'],
            ['training/main.py', 297, 'main', 'checkpoint = pt_load(args.resume, map_location=\'cpu\')'],
            ['training/file_utils.py', 86, 'pt_load', 'with fsspec.open(file_path, "rb") as f:'],
          ],
          `FileNotFoundError: [Errno 2] No such file or directory: '${resumeFrom}'`,
          torchrun,
        );
      }
      if (args.new_run) startEpoch = 0;
      else if (resumeLatest) startEpoch = completedEpochsInLog(outLog, samplesPerEpoch);
      else startEpoch = epochs; // An explicit checkpoint without --new_run: assume a finished run (§1.4, pitfall 2).
      log(`=> resuming checkpoint '${resumeFrom}' (epoch ${startEpoch})`);
    }

    let workers = [];
    if (mode === 'spawnWorkers') {
      const self = fileURLToPath(import.meta.url);
      const childEnv = { ...process.env };
      workers = [
        spawn(process.execPath, [self, '--standin-worker', 'group'], { stdio: 'ignore', env: childEnv }),
        // A worker that left our process group (own session): only a walk of the process tree finds it.
        spawn(process.execPath, [self, '--standin-worker', 'session'], { stdio: 'ignore', env: childEnv, detached: true }),
      ];
      for (const w of workers) w.unref();
    }

    const totalSteps = stepsPerEpoch * epochs;
    const curve = trainingCurve(warmStart(firstResume(outLog), checkpointDir));
    let loggedSteps = 0;
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      log(`Start epoch ${epoch}`);
      let lossSum = 0;
      let windowStart = Date.now();
      let windowBatches = 0;
      for (let batch = 1; batch <= stepsPerEpoch; batch++) {
        await sleep(stepMs);
        windowBatches++;
        const step = epoch * stepsPerEpoch + batch - 1;
        const progress = step / Math.max(1, totalSteps - 1);
        const loss = curve.loss(progress) + 0.05 * Math.sin(step * 1.7) + 0.0001 * Math.SQRT2;
        lossSum += loss;
        const shouldLog = (batch - 1) % logEvery === 0 || batch === stepsPerEpoch;
        if (!shouldLog) continue;
        const batchTime = Math.max(0.001, (Date.now() - windowStart) / 1000 / windowBatches) + 0.0001 * Math.SQRT2;
        const dataTime = 0.004 + 0.002 * Math.abs(Math.sin(step)) + 0.00001 * Math.SQRT2;
        const perSecond = (perGpuBatch * args.accum_freq * worldSize) / batchTime;
        const lr = cosineLr(config.learning_rate, warmup, totalSteps, step);
        const logitScale = curve.logitScale(progress);
        const samples = batch * perGpuBatch * args.accum_freq * worldSize;
        const digits = Math.ceil(Math.log10(samplesPerEpoch + 1));
        const percent = halfEven((100 * batch) / stepsPerEpoch);
        const avg = lossSum / batch;
        log(
          `Train Epoch: ${epoch} [${String(samples).padStart(digits)}/${samplesPerEpoch} (${percent}%)] ` +
            `Data (t): ${dataTime.toFixed(3)} Batch (t): ${batchTime.toFixed(3)}, ${altG(perSecond, 6)}/s, ${altG(perSecond / worldSize, 6)}/s/gpu ` +
            `LR: ${lr.toFixed(6)} Logit Scale: ${logitScale.toFixed(3)} Contrastive_loss: ${altG(loss, 5)} (${altG(avg, 5)}) Loss: ${altG(loss, 5)} (${altG(avg, 5)})`,
        );
        windowStart = Date.now();
        windowBatches = 0;
        loggedSteps++;
        if (loggedSteps === 1 && mode === 'crash') {
          crashWith(
            [
              ['train.py', 333, '<module>', 'success = main(main_args)'],
              ['training/main.py', 402, 'main', 'train_one_epoch(model, data, loss, epoch, optimizer, scaler, scheduler, dist_model, args, tb_writer=writer)'],
              ['training/train.py', 101, 'train_one_epoch', 'model_out = model(images, texts)'],
            ],
            'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity; 76.02 GiB already allocated; 1.06 GiB free; 77.12 GiB reserved in total by PyTorch)',
            torchrun,
          );
        }
        if (loggedSteps === 1 && mode === 'hang') await new Promise(() => setInterval(() => {}, 60_000));
      }
      const completed = epoch + 1;
      if (args.imagenet_val !== undefined && (completed % 2 === 0 || completed === epochs)) {
        log('Starting zero-shot imagenet.');
        log('Building zero-shot classifier');
        log('Using classifier');
        log('Finished zero-shot imagenet.');
        const top1 = (600 + 173 * completed + (hash(expName) % 97)) / 50000;
        const top5 = (2100 + 611 * completed + (hash(expName) % 89)) / 50000;
        log(`Eval Epoch: ${completed} imagenet-zeroshot-val-top1: ${top1.toFixed(4)}\timagenet-zeroshot-val-top5: ${top5.toFixed(4)}`);
        mkdirSync(checkpointDir, { recursive: true });
        appendFileSync(join(checkpointDir, 'results.jsonl'), `{"imagenet-zeroshot-val-top1": ${pyFloat(top1)}, "imagenet-zeroshot-val-top5": ${pyFloat(top5)}}\n`);
      }
      mkdirSync(checkpointDir, { recursive: true });
      if (completed === epochs || (args.save_frequency > 0 && completed % args.save_frequency === 0)) {
        copyOrWrite(checkpointSource(args), join(checkpointDir, `epoch_${completed}.pt`));
      }
      // OC writes checkpoints/tmp.pt, then os.replace() (§1.5), so the zip root of epoch_latest.pt is "tmp/".
      copyOrWrite(checkpointSource(args), join(checkpointDir, 'tmp.pt'));
      renameSync(join(checkpointDir, 'tmp.pt'), join(checkpointDir, 'epoch_latest.pt'));
    }
    for (const w of workers) w.kill('SIGTERM');
    return 0;
  }

  async function finishDc(result) {
    if (result === -1) out('Error running training. Exiting.');
    const finalCheckpoint = join(expDir, 'checkpoints', 'epoch_latest.pt');
    if (!existsSync(finalCheckpoint) && mode !== 'exists') {
      crashWith(
        [['train.py', 345, '<module>', 'assert (']],
        `AssertionError: Did not find the checkpoint at ${finalCheckpoint}`,
        torchrun,
      );
    }
    copyOrWrite(seedInfoPkl, join(expDir, 'info.pkl'));
    out('Done training.');
    process.exit(0);
  }
}

function installSignalHandlers(mode, torchrun) {
  if (mode === 'hang' || mode === 'ignoreSigterm') {
    process.on('SIGINT', () => {});
    process.on('SIGTERM', () => {});
    return;
  }
  if (mode === 'ignoreSigint') {
    process.on('SIGINT', () => {});
    return;
  }
  // Like Python: SIGINT raises KeyboardInterrupt wherever the main thread is (exit 130 here); SIGTERM kills.
  process.on('SIGINT', () => {
    pythonTraceback(
      [
        ['train.py', 333, '<module>', 'success = main(main_args)'],
        ['training/main.py', 402, 'main', 'train_one_epoch(model, data, loss, epoch, optimizer, scaler, scheduler, dist_model, args, tb_writer=writer)'],
        ['training/train.py', 110, 'train_one_epoch', 'losses = loss(**model_out, output_dict=True)'],
      ],
      'KeyboardInterrupt',
    );
    if (torchrun) process.stderr.write('WARNING:torch.distributed.elastic.agent.server.api:Received 2 death signal, shutting down workers\n');
    process.exit(130);
  });
}

function crashWith(frames, exceptionLine, torchrun) {
  pythonTraceback(frames, exceptionLine);
  if (torchrun) torchrunFailure(1);
  process.exit(1);
}

function pythonTraceback(frames, exceptionLine) {
  const lines = ['Traceback (most recent call last):'];
  for (const [file, line, fn, code] of frames) {
    const path = file === 'train.py' ? `${fakeDatacomp}/train.py` : `${fakeSitePackages}/${file}`;
    lines.push(`  File "${path}", line ${line}, in ${fn}`, `    ${code}`);
  }
  lines.push(exceptionLine);
  process.stderr.write(lines.join('\n') + '\n');
}

// What torchrun (torch.distributed.elastic) prints after a worker fails.
function torchrunFailure(exitCode) {
  const pid = process.pid;
  process.stderr.write(
    [
      `ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: ${exitCode}) local_rank: 0 (pid: ${pid}) of binary: /opt/conda/envs/datacomp/bin/python`,
      'Traceback (most recent call last):',
      '  File "/opt/conda/envs/datacomp/bin/torchrun", line 8, in <module>',
      '    sys.exit(main())',
      `  File "${fakeSitePackages}/torch/distributed/elastic/multiprocessing/errors/__init__.py", line 346, in wrapper`,
      '    return f(*args, **kwargs)',
      `  File "${fakeSitePackages}/torch/distributed/launcher/api.py", line 246, in launch_agent`,
      '    raise ChildFailedError(',
      'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ',
      '============================================================',
      'train.py FAILED',
      '------------------------------------------------------------',
      'Failures:',
      '  <NO_OTHER_FAILURES>',
      '------------------------------------------------------------',
      'Root Cause (first observed failure):',
      '[0]:',
      `  time      : ${new Date().toISOString().replace('T', '_').slice(0, 19)}`,
      `  host      : ${hostname()}`,
      '  rank      : 0 (local_rank: 0)',
      `  exitcode  : ${exitCode} (pid: ${pid})`,
      '  error_file: <N/A>',
      '  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html',
      '============================================================',
      '',
    ].join('\n'),
  );
}

// torchrun options before the script (`--nproc_per_node 8 --nnodes 1 --max_restarts 0 train.py …`) are skipped.
function splitTorchrun(argv) {
  const launcher = { used: false, nprocPerNode: 1, nnodes: 1, maxRestarts: 0 };
  const scriptIndex = argv.findIndex((a) => a.endsWith('.py') && !a.startsWith('-'));
  if (scriptIndex < 0) {
    launcher.nprocPerNode = Number(process.env.WORLD_SIZE ?? 1);
    return { launcher, trainArgv: argv };
  }
  launcher.used = true;
  const before = argv.slice(0, scriptIndex);
  for (let i = 0; i < before.length; i++) {
    const [name, inline] = before[i].split('=', 2);
    const value = () => (inline !== undefined ? inline : before[++i]);
    if (name === '--nproc_per_node' || name === '--nproc-per-node') launcher.nprocPerNode = Number(value());
    else if (name === '--nnodes') launcher.nnodes = Number(String(value()).split(':').pop());
    else if (name === '--max_restarts' || name === '--max-restarts') launcher.maxRestarts = Number(value());
    else if (inline === undefined && before[i + 1] !== undefined && !before[i + 1].startsWith('--')) i++;
  }
  return { launcher, trainArgv: argv.slice(scriptIndex + 1) };
}

const scales = ['debug', 'large', 'medium', 'small', 'tic_debug', 'tic_large', 'tic_medium', 'tic_xlarge', 'xlarge'];
const scaleConfigs = {
  debug: { batch_size: 1024, learning_rate: 1e-4, train_num_samples: 128_000, warmup: 500, model: 'ViT-B-32', beta2: null },
  small: { batch_size: 4096, learning_rate: 5e-4, train_num_samples: 12_800_000, warmup: 500, model: 'ViT-B-32', beta2: null },
  medium: { batch_size: 4096, learning_rate: 5e-4, train_num_samples: 128_000_000, warmup: 500, model: 'ViT-B-32', beta2: null },
  large: { batch_size: 8192, learning_rate: 5e-4, train_num_samples: 1_280_000_000, warmup: 500, model: 'ViT-B-16', beta2: null },
  xlarge: { batch_size: 90112, learning_rate: 1e-3, train_num_samples: 12_800_000_000, warmup: 10000, model: 'ViT-L-14', beta2: 0.95 },
  tic_debug: { batch_size: 1024, learning_rate: 1e-4, train_num_samples: 1024 * 1000, warmup: 500, model: 'ViT-B-32', beta2: null },
  tic_medium: { batch_size: 4096, learning_rate: 5e-4, train_num_samples: 4096 * 4500, warmup: 500, model: 'ViT-B-32', beta2: null },
  tic_large: { batch_size: 8192, learning_rate: 5e-4, train_num_samples: 8192 * 22500, warmup: 500, model: 'ViT-B-16', beta2: null },
  tic_xlarge: { batch_size: 90112, learning_rate: 1e-3, train_num_samples: 90112 * 20500, warmup: 10000, model: 'ViT-B-16', beta2: null },
};

// DC train.py's argparse (§1.1, with the TIC additions). kind: str | int | float | flag.
const trainOptions = {
  scale: { kind: 'str', required: true, choices: scales },
  data_dir: { kind: 'str', required: true },
  data_weights: { kind: 'str' },
  output_dir: { kind: 'str', required: true },
  exp_name: { kind: 'str' },
  use_cached_shards: { kind: 'flag' },
  wandb_project_name: { kind: 'str', default: 'datanet' },
  workers: { kind: 'int', default: 4 },
  precision: { kind: 'str', default: 'amp', choices: ['amp', 'amp_bf16', 'amp_bfloat16', 'bf16', 'fp16', 'fp32'] },
  num_checkpoints: { kind: 'int', default: 5 },
  seed: { kind: 'int', default: 0 },
  dataset_resampled: { kind: 'flag' },
  new_run: { kind: 'flag' },
  report_to_wandb: { kind: 'flag' },
  accum_freq: { kind: 'int', default: 1 },
  log_every_n_steps: { kind: 'int', default: 100 },
  resume: { kind: 'str', default: 'latest' },
  imagenet_val: { kind: 'str' },
  blur_field: { kind: 'str' },
  grad_clip_norm: { kind: 'float' },
  save_frequency: { kind: 'int', default: 0 },
  warmup: { kind: 'int' },
  train_num_samples: { kind: 'int' },
};

function parseTrainArgs(argv) {
  return parseArgparse(argv, trainOptions, 'train.py');
}

function usage(options, prog) {
  const parts = Object.entries(options).map(([name, o]) => {
    const metavar = o.choices ? `{${o.choices.join(',')}}` : name.toUpperCase();
    const text = o.kind === 'flag' ? `--${name}` : `--${name} ${metavar}`;
    return o.required ? text : `[${text}]`;
  });
  return `usage: ${prog} [-h] ${parts.join(' ')}\n`;
}

function argparseError(options, prog, message) {
  process.stderr.write(usage(options, prog));
  process.stderr.write(`${prog}: error: ${message}\n`);
  process.exit(2);
}

function parseArgparse(argv, options, prog) {
  const values = {};
  const unknown = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '-h' || token === '--help') {
      process.stdout.write(usage(options, prog));
      process.exit(0);
    }
    const eq = token.indexOf('=');
    const name = token.startsWith('--') ? token.slice(2, eq < 0 ? undefined : eq) : undefined;
    const option = name === undefined ? undefined : options[name];
    if (option === undefined) {
      unknown.push(token);
      continue;
    }
    if (option.kind === 'flag') {
      values[name] = true;
      continue;
    }
    const raw = eq >= 0 ? token.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) argparseError(options, prog, `argument --${name}: expected one argument`);
    if (option.choices && !option.choices.includes(raw)) {
      argparseError(options, prog, `argument --${name}: invalid choice: '${raw}' (choose from ${option.choices.map((c) => `'${c}'`).join(', ')})`);
    }
    if (option.kind === 'int' && !/^[-+]?\d+$/.test(raw.trim())) argparseError(options, prog, `argument --${name}: invalid int value: '${raw}'`);
    if (option.kind === 'float' && Number.isNaN(Number(raw))) argparseError(options, prog, `argument --${name}: invalid float value: '${raw}'`);
    values[name] = option.kind === 'str' ? raw : Number(raw);
  }
  const missing = Object.entries(options).filter(([n, o]) => o.required && values[n] === undefined);
  if (missing.length > 0) argparseError(options, prog, `the following arguments are required: ${missing.map(([n]) => `--${n}`).join(', ')}`);
  if (unknown.length > 0) argparseError(options, prog, `unrecognized arguments: ${unknown.join(' ')}`);
  for (const [n, o] of Object.entries(options)) {
    if (values[n] === undefined && o.default !== undefined) values[n] = o.default;
    if (values[n] === undefined && o.kind === 'flag') values[n] = false;
  }
  return values;
}

// The sorted `name: value` lines of OC's params.txt (§1.5), with Python str() renderings.
function ocParams(p) {
  const { args, config } = p;
  const trainNumSamples = Math.floor((args.train_num_samples || config.train_num_samples) / args.num_checkpoints);
  const py = (v) => (v === undefined || v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : String(v));
  const pyNum = (v) => (Number.isInteger(v) ? `${v}.0` : String(v));
  const map = {
    accum_freq: args.accum_freq,
    aug_cfg: '{}',
    batch_size: p.perGpuBatch,
    beta1: '0.9',
    beta2: config.beta2 ?? '0.98',
    checkpoint_path: p.checkpointDir,
    copy_codebase: false,
    dataset_resampled: true,
    dataset_type: 'webdataset',
    ddp_static_graph: true,
    debug: false,
    delete_previous_checkpoint: false,
    device: p.device,
    dist_backend: 'nccl',
    dist_url: 'env://',
    distributed: p.worldSize > 1,
    epochs: p.epochs,
    eps: '1e-06',
    gather_with_grad: true,
    grad_checkpointing: true,
    grad_clip_norm: args.grad_clip_norm === undefined ? undefined : pyNum(args.grad_clip_norm),
    imagenet_val: args.imagenet_val,
    local_loss: true,
    local_rank: 0,
    log_every_n_steps: args.log_every_n_steps,
    log_level: 20,
    log_local: false,
    log_path: p.outLog,
    logs: args.output_dir,
    lr: config.learning_rate,
    lr_scheduler: 'cosine',
    model: config.model,
    name: p.expName,
    new_run: args.new_run,
    precision: args.precision,
    pretrained: '',
    rank: 0,
    report_to: args.report_to_wandb ? 'wandb' : '',
    resume: p.resumeFrom,
    save_frequency: args.save_frequency,
    save_most_recent: true,
    seed: args.seed,
    train_data: args.data_dir,
    train_data_upsampling_factors: args.data_weights,
    train_num_samples: trainNumSamples,
    wandb: args.report_to_wandb,
    wandb_project_name: args.report_to_wandb ? args.wandb_project_name : 'open-clip',
    warmup: p.warmup,
    wd: '0.2',
    workers: args.workers,
    world_size: p.worldSize,
    zeroshot_frequency: 2,
  };
  return Object.keys(map)
    .sort()
    .map((k) => [k, py(map[k])]);
}

function modelRepr(model) {
  const patch = Number(model.split('-').pop());
  const width = model === 'ViT-L-14' ? 1024 : 768;
  return [
    'CLIP(',
    '  (visual): VisionTransformer(',
    `    (conv1): Conv2d(3, ${width}, kernel_size=(${patch}, ${patch}), stride=(${patch}, ${patch}), bias=False)`,
    '    (patch_dropout): Identity()',
    `    (ln_pre): LayerNorm((${width},), eps=1e-05, elementwise_affine=True)`,
    '  )',
    '  (token_embedding): Embedding(49408, 512)',
    '  (ln_final): LayerNorm((512,), eps=1e-05, elementwise_affine=True)',
    ')',
  ].join('\n');
}

// Epochs already completed according to an existing out.log (the stand-in cannot unpickle epoch_latest.pt).
function completedEpochsInLog(outLog, samplesPerEpoch) {
  if (!existsSync(outLog)) return 0;
  let completed = 0;
  const re = /Train Epoch: (\d+) \[\s*(\d+)\/(\d+) /g;
  for (const m of readFileSync(outLog, 'utf8').matchAll(re)) {
    if (Number(m[2]) === Number(m[3]) && Number(m[3]) === samplesPerEpoch) completed = Math.max(completed, Number(m[1]) + 1);
  }
  return completed;
}

// What the run first started from: the `resume` of the first `Params:` block of out.log (§1.8), so a `--resume
// latest` restart continues the curve its first start began (this start's block is already written).
function firstResume(outLog) {
  if (!existsSync(outLog)) return undefined;
  const m = / \| INFO \| {3}resume: (.*)$/m.exec(readFileSync(outLog, 'utf8'));
  return m && m[1] !== 'None' ? m[1] : undefined;
}

// Where a continued run picks up: the last `Train Epoch` line of the out.log next to the checkpoint it resumed
// ({exp}/checkpoints/epoch_latest.pt → {exp}/out.log), else a typical warm level; null from scratch.
function warmStart(resumed, ownCheckpointDir) {
  if (resumed === undefined || /^\w+:\/\//.test(resumed)) return resumed === undefined ? null : typicalWarmStart;
  if (resolve(dirname(resumed)) === resolve(ownCheckpointDir)) return null;
  const log = join(dirname(dirname(resumed)), 'out.log');
  const last = lastTrainLine(log);
  if (last === null) return typicalWarmStart;
  const loss = /Loss: [\d.eE+-]+ \(([\d.eE+-]+)\)$/.exec(last);
  const scale = /Logit Scale: ([\d.]+) /.exec(last);
  if (!loss || !scale) return typicalWarmStart;
  return { loss: Number(loss[1]), logitScale: Number(scale[1]) };
}

const typicalWarmStart = { loss: 4.5, logitScale: 60 };

function lastTrainLine(path) {
  if (!existsSync(path)) return null;
  // The last 256 KiB is enough: a line is logged at least at every epoch's end (§2.2).
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').filter((l) => l.includes('| Train Epoch: '));
    return lines.length > 0 ? lines[lines.length - 1] : null;
  } finally {
    closeSync(fd);
  }
}

// Loss and logit scale over the run (progress 0…1). From scratch: from 8.3 down fast. Continuing: a small bump on the
// new data that decays, then a slow decrease below where the resumed run ended; the logit scale keeps growing.
function trainingCurve(start) {
  if (start === null) {
    return {
      loss: (p) => 8.3 * Math.exp(-1.4 * p),
      logitScale: (p) => Math.min(100, Math.exp(Math.log(1 / 0.07) + 0.6 * p)),
    };
  }
  const high = start.loss + 0.12;
  const low = Math.max(1.2, start.loss - 0.12);
  return {
    loss: (p) => low + (high - low) * (0.55 * Math.exp(-6 * p) + 0.45 * (1 - p)),
    logitScale: (p) => Math.min(100, start.logitScale + 2.5 * p),
  };
}

// OC scheduler.cosine_lr (§1.2).
function cosineLr(baseLr, warmup, totalSteps, step) {
  if (step < warmup) return (baseLr * (step + 1)) / warmup;
  const e = step - warmup;
  const es = Math.max(1, totalSteps - warmup);
  return 0.5 * (1 + Math.cos((Math.PI * e) / es)) * baseLr;
}

// Python's format(x, '#.{p}g'): p significant digits, trailing zeros kept, exponent below 1e-4 or from 10**p.
function altG(x, p) {
  if (x === 0) return (0).toFixed(p - 1);
  const [mantissa, expText] = x.toExponential(p - 1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= p) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return x.toFixed(p - 1 - exp);
}

// Python's f"{x:.0f}" rounds half to even.
function halfEven(x) {
  const f = Math.floor(x);
  if (x - f === 0.5) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}

// Python's repr(float) for the values written here (never integers, never below 1e-4).
function pyFloat(x) {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function hash(text) {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

function timestamp() {
  const d = new Date();
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())},${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function out(line) {
  process.stdout.write(`${line}\n`);
}

function checkpointSource(args) {
  const resume = args.resume && args.resume !== 'latest' ? resolve(args.resume) : null;
  return resume && existsSync(resume) ? resume : seedCheckpoint;
}

function copyOrWrite(fixture, target) {
  if (existsSync(fixture)) copyFileSync(fixture, target);
  else writeFileSync(target, `stand-in ${basename(target)}\n`);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

if (process.argv[2] === '--standin-worker') runWorker();
else await runTrainer();

// TiC Studio's mark of made-up numbers (contracts §9.3): written before anything else, so that a folder this
// stand-in wrote into is known as simulated wherever it goes. Only its presence counts; the text is for people.
function markSimulated(dir, writer) {
  const note = `The numbers in this folder were made up by ${writer}, the TiC Studio demo's stand-in; nothing was trained or evaluated.`;
  writeFileSync(join(dir, 'tic-studio-simulated.json'), `${JSON.stringify({ version: 1, writer, note }, null, 2)}\n`);
}
