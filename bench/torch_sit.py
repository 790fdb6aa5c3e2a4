#!/usr/bin/env python3
"""Sift against PyTorch on the same SiT configurations, measured side by side.

The same architecture as Sift's SiT (adaLN-Zero DiT blocks on 7x7 patches of a 28x28 image,
sin-cos positions, a frequency-256 time MLP, a label table with a null class, LayerNorm without
affine, tanh-GELU MLP), randomly initialised, in eval mode under torch.no_grad for inference, and
a flow-matching training step (forward, MSE, backward, AdamW, EMA) at batch 64. Each round runs
`sift bench model` and the PyTorch measurement of the same model and batch one after the other
(alternating which goes first), so both see the same machine state; the table gives the median
over rounds and the ratio Sift / PyTorch.

Optional: needs `pip install torch` (CPU wheel); never part of the tests or a dependency of Sift.
Run `make bench-torch` (or `python3 bench/torch_sit.py --sift .build/release/sift`).
"""
import argparse
import math
import platform
import re
import statistics
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {"sit-s": (4, 96, 4), "sit-b": (6, 128, 4), "sit-l": (8, 160, 5)}  # depth, width, heads
PATCH, IMAGE, CLASSES, MLP_RATIO, FREQUENCY = 4, 28, 10, 4, 256


def positions(width, grid):
    """2-D sin-cos position table [grid*grid, width] (fixed, as in DiT)."""
    def one(dim, coords):
        omega = 1.0 / 10000 ** (torch.arange(dim // 2, dtype=torch.float64) / (dim / 2))
        out = coords.reshape(-1, 1).double() * omega
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)
    ys, xs = torch.meshgrid(torch.arange(grid), torch.arange(grid), indexing="ij")
    return torch.cat([one(width // 2, ys), one(width // 2, xs)], dim=1).float()


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.fc1 = nn.Linear(width, MLP_RATIO * width)
        self.fc2 = nn.Linear(MLP_RATIO * width, width)
        self.ada = nn.Linear(width, 6 * width)

    def forward(self, x, c):
        b, n, d = x.shape
        s1, g1, a1, s2, g2, a2 = self.ada(F.silu(c)).unsqueeze(1).chunk(6, dim=2)
        h = F.layer_norm(x, (d,)) * (1 + g1) + s1
        q, k, v = self.qkv(h).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        h = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, d)
        x = x + a1 * self.proj(h)
        h = F.layer_norm(x, (d,)) * (1 + g2) + s2
        return x + a2 * self.fc2(F.gelu(self.fc1(h), approximate="tanh"))


class SiT(nn.Module):
    def __init__(self, depth, width, heads):
        super().__init__()
        self.grid = IMAGE // PATCH
        self.patch = nn.Linear(PATCH * PATCH, width)
        self.register_buffer("pos", positions(width, self.grid))
        self.t1, self.t2 = nn.Linear(FREQUENCY, width), nn.Linear(width, width)
        self.labels = nn.Embedding(CLASSES + 1, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(depth))
        self.final_ada = nn.Linear(width, 2 * width)
        self.final = nn.Linear(width, PATCH * PATCH)

    def forward(self, x, t, y):
        b, g, p = x.shape[0], self.grid, PATCH
        tokens = x.reshape(b, 1, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, p * p)
        h = self.patch(tokens) + self.pos
        half = FREQUENCY // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None] * freqs[None]
        c = self.t2(F.silu(self.t1(torch.cat([torch.cos(args), torch.sin(args)], dim=1)))) + self.labels(y)
        for block in self.blocks:
            h = block(h, c)
        shift, scale = self.final_ada(F.silu(c)).unsqueeze(1).chunk(2, dim=2)
        out = self.final(F.layer_norm(h, (h.shape[-1],)) * (1 + scale) + shift)
        return out.reshape(b, g, g, 1, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, 1, IMAGE, IMAGE)


def median_seconds(fn, seconds):
    """Median seconds of one call, over repeated calls for at least `seconds` (after a warm-up)."""
    fn()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def make(name):
    torch.manual_seed(1)
    model = SiT(*CONFIGS[name])
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.02)  # no zero-initialised (skippable) work, as `sift bench` randomises
    return model


def torch_inference(name, batch, seconds):
    model = make(name).eval()
    x, t, y = torch.randn(batch, 1, IMAGE, IMAGE), torch.rand(batch), torch.arange(batch) % (CLASSES + 1)
    with torch.no_grad():
        return batch / median_seconds(lambda: model(x, t, y), seconds)


def torch_training(name, seconds):
    model = make(name).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0)
    ema = [p.detach().clone() for p in model.parameters()]
    x, target = torch.randn(64, 1, IMAGE, IMAGE), torch.randn(64, 1, IMAGE, IMAGE)
    t, y = torch.rand(64), torch.arange(64) % (CLASSES + 1)

    def step():
        opt.zero_grad(set_to_none=False)
        F.mse_loss(model(x, t, y), target).backward()
        opt.step()
        with torch.no_grad():
            torch._foreach_mul_(ema, 0.9999)
            torch._foreach_add_(ema, [p.detach() for p in model.parameters()], alpha=1e-4)
    return median_seconds(step, max(seconds, 2))


def sift_value(sift, args, column):
    """One number of `sift bench model`'s table (the row's `column`)."""
    out = subprocess.run([sift, "bench", "model"] + args, check=True, capture_output=True, text=True).stdout.splitlines()
    # The table: a header, a rule of dashes whose runs give each column's span, then the rows.
    rule = next(i for i, l in enumerate(out) if l.strip() and set(l.strip()) <= set("- "))
    spans = [m.span() for m in re.finditer(r"-+", out[rule])]
    header = [out[rule - 1][a:b].strip() for a, b in spans]
    a, b = spans[header.index(column)]
    return float(out[-1][a:b].strip().replace(",", ""))


def machine():
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sift", default=".build/release/sift")
    parser.add_argument("--models", default="sit-s,sit-b,sit-l")
    parser.add_argument("--batches", default="1,64,256")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-training", action="store_true")
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    models, batches = a.models.split(","), [int(b) for b in a.batches.split(",")]
    common = ["--threads", str(a.threads), "--seconds", str(a.seconds)]
    results = {}
    for r in range(a.rounds):
        for name in models:
            for b in batches:
                runs = [("sift", lambda: sift_value(a.sift, ["--models", name, "--batches", str(b), "--inference-only"] + common, "NFE/s")),
                        ("torch", lambda: torch_inference(name, b, a.seconds))]
                for who, fn in (runs if r % 2 == 0 else runs[::-1]):
                    results.setdefault((name, f"b{b}", who), []).append(fn())
            if not a.no_training:
                runs = [("sift", lambda: sift_value(a.sift, ["--models", name, "--train-only"] + common, "train s/step (b64)")),
                        ("torch", lambda: torch_training(name, a.seconds))]
                for who, fn in (runs if r % 2 == 0 else runs[::-1]):
                    results.setdefault((name, "train", who), []).append(fn())
    print(f"{machine()}, {a.threads} threads; PyTorch {torch.__version__}; medians of {a.rounds} interleaved rounds")
    print(f"{'model':8} {'measure':10} {'Sift':>12} {'PyTorch':>12} {'ratio':>7}")
    for name in models:
        for what in [f"b{b}" for b in batches] + ([] if a.no_training else ["train"]):
            s, t = statistics.median(results[(name, what, "sift")]), statistics.median(results[(name, what, "torch")])
            # NFE/s: higher is better; training s/step: lower is better. Ratio > 1: Sift faster.
            ratio = s / t if what != "train" else t / s
            unit = "NFE/s" if what != "train" else "s/step"
            print(f"{name:8} {what + ' ' + unit:10} {s:12.4g} {t:12.4g} {ratio:6.2f}x")


if __name__ == "__main__":
    main()
