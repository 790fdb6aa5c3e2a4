#!/usr/bin/env python3
"""Sift worker: SiT in PyTorch (CPU or CUDA), from Sift's safetensors or official DiT/SiT weights.

    python3 adapters/python/torch_sit.py --weights Models/sit-s.safetensors [--device cuda]
    python3 adapters/python/torch_sit.py --weights SiT-XL-2-256.pt --heads 16

Official checkpoints (facebookresearch/DiT, willisma/SiT ``models.py`` names, a state dict
possibly under "ema" or "model", ``learn_sigma`` output halves) are mapped to Sift's layout by
``sift_worker.sit.sift_state_dict``. PyTorch is imported only when the script runs: without it
the script says so on stderr and exits with status 3.
"""
import argparse
import sys

import numpy as np

from sift_worker import claim_stdout, log, read_safetensors, serve
from sift_worker.sit import check_shapes, infer_config, position_table, sift_state_dict, timestep_features

EXIT_NO_TORCH = 3


def import_torch():
    """The torch module, or exit 3 with a message on stderr when it is not installed."""
    try:
        import torch
    except ImportError as error:
        print(f"torch_sit.py needs PyTorch ({error}); install it, e.g. `pip install torch`", file=sys.stderr)
        raise SystemExit(EXIT_NO_TORCH)
    return torch


def _unwrap(checkpoint, key):
    """The state dict inside a checkpoint: ``checkpoint[key]``, else "ema", "model", "state_dict"."""
    if key is not None:
        return checkpoint[key]
    for name in ("ema", "model", "state_dict", "module"):
        if isinstance(checkpoint.get(name), dict):
            return checkpoint[name]
    return checkpoint


def load_state(path, key=None):
    """``(tensors as float32 NumPy, metadata, model name or None)`` of a safetensors or torch file."""
    if path.endswith(".safetensors"):
        tensors, metadata = read_safetensors(path)
        return tensors, metadata, None
    torch = import_torch()
    try:  # SiT training checkpoints carry their argparse arguments next to the weights
        torch.serialization.add_safe_globals([argparse.Namespace])
    except AttributeError:
        pass
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    args = checkpoint.get("args") if isinstance(checkpoint, dict) else None
    model_name = getattr(args, "model", None) or (args.get("model") if isinstance(args, dict) else None)
    state = _unwrap(checkpoint, key)
    tensors = {name: value.detach().float().cpu().numpy() for name, value in state.items()
               if hasattr(value, "detach")}
    return tensors, {}, model_name


class TorchSiT:
    """The SiT forward pass of sift_worker.sit.NumpySiT, in PyTorch on ``device``."""

    def __init__(self, tensors, config, device="cpu"):
        self.torch = torch = import_torch()
        self.F = torch.nn.functional
        check_shapes(tensors, config)
        self.config, self.device = config, torch.device(device)
        self.w = {name: torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)).to(self.device)
                  for name, value in tensors.items()}
        positions = tensors["pos_embed"].reshape(config.tokens, config.width) if "pos_embed" in tensors \
            else position_table(config.width, config.grid)
        self.positions = torch.from_numpy(np.asarray(positions, dtype=np.float32)).to(self.device)

    def _linear(self, x, name):
        return self.F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _modulated_norm(self, x, shift, scale):
        return self.F.layer_norm(x, x.shape[-1:], eps=1e-6) * (1 + scale) + shift

    def __call__(self, x, t, labels):
        """Velocity (N, C, H, W) float32 NumPy at x (N, C, H, W), times t (N,), labels (N,)."""
        torch, F, c = self.torch, self.F, self.config
        n, g, p, d, heads = x.shape[0], c.grid, c.patch, c.width, c.heads
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(self.device)
            patches = x.reshape(n, c.channels, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(n, c.tokens, c.patch_values)
            h = F.linear(patches, self.w["x_embedder.proj.weight"].reshape(d, -1), self.w["x_embedder.proj.bias"])
            h = h + self.positions
            freq = torch.from_numpy(timestep_features(t, c.frequency_size)).to(self.device)
            temb = self._linear(F.silu(self._linear(freq, "t_embedder.mlp.0")), "t_embedder.mlp.2")
            label_ids = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(self.device)
            cond = F.silu(temb + self.w["y_embedder.embedding_table.weight"][label_ids])
            for i in range(c.depth):
                b = f"blocks.{i}."
                shift1, scale1, gate1, shift2, scale2, gate2 = \
                    self._linear(cond, b + "adaLN_modulation.1").unsqueeze(1).chunk(6, dim=2)
                qkv = self._linear(self._modulated_norm(h, shift1, scale1), b + "attn.qkv")
                q, k, v = qkv.reshape(n, c.tokens, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
                attended = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, c.tokens, d)
                h = h + gate1 * self._linear(attended, b + "attn.proj")
                hidden = F.gelu(self._linear(self._modulated_norm(h, shift2, scale2), b + "mlp.fc1"), approximate="tanh")
                h = h + gate2 * self._linear(hidden, b + "mlp.fc2")
            shift, scale = self._linear(cond, "final_layer.adaLN_modulation.1").unsqueeze(1).chunk(2, dim=2)
            out = self._linear(self._modulated_norm(h, shift, scale), "final_layer.linear")
            out = out.reshape(n, g, g, p, p, c.channels).permute(0, 5, 1, 3, 2, 4)
            return out.reshape(n, c.channels, c.image_size, c.image_size).float().cpu().numpy()


def load_torch_sit(path, device="cpu", heads=None, image_size=None, key=None):
    """A TorchSiT from a Sift safetensors file or an official DiT/SiT checkpoint."""
    raw, metadata, model_name = load_state(path, key)
    tensors = sift_state_dict(raw)
    config = infer_config(tensors, metadata, heads=heads, image_size=image_size, model_name=model_name)
    return TorchSiT(tensors, config, device)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="Models/sit-s.safetensors", help=".safetensors, .pt or .pth")
    parser.add_argument("--device", help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("--heads", type=int, help="attention heads, when the file does not tell")
    parser.add_argument("--image-size", type=int, help="sample side in the model's space, when the file does not tell")
    parser.add_argument("--key", help="checkpoint entry holding the state dict (default: ema, model, state_dict)")
    parser.add_argument("--max-batch", type=int, default=256)
    parser.add_argument("--threads", type=int, help="CPU threads for torch")
    args = parser.parse_args()
    protocol_out = claim_stdout()  # stray prints while loading must not reach Sift
    torch = import_torch()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        model = load_torch_sit(args.weights, device, args.heads, args.image_size, args.key)
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        log(f"cannot load SiT weights {args.weights}: {error}")
        return 2
    c = model.config
    log(f"{c} on {device}")
    describe = {"name": "torch-" + c.name, "weights": args.weights, "max_batch": args.max_batch,
                "sample_shape": [c.channels, c.image_size, c.image_size], "classes": c.classes,
                "null_class": c.null_class, "guidance": "sift", "flops_per_forward": c.forward_flops,
                "gradients": True}
    return serve(describe, stdout=protocol_out, velocity=lambda x, t, labels, guidance: model(x, t, labels))


if __name__ == "__main__":
    raise SystemExit(main())
