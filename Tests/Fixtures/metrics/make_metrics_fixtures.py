#!/usr/bin/env python3
"""Reference values for SiftMetricsTests, computed with numpy/scipy on fixture features.

Run from this folder: python3 make_metrics_fixtures.py  (numpy, scipy). Writes the .npy feature
files and expected.json. FID uses scipy.linalg.sqrtm (pytorch-fid's path), IS the TTUR split
rule on log-softmax probabilities, KID torch-fidelity's unbiased estimator on given subset
indices, precision/recall Kynkäänniemi et al.'s squared-distance manifold test (k = 3, <=).
"""
import json
import numpy as np
import scipy.linalg
from scipy.special import log_softmax

rng = np.random.RandomState(1234)
D = 16
# Two correlated Gaussian feature sets with different means and covariances.
mix_a = rng.randn(D, D) * 0.5 + np.eye(D)
mix_b = rng.randn(D, D) * 0.4 + np.eye(D) * 1.2
real = rng.randn(400, D) @ mix_a
fake = rng.randn(300, D) @ mix_b + 0.3
small = rng.randn(10, D) @ mix_b            # fewer rows than dimensions: rank-deficient covariance
logits = rng.randn(500, 10) * 2.5 + np.linspace(-1, 1, 10)
for name, arr in [("real", real), ("fake", fake), ("small", small)]:
    np.save(f"{name}.npy", arr.astype(np.float64))
np.save("logits.npy", logits.astype(np.float64))
np.save("real_f32.npy", real.astype(np.float32))


def fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean, _ = scipy.linalg.sqrtm(s1 @ s2, disp=False)
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def inception_score(l, splits):
    logp = log_softmax(l.astype(np.float64), axis=1)
    p = np.exp(logp)
    n = len(l)
    scores = []
    for s in range(splits):
        part_p, part_lp = p[s * n // splits:(s + 1) * n // splits], logp[s * n // splits:(s + 1) * n // splits]
        q = part_p.mean(0)
        kl = (part_p * (part_lp - np.log(q))).sum(1).mean()
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def mmd2(x, y):
    d = x.shape[1]
    k = lambda a, b: (a @ b.T / d + 1) ** 3
    m = len(x)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return float(((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.sum() / m ** 2)


def sq_dist(a, b):
    return np.maximum((a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :], 0)


def precision_recall(real, fake, k=3):
    r_real = np.partition(sq_dist(real, real), k, axis=1)[:, k]
    r_fake = np.partition(sq_dist(fake, fake), k, axis=1)[:, k]
    precision = (sq_dist(fake, real) <= r_real[None, :]).any(1).mean()
    recall = (sq_dist(real, fake) <= r_fake[None, :]).any(1).mean()
    return float(precision), float(recall), int((sq_dist(fake, real) <= r_real[None, :]).any(1).sum())


subset_rng = np.random.RandomState(2020)
subsets = []
for _ in range(5):
    subsets.append([subset_rng.choice(len(real), 100, replace=False).tolist(),
                    subset_rng.choice(len(fake), 100, replace=False).tolist()])
mmds = [mmd2(real[a], fake[b]) for a, b in subsets]
p, r, inside = precision_recall(real, fake)
expected = {
    "fid_real_fake": fid(real, fake),
    "fid_small_real": fid(small, real),
    "fid_real_f32_fake": fid(np.load("real_f32.npy").astype(np.float64), fake),
    "is_logits_10": inception_score(logits, 10),
    "is_logits_3": inception_score(logits, 3),
    "kid_full_300": mmd2(real[:300], fake),
    "kid_subsets": {"indices": subsets, "mmd2": mmds, "mean": float(np.mean(mmds)), "std": float(np.std(mmds))},
    "precision_recall_k3": {"precision": p, "recall": r, "fake_inside": inside},
    "precision_recall_k5": list(precision_recall(real, fake, 5)[:2]),
}
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1)
print(json.dumps({k: v for k, v in expected.items() if k != "kid_subsets"}, indent=1))
