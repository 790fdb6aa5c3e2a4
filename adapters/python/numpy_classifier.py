#!/usr/bin/env python3
"""Sift worker: the clf-mlp verifier in NumPy (score = the label's logit, features = 128-d).

    python3 adapters/python/numpy_classifier.py --weights Models/clf-mlp.safetensors
"""
import argparse

from sift_worker import claim_stdout, log, read_safetensors, serve
from sift_worker.classifier import NumpyMLPClassifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="Models/clf-mlp.safetensors", help="safetensors file (fc1…fc3)")
    parser.add_argument("--role", choices=["both", "score", "features"], default="both",
                        help="operations to serve (default: score and features)")
    parser.add_argument("--max-batch", type=int, default=256)
    args = parser.parse_args()
    protocol_out = claim_stdout()  # stray prints while loading must not reach Sift
    try:
        tensors, metadata = read_safetensors(args.weights)
        model = NumpyMLPClassifier(tensors)
    except (OSError, ValueError) as error:
        log(f"cannot load classifier weights {args.weights}: {error}")
        return 2
    describe = {"name": "numpy-" + metadata.get("model", "clf-mlp"), "weights": args.weights,
                "max_batch": args.max_batch, "image_shape": [1, 28, 28], "classes": model.classes,
                "flops_per_image": model.forward_flops, "feature_dimension": model.feature_dimension,
                "gradients": False}
    score = model.class_logits if args.role in ("both", "score") else None
    features = (lambda images: model.forward(images)[0]) if args.role in ("both", "features") else None
    return serve(describe, stdout=protocol_out, score=score, features=features)


if __name__ == "__main__":
    raise SystemExit(main())
