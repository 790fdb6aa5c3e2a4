#!/usr/bin/env python3
"""A worker that misbehaves on purpose, for Sift's worker tests.

    python3 misbehave.py MODE

It answers `describe` properly (a 1x28x28 model and verifier, identity-like velocity v = -x, scores
= mean pixel), then on the first `velocity` or `score` request does what MODE says:

  good       answers correctly (the baseline)
  die        writes a line to stderr and exits with status 3
  garbage    writes bytes that are no message
  huge       announces a body of 2^63 bytes
  silent     never answers (Sift's timeout must stop it)
  wrong-id   answers with another id
  no-ok      answers without the `ok` field
  bad-shape  returns a tensor of the wrong shape (B, C*H*W)
  nan        returns NaN values
  error      answers ok: false with a message
  version    says it speaks protocol 2 in describe
  unconditional  answers correctly but has no null class (no guidance possible)
  slow       answers correctly after 0.3 s
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "adapters", "python"))
from sift_worker import read_message, write_message  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else "good"
out = sys.stdout.buffer
sys.stdout = sys.stderr


def answer(fields, tensors=None):
    write_message(out, fields, tensors)
    out.flush()


while True:
    message = read_message(sys.stdin.buffer)
    if message is None:
        break
    fields, tensors = message
    op, rid = fields.get("op"), fields.get("id")
    if op == "describe":
        answer({"id": rid, "ok": True, "protocol": 2 if MODE == "version" else 1, "name": "misbehave-" + MODE,
                "ops": ["velocity", "score"], "weights": None, "max_batch": 4, "sample_shape": [1, 28, 28],
                "image_shape": [1, 28, 28], "classes": 10, "null_class": None if MODE == "unconditional" else 10, "guidance": "sift",
                "flops_per_forward": None, "flops_per_image": 1000})
        continue
    if op == "shutdown":
        answer({"id": rid, "ok": True})
        break
    x = tensors.get("x", tensors.get("images"))
    n = x.shape[0]
    result = {"v": -x} if op == "velocity" else {"scores": x.reshape(n, -1).mean(axis=1)}
    if MODE == "die":
        sys.stderr.write("the model exploded\n")
        sys.stderr.flush()
        sys.exit(3)
    elif MODE == "garbage":
        out.write(b"\x10\x00\x00\x00\x00\x00\x00\x00this is no good!")
        out.flush()
    elif MODE == "huge":
        out.write((1 << 63).to_bytes(8, "little"))
        out.flush()
    elif MODE == "silent":
        time.sleep(3600)
    elif MODE == "wrong-id":
        answer({"id": rid + 1, "ok": True}, result)
    elif MODE == "no-ok":
        answer({"id": rid}, result)
    elif MODE == "bad-shape":
        answer({"id": rid, "ok": True}, {k: v.reshape(n, -1) for k, v in result.items()})
    elif MODE == "nan":
        answer({"id": rid, "ok": True}, {k: v * np.nan for k, v in result.items()})
    elif MODE == "error":
        answer({"id": rid, "ok": False, "error": "CUDA out of memory (pretend)"})
    else:
        if MODE == "slow":
            time.sleep(0.3)
        answer({"id": rid, "ok": True}, result)
