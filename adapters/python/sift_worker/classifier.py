"""Sift's ``clf-mlp`` verifier in NumPy: 784 → 256 → 128 → 10 with ReLU (Classifier.swift).

Images (N, 1, 28, 28) in [-1, 1] are flattened in C order and fed as they are (no rescaling).
The features are the 128 ReLU outputs of the second layer; the logits are the third layer's.
"""
import numpy as np

LAYERS = ("fc1", "fc2", "fc3")


class NumpyMLPClassifier:
    """Features and class logits of an MLP classifier with Sift's ``fc1``…``fc3`` tensors."""

    def __init__(self, tensors, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        self.layers = []
        width = None
        for name in LAYERS:
            for part in ("weight", "bias"):
                if f"{name}.{part}" not in tensors:
                    raise ValueError(f"weights lack {name}.{part}: not an MLP classifier")
            weight, bias = tensors[name + ".weight"], tensors[name + ".bias"]
            if weight.ndim != 2 or bias.shape != weight.shape[:1] or (width is not None and weight.shape[1] != width):
                raise ValueError(f"{name}: weight {list(weight.shape)} and bias {list(bias.shape)} do not chain")
            width = weight.shape[0]
            self.layers.append((np.ascontiguousarray(weight.T, dtype=self.dtype), bias.astype(self.dtype)))
        self.input_size = self.layers[0][0].shape[0]
        self.feature_dimension = self.layers[1][0].shape[1]
        self.classes = self.layers[2][0].shape[1]

    @property
    def forward_flops(self):
        """FLOPs per image: 2 × the multiply-accumulates of the three matrix products."""
        return 2 * sum(w.shape[0] * w.shape[1] for w, _ in self.layers)

    def forward(self, images):
        """``(features (N, F), logits (N, classes))`` as float32, for images (N, C, H, W)."""
        x = np.asarray(images, dtype=self.dtype).reshape(len(images), -1)
        if x.shape[1] != self.input_size:
            raise ValueError(f"images of {x.shape[1]} values, the classifier takes {self.input_size}")
        (w1, b1), (w2, b2), (w3, b3) = self.layers
        hidden = np.maximum(x @ w1 + b1, 0)
        features = np.maximum(hidden @ w2 + b2, 0)
        logits = features @ w3 + b3
        return features.astype(np.float32), logits.astype(np.float32)

    def class_logits(self, images, labels):
        """The logit of each image's own label (Sift's ClassLogitVerifier score)."""
        logits = self.forward(images)[1]
        return logits[np.arange(len(logits)), np.asarray(labels, dtype=np.int64)]
