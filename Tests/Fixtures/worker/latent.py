#!/usr/bin/env python3
"""A latent model worker for Sift's tests: samples of shape (4, 14, 14), decoded to 1x28x28 images.

velocity: v = -x (a fixed, cheap field; search still has candidates to choose from);
decode:   depth-to-space of the 4 channels into 2x2 pixel blocks, then tanh into [-1, 1].
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "adapters", "python"))
from sift_worker import claim_stdout, serve  # noqa: E402


def decode(x):
    b = x.shape[0]
    blocks = x.reshape(b, 2, 2, 14, 14).transpose(0, 3, 1, 4, 2)  # (B, 14, 2, 14, 2)
    return np.tanh(blocks.reshape(b, 1, 28, 28)).astype(np.float32)


out = claim_stdout()
raise SystemExit(serve({"name": "latent-test", "max_batch": 64, "sample_shape": [4, 14, 14], "image_shape": [1, 28, 28],
                        "classes": 10, "null_class": 10, "guidance": "sift", "flops_per_forward": 1000},
                       velocity=lambda x, t, labels, guidance: -x, decode=decode, stdout=out))
