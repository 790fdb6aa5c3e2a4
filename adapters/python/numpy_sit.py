#!/usr/bin/env python3
"""Sift worker: Sift's SiT in NumPy (velocity), from Sift's (or DiT-named) safetensors weights.

    python3 adapters/python/numpy_sit.py --weights Models/sit-s.safetensors
"""
import argparse

import numpy as np

from sift_worker import claim_stdout, log, serve
from sift_worker.sit import load_numpy_sit


def describe_sit(config, weights, max_batch):
    """Describe fields of a SiT worker with Sift-side classifier-free guidance."""
    return {"name": config.name, "weights": weights, "max_batch": max_batch,
            "sample_shape": [config.channels, config.image_size, config.image_size],
            "classes": config.classes, "null_class": config.null_class, "guidance": "sift",
            "flops_per_forward": config.forward_flops, "gradients": False}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="Models/sit-s.safetensors", help="safetensors file")
    parser.add_argument("--heads", type=int, help="attention heads, when the file does not tell")
    parser.add_argument("--image-size", type=int, help="image side, when the file does not tell (28)")
    parser.add_argument("--max-batch", type=int, default=256)
    parser.add_argument("--float64", action="store_true", help="compute in float64 (slower)")
    args = parser.parse_args()
    protocol_out = claim_stdout()  # stray prints while loading must not reach Sift
    try:
        model = load_numpy_sit(args.weights, heads=args.heads, image_size=args.image_size,
                               dtype=np.float64 if args.float64 else np.float32)
    except (OSError, ValueError, KeyError) as error:
        log(f"cannot load SiT weights {args.weights}: {error}")
        return 2
    describe = describe_sit(model.config, args.weights, args.max_batch)
    describe["name"] = "numpy-" + describe["name"]
    return serve(describe, stdout=protocol_out, velocity=lambda x, t, labels, guidance: model(x, t, labels))


if __name__ == "__main__":
    raise SystemExit(main())
