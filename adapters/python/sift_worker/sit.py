"""Sift's SiT (a flow-matching DiT with adaLN-Zero blocks) in NumPy, plus its configuration.

The math follows Sift's ``SiftModels.SiT`` (DiT/SiT ``models.py`` with ``learn_sigma = False``):
conv patch embedding, fixed 2-D sin-cos positions (column index first), timestep features
``[cos, sin]`` of the raw time t in [0, 1], a label table whose last row is the null class,
LayerNorm without affine (eps 1e-6), tanh-GELU MLP, and the final adaLN layer. Tensor names are
DiT's ``state_dict`` names, which Sift also uses; official checkpoints (``pos_embed``,
``learn_sigma``, ``module.`` prefixes) are mapped by :func:`sift_state_dict`.
"""
import dataclasses
import json
import math

import numpy as np

#: Sift's zoo: name -> (depth, width, heads), as in SiTConfig.zoo.
SIFT_ZOO = {"sit-s": (4, 96, 4), "sit-b": (6, 128, 4), "sit-l": (8, 160, 5)}

#: Heads of the official DiT/SiT sizes, by (depth, width).
OFFICIAL_HEADS = {(12, 384): 6, (12, 768): 12, (24, 1024): 16, (28, 1152): 16}

#: Heads of the official sizes by the size letter of a model name such as "SiT-XL/2".
OFFICIAL_HEADS_BY_SIZE = {"S": 6, "B": 12, "L": 16, "XL": 16}

_BLOCK_LAYERS = ("attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2", "adaLN_modulation.1")


@dataclasses.dataclass
class SiTConfig:
    """Architecture of a SiT, with Sift's defaults (SiTConfig.swift)."""
    depth: int
    width: int
    heads: int
    patch: int = 4
    image_size: int = 28
    channels: int = 1
    classes: int = 10
    mlp_ratio: int = 4
    frequency_size: int = 256
    name: str = "sit"

    @property
    def grid(self):
        return self.image_size // self.patch

    @property
    def tokens(self):
        return self.grid * self.grid

    @property
    def hidden(self):
        return self.mlp_ratio * self.width

    @property
    def patch_values(self):
        return self.patch * self.patch * self.channels

    @property
    def null_class(self):
        """The label of the unconditional pass (the label table's last row)."""
        return self.classes

    @property
    def forward_macs(self):
        """Multiply-accumulates of one forward pass for one sample, as SiTConfig.forwardMACs:
        every matrix product (linear layers, patch embedding, QKᵀ and PV), no elementwise work."""
        d, t, h = self.width, self.tokens, self.hidden
        per_block = t * (3 * d * d + d * d + d * h + h * d) + 2 * t * t * d + d * 6 * d
        embed = t * self.patch_values * d + self.frequency_size * d + d * d
        final = d * 2 * d + t * d * self.patch_values
        return self.depth * per_block + embed + final

    @property
    def forward_flops(self):
        """FLOPs (2 per multiply-accumulate) of one forward pass for one sample."""
        return 2 * self.forward_macs

    def validation_error(self):
        """The reason this configuration is unusable, or None (SiTConfig.validationError)."""
        if self.depth < 1 or self.width < 4 or self.heads < 1:
            return "depth, width and heads must be positive"
        if self.width % self.heads:
            return f"width {self.width} is not divisible by heads {self.heads}"
        if self.width % 4:
            return f"width {self.width} must be divisible by 4 (2-D sin-cos positions)"
        if self.patch < 1 or self.image_size % self.patch:
            return f"image size {self.image_size} is not divisible by patch {self.patch}"
        if self.frequency_size < 2 or self.frequency_size % 2:
            return "frequency size must be even and at least 2"
        return None

    def shapes(self):
        """Expected shape of every parameter, by DiT/Sift name."""
        d, hid, pv = self.width, self.hidden, self.patch_values
        s = {"x_embedder.proj.weight": (d, self.channels, self.patch, self.patch), "x_embedder.proj.bias": (d,),
             "t_embedder.mlp.0.weight": (d, self.frequency_size), "t_embedder.mlp.0.bias": (d,),
             "t_embedder.mlp.2.weight": (d, d), "t_embedder.mlp.2.bias": (d,),
             "y_embedder.embedding_table.weight": (self.classes + 1, d),
             "final_layer.adaLN_modulation.1.weight": (2 * d, d), "final_layer.adaLN_modulation.1.bias": (2 * d,),
             "final_layer.linear.weight": (pv, d), "final_layer.linear.bias": (pv,)}
        outs = {"attn.qkv": (3 * d, d), "attn.proj": (d, d), "mlp.fc1": (hid, d),
                "mlp.fc2": (d, hid), "adaLN_modulation.1": (6 * d, d)}
        for i in range(self.depth):
            for layer, (o, k) in outs.items():
                s[f"blocks.{i}.{layer}.weight"] = (o, k)
                s[f"blocks.{i}.{layer}.bias"] = (o,)
        return s


def _config_from_metadata(text):
    """A SiTConfig from Sift's ``config`` metadata (SiTConfig as JSON, camelCase keys)."""
    raw = json.loads(text)
    keys = {"imageSize": "image_size", "mlpRatio": "mlp_ratio", "frequencySize": "frequency_size"}
    known = {f.name for f in dataclasses.fields(SiTConfig)}
    values = {keys.get(k, k): v for k, v in raw.items()}
    return SiTConfig(**{k: v for k, v in values.items() if k in known})


def _depth(tensors):
    return len({k.split(".")[1] for k in tensors if k.startswith("blocks.")})


def infer_config(tensors, metadata=None, heads=None, image_size=None, model_name=None):
    """The SiTConfig of a (Sift-named) state dict.

    In order: Sift's ``config`` metadata; the zoo entry named by the ``model`` metadata; the zoo
    entry with this width and depth; else every size from the tensor shapes, with ``heads`` from
    the argument, an official model name ("SiT-XL/2") or the official sizes. ``heads`` and
    ``image_size`` given explicitly override. Raises ValueError when heads cannot be told.
    """
    metadata = metadata or {}
    if "config" in metadata:
        config = _config_from_metadata(metadata["config"])
    else:
        width = tensors["x_embedder.proj.weight"].shape[0]
        depth = _depth(tensors)
        zoo = SIFT_ZOO.get(metadata.get("model", ""))
        name = metadata.get("model", "")
        if zoo is None:
            name, zoo = next(((n, z) for n, z in SIFT_ZOO.items() if z[:2] == (depth, width)), ("", None))
        if zoo is not None and heads is None and image_size is None:
            config = SiTConfig(depth=zoo[0], width=zoo[1], heads=zoo[2], name=name)
        else:
            config = _config_from_shapes(tensors, depth, width, heads or (zoo[2] if zoo else None),
                                         image_size, model_name)
    if heads is not None:
        config.heads = heads
    if image_size is not None:
        config.image_size = image_size
    problem = config.validation_error()
    if problem:
        raise ValueError(f"SiT configuration {config}: {problem}")
    return config


def _config_from_shapes(tensors, depth, width, heads, image_size, model_name):
    """A SiTConfig read off tensor shapes (heads and image size cannot be, without help)."""
    _, channels, patch, _ = tensors["x_embedder.proj.weight"].shape
    if heads is None and model_name:
        size = model_name.split("-")[-1].split("/")[0].upper()
        heads = OFFICIAL_HEADS_BY_SIZE.get(size)
    heads = heads or OFFICIAL_HEADS.get((depth, width))
    if heads is None:
        raise ValueError(f"cannot tell the number of attention heads of a SiT of depth {depth} and "
                         f"width {width}: pass --heads")
    if image_size is None:
        image_size = 28
        if "pos_embed" in tensors:
            image_size = math.isqrt(tensors["pos_embed"].shape[-2]) * patch
    return SiTConfig(depth=depth, width=width, heads=heads, patch=patch, image_size=image_size,
                     channels=channels, classes=tensors["y_embedder.embedding_table.weight"].shape[0] - 1,
                     mlp_ratio=tensors["blocks.0.mlp.fc1.weight"].shape[0] // width,
                     frequency_size=tensors["t_embedder.mlp.0.weight"].shape[1], name=f"sit-d{depth}-w{width}")


def sift_state_dict(state):
    """Sift-named float32 tensors of a Sift or official DiT/SiT state dict.

    Strips ``module.`` / ``_orig_mod.`` prefixes, keeps ``pos_embed`` (used instead of the
    computed table when present), and for ``learn_sigma`` checkpoints (twice as many output as
    input channels) keeps the first half of the output channels: the velocity.
    """
    out = {}
    for name, value in state.items():
        for prefix in ("module.", "_orig_mod."):
            while name.startswith(prefix):
                name = name[len(prefix):]
        out[name] = np.asarray(value, dtype=np.float32)
    missing = [k for k in ("x_embedder.proj.weight", "final_layer.linear.weight") if k not in out]
    if missing:
        raise ValueError(f"not a SiT/DiT state dict: no {', '.join(missing)}")
    _, channels, patch, _ = out["x_embedder.proj.weight"].shape
    rows = out["final_layer.linear.weight"].shape[0]
    if rows == 2 * patch * patch * channels:
        # Output tokens are (p_row, p_col, channel) with the channel fastest: keep channels < C.
        weight, bias = out["final_layer.linear.weight"], out["final_layer.linear.bias"]
        out["final_layer.linear.weight"] = weight.reshape(patch * patch, 2 * channels, -1)[:, :channels].reshape(
            patch * patch * channels, -1)
        out["final_layer.linear.bias"] = bias.reshape(patch * patch, 2 * channels)[:, :channels].reshape(-1)
    return out


def check_shapes(tensors, config):
    """Raises ValueError naming the first missing or misshapen parameter."""
    for name, shape in config.shapes().items():
        if name not in tensors:
            raise ValueError(f"weights lack {name} for {config}")
        if tuple(tensors[name].shape) != shape:
            raise ValueError(f"{name} has shape {list(tensors[name].shape)}, expected {list(shape)} for {config}")
    if "pos_embed" in tensors and tensors["pos_embed"].size != config.tokens * config.width:
        raise ValueError(f"pos_embed has shape {list(tensors['pos_embed'].shape)}, expected "
                         f"[1, {config.tokens}, {config.width}]")


def position_table(width, grid):
    """Fixed 2-D sin-cos table (grid², width) in float64: [sin, cos](col·ω) then [sin, cos](row·ω)."""
    quarter = width // 4
    omega = 1.0 / 10000.0 ** (np.arange(quarter, dtype=np.float64) / quarter)
    rows, cols = np.meshgrid(np.arange(grid, dtype=np.float64), np.arange(grid, dtype=np.float64), indexing="ij")
    parts = []
    for pos in (cols.reshape(-1), rows.reshape(-1)):
        angles = pos[:, None] * omega[None]
        parts += [np.sin(angles), np.cos(angles)]
    return np.concatenate(parts, axis=1)


def timestep_features(t, dim):
    """(N, dim) float32 features [cos(t·f), sin(t·f)], f_i = exp(−ln(10000)·i/(dim/2)), raw t."""
    half = dim // 2
    freqs = np.exp(-math.log(10000.0) * np.arange(half, dtype=np.float64) / half).astype(np.float32)
    args = np.asarray(t, dtype=np.float32)[:, None] * freqs[None]
    return np.concatenate([np.cos(args), np.sin(args)], axis=1)


def _layer_norm(x, eps=1e-6):
    """LayerNorm over the last axis without affine parameters (a new array)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    var = np.square(centred).mean(axis=-1, keepdims=True)
    var += eps
    centred /= np.sqrt(var)
    return centred


def _silu(x):
    return x / (1 + np.exp(-x))


def _gelu_tanh_(x):
    """tanh-approximated GELU, in place."""
    inner = np.square(x)
    inner *= 0.044715
    inner += 1
    inner *= x
    inner *= math.sqrt(2 / math.pi)
    np.tanh(inner, out=inner)
    inner += 1
    x *= inner
    x *= 0.5
    return x


class NumpySiT:
    """A SiT forward pass over a batch, in float32 (fast) or float64 (reference checks)."""

    def __init__(self, tensors, config, dtype=np.float32):
        check_shapes(tensors, config)
        self.config, self.dtype = config, np.dtype(dtype)
        d = config.width

        def cast(a):
            return np.ascontiguousarray(a, dtype=self.dtype)

        def linear(name):  # (weightᵀ, bias) so that y = x @ wᵀ + b
            return cast(tensors[name + ".weight"].T), cast(tensors[name + ".bias"])

        self.patch = cast(tensors["x_embedder.proj.weight"].reshape(d, -1).T), cast(tensors["x_embedder.proj.bias"])
        positions = tensors["pos_embed"].reshape(config.tokens, d) if "pos_embed" in tensors \
            else position_table(d, config.grid)
        self.positions = cast(positions)
        self.time1, self.time2 = linear("t_embedder.mlp.0"), linear("t_embedder.mlp.2")
        self.labels = cast(tensors["y_embedder.embedding_table.weight"])
        self.blocks = [{layer: linear(f"blocks.{i}.{layer}") for layer in _BLOCK_LAYERS} for i in range(config.depth)]
        self.final_modulation, self.final_linear = linear("final_layer.adaLN_modulation.1"), linear("final_layer.linear")

    def __call__(self, x, t, labels):
        """Velocity (N, C, H, W) float32 at x (N, C, H, W), times t (N,), labels (N,) in 0…classes."""
        c, dt = self.config, self.dtype
        n, g, p, d, heads = x.shape[0], c.grid, c.patch, c.width, c.heads
        hd, tokens = d // heads, c.tokens
        x = np.asarray(x, dtype=dt)
        patches = x.reshape(n, c.channels, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(n * tokens, c.patch_values)
        h = (patches @ self.patch[0] + self.patch[1]).reshape(n, tokens, d)
        h += self.positions
        temb = timestep_features(t, c.frequency_size).astype(dt)
        temb = _silu(temb @ self.time1[0] + self.time1[1]) @ self.time2[0] + self.time2[1]
        cond = _silu(temb + self.labels[np.asarray(labels, dtype=np.int64)])
        scale = 1 / math.sqrt(hd)
        for block in self.blocks:
            w, b = block["adaLN_modulation.1"]
            shift1, scale1, gate1, shift2, scale2, gate2 = np.split((cond @ w + b)[:, None, :], 6, axis=2)
            a = _layer_norm(h)
            a *= 1 + scale1
            a += shift1
            w, b = block["attn.qkv"]
            qkv = (a.reshape(n * tokens, d) @ w + b).reshape(n, tokens, 3, heads, hd).transpose(2, 0, 3, 1, 4)
            scores = (qkv[0] * scale) @ qkv[1].transpose(0, 1, 3, 2)          # (N, heads, T, T)
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            attended = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(n * tokens, d)
            w, b = block["attn.proj"]
            h += gate1 * (attended @ w + b).reshape(n, tokens, d)
            m = _layer_norm(h)
            m *= 1 + scale2
            m += shift2
            w, b = block["mlp.fc1"]
            u = _gelu_tanh_(m.reshape(n * tokens, d) @ w + b)
            w, b = block["mlp.fc2"]
            h += gate2 * (u @ w + b).reshape(n, tokens, d)
        w, b = self.final_modulation
        shift, scale_final = np.split((cond @ w + b)[:, None, :], 2, axis=2)
        out = _layer_norm(h)
        out *= 1 + scale_final
        out += shift
        w, b = self.final_linear
        out = (out.reshape(n * tokens, d) @ w + b).reshape(n, g, g, p, p, c.channels)
        return out.transpose(0, 5, 1, 3, 2, 4).reshape(n, c.channels, c.image_size, c.image_size).astype(np.float32)


def load_numpy_sit(path, heads=None, image_size=None, dtype=np.float32):
    """A NumpySiT from a safetensors file with Sift or official DiT/SiT tensor names."""
    from .framing import read_safetensors
    raw, metadata = read_safetensors(path)
    tensors = sift_state_dict(raw)
    config = infer_config(tensors, metadata, heads=heads, image_size=image_size)
    return NumpySiT(tensors, config, dtype=dtype)
