#!/usr/bin/env python3
"""The peer of bench/logParserBench.mjs: a plain line-by-line Python parser of OpenCLIP's out.log.

    /usr/bin/python3 bench/logParserPeer.py FILE

It reads FILE in text mode (UTF-8, errors replaced), line by line, and for every line does what TiC Studio's parser
does with it: recognises the logger prefix with a regex, turns each `Train Epoch` line into a dict of floats
(the regex suggested by docs/contracts.md §2.2, losses with the pair regex), each `Eval Epoch` line into its
metrics, and counts resume / start lines. It prints one JSON line: seconds spent parsing (time.perf_counter, after
imports) and CPU seconds (time.process_time), bytes, lines, train steps, eval lines, and checksums the benchmark
compares with TiC Studio's.
"""

import json
import os
import re
import resource
import sys
import time

PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2}) \| (\w+) \| (.*)$")
TRAIN = re.compile(
    r"^Train Epoch: (\d+) \[\s*(\d+)/(\d+) \((\d+)%\)\] Data \(t\): ([\d.]+) Batch \(t\): ([\d.]+), "
    r"([\d.eE+-]+)/s, ([\d.eE+-]+)/s/gpu LR: ([\d.eE+-]+) Logit Scale: ([\d.]+) (.*)$"
)
LOSS = re.compile(r"(\w+): ([\d.eE+-]+|-?inf|nan) \(([\d.eE+-]+|-?inf|nan)\)")
EVAL = re.compile(r"^Eval Epoch: (\d+) (.*)$")
RESUME = re.compile(r"^=> (resuming|loaded) checkpoint '(.*)' \(epoch (\d+)\)$")


def main(path: str) -> None:
    steps = 0
    evals = 0
    lines = 0
    other = 0
    loss_sum = 0.0
    samples_sum = 0
    lr_sum = 0.0
    started = time.perf_counter()
    cpu_started = time.process_time()
    with open(path, "r", encoding="utf-8", errors="replace", newline="") as f:
        for raw in f:
            lines += 1
            line = raw.rstrip("\r\n")
            m = PREFIX.match(line)
            if m is None:
                continue
            timestamp, level, message = m.group(1), m.group(2), m.group(3)
            if message.startswith("Train Epoch: "):
                t = TRAIN.match(message)
                if t is None:
                    continue
                losses = {}
                for name, value, avg in LOSS.findall(t.group(11)):
                    losses[name.lower()] = {"value": float(value), "avg": float(avg)}
                step = {
                    "timestamp": timestamp,
                    "epoch": int(t.group(1)),
                    "samples_seen": int(t.group(2)),
                    "samples_per_epoch": int(t.group(3)),
                    "percent": int(t.group(4)),
                    "data_time": float(t.group(5)),
                    "batch_time": float(t.group(6)),
                    "samples_per_second": float(t.group(7)),
                    "samples_per_second_per_gpu": float(t.group(8)),
                    "lr": float(t.group(9)),
                    "logit_scale": float(t.group(10)),
                    "losses": losses,
                }
                steps += 1
                loss_sum += step["losses"]["loss"]["value"]
                samples_sum += step["samples_seen"]
                lr_sum += step["lr"]
            elif message.startswith("Eval Epoch: "):
                e = EVAL.match(message)
                if e is None:
                    continue
                metrics = {}
                for part in e.group(2).split("\t"):
                    k, _, v = part.rpartition(": ")
                    metrics[k] = float(v)
                evals += 1
            elif message.startswith("=> "):
                if RESUME.match(message):
                    other += 1
            else:
                other += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpuSeconds": cpu,
                "bytes": os.path.getsize(path),
                "lines": lines,
                "steps": steps,
                "evals": evals,
                "lossSum": loss_sum,
                "samplesSum": samples_sum,
                "lrSum": lr_sum,
                "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
