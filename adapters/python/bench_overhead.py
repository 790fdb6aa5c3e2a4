#!/usr/bin/env python3
"""How much of a velocity request is the model and how much the protocol (framing, checks, pipes).

    python3 adapters/python/bench_overhead.py [--weights Models/sit-s.safetensors] [--batch 256]

Times, per request (median over rounds, each round `--requests` requests):
  compute   the NumPy SiT alone on the request's arrays;
  serve     the whole serve() loop over in-memory streams (decode request, checks, model,
            checks, encode response);
  framing   the same loop with an identity model (framing and checks only);
  process   a numpy_sit.py child over OS pipes, this side encoding requests and decoding
            responses in Python as Sift does in Swift;
  pipes     the same with an identity child (framing on both sides and the pipe copies).
"""
import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from sift_worker import read_message, serve, write_message
from sift_worker.sit import load_numpy_sit

HERE = os.path.dirname(os.path.abspath(__file__))
IDENTITY_WORKER = ("import sys; sys.path.insert(0, {here!r}); from sift_worker import serve; "
                   "serve({{'sample_shape': [1, 28, 28]}}, velocity=lambda x, t, y, g: x)")


def make_requests(batch, count, seed=0):
    rng = np.random.default_rng(seed)
    return [({"op": "velocity", "id": i, "labels": rng.integers(0, 11, batch).tolist()},
             {"x": rng.standard_normal((batch, 1, 28, 28)).astype(np.float32),
              "t": rng.random(batch).astype(np.float32)}) for i in range(count)]


def encoded(requests):
    stream = io.BytesIO()
    for fields, tensors in requests:
        write_message(stream, fields, tensors)
    return stream.getvalue()


def time_serve(describe, velocity, wire):
    stdout = io.BytesIO()
    with contextlib.redirect_stderr(io.StringIO()):
        start = time.perf_counter()
        serve(describe, velocity=velocity, stdin=io.BytesIO(wire), stdout=stdout)
    return time.perf_counter() - start


def time_process(command, requests):
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    write_message(child.stdin, {"op": "describe", "id": -1, "protocol": 1})
    child.stdin.flush()
    read_message(child.stdout)
    start = time.perf_counter()
    for fields, tensors in requests:
        write_message(child.stdin, fields, tensors)
        child.stdin.flush()
        response, _ = read_message(child.stdout)
        assert response["ok"], response
    elapsed = time.perf_counter() - start
    child.stdin.close()
    child.wait()
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="Models/sit-s.safetensors")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = load_numpy_sit(args.weights)
    describe = {"name": "bench", "sample_shape": [1, 28, 28], "classes": 10, "null_class": 10}
    requests = make_requests(args.batch, args.requests)
    wire = encoded(requests)
    model(requests[0][1]["x"], requests[0][1]["t"], np.array(requests[0][0]["labels"]))  # warm-up
    times = {"compute": [], "serve": [], "framing": [], "process": [], "pipes": []}
    sit_worker = [sys.executable, os.path.join(HERE, "numpy_sit.py"), "--weights", args.weights]
    identity_worker = [sys.executable, "-c", IDENTITY_WORKER.format(here=HERE)]
    for _ in range(args.rounds):
        start = time.perf_counter()
        for fields, tensors in requests:
            model(tensors["x"], tensors["t"], np.array(fields["labels"]))
        times["compute"].append(time.perf_counter() - start)
        times["serve"].append(time_serve(describe, lambda x, t, y, g: model(x, t, y), wire))
        times["framing"].append(time_serve(describe, lambda x, t, y, g: x, wire))
        times["process"].append(time_process(sit_worker, requests))
        times["pipes"].append(time_process(identity_worker, requests))
    per = {k: statistics.median(v) / args.requests * 1000 for k, v in times.items()}
    print(f"batch {args.batch}, {args.requests} requests x {args.rounds} rounds, "
          f"request {len(wire) // args.requests / 1e6:.2f} MB; ms per request (median):")
    for name, ms in per.items():
        print(f"  {name:8} {ms:8.2f}")
    print(f"  framing share of a request: in the worker {per['framing'] / per['serve']:.2%} (framing / serve), "
          f"round trip over pipes {per['pipes'] / per['process']:.2%} (pipes / process)")


if __name__ == "__main__":
    main()
