"""NumPy reference forward pass of Sift's SiT (DiT/SiT models.py, learn_sigma=False).

Usage:
  python3 sit_reference.py make      # writes tiny.safetensors (random weights, every tensor non-zero),
                                     # inputs.json and expected.json (this script's forward outputs)
  python3 sit_reference.py check W   # prints max |output| for weights file W on the fixture inputs
  python3 sit_reference.py shipped   # writes expected-sit-s.json: the shipped Models/sit-s.safetensors
                                     # (depth 4, width 96, 4 heads) on the same inputs

The Swift test loads tiny.safetensors into SiftModels.SiT and must match expected.json to 1e-4.
"""
import json, math, os, struct, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = dict(depth=2, width=32, heads=2, patch=4, image=28, channels=1, classes=10, mlp=4, freq=256)


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32"
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        blobs.append(arr.tobytes()); offset += arr.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))


def pos_embed(dim, grid):
    quarter = dim // 4
    omega = 1.0 / 10000 ** (np.arange(quarter, dtype=np.float64) / quarter)
    def emb1d(pos):
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)
    rows, cols = np.meshgrid(np.arange(grid), np.arange(grid), indexing="ij")
    return np.concatenate([emb1d(cols.astype(np.float64)), emb1d(rows.astype(np.float64))], axis=1)


def timestep_embed(t, dim):
    half = dim // 2
    freqs = np.exp(-math.log(10000) * np.arange(half, dtype=np.float32) / half).astype(np.float32)
    args = t.astype(np.float32)[:, None] * freqs[None]
    return np.concatenate([np.cos(args), np.sin(args)], axis=-1).astype(np.float64)


def layer_norm(x, eps=1e-6):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


def silu(x): return x / (1 + np.exp(-x))
def gelu(x): return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
def linear(x, w, name): return x @ w[name + ".weight"].T + w[name + ".bias"]


def forward(w, x, t, y, cfg=CONFIG):
    n, c, p, d, heads = x.shape[0], cfg["channels"], cfg["patch"], cfg["width"], cfg["heads"]
    g = cfg["image"] // p
    # patch embedding = conv with kernel = stride = p
    patches = x.reshape(n, c, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(n, g * g, c * p * p)
    h = patches @ w["x_embedder.proj.weight"].reshape(d, -1).T + w["x_embedder.proj.bias"]
    h = h + pos_embed(d, g)[None]
    temb = linear(silu(linear(timestep_embed(t, cfg["freq"]), w, "t_embedder.mlp.0")), w, "t_embedder.mlp.2")
    cond = silu(temb + w["y_embedder.embedding_table.weight"][y])
    for i in range(cfg["depth"]):
        b = f"blocks.{i}"
        m = linear(cond, w, b + ".adaLN_modulation.1")
        sh1, sc1, g1, sh2, sc2, g2 = np.split(m, 6, axis=1)
        a = layer_norm(h) * (1 + sc1[:, None]) + sh1[:, None]
        qkv = linear(a, w, b + ".attn.qkv").reshape(n, g * g, 3, heads, d // heads).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // heads)
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        att = (s @ v).transpose(0, 2, 1, 3).reshape(n, g * g, d)
        h = h + g1[:, None] * linear(att, w, b + ".attn.proj")
        mm = layer_norm(h) * (1 + sc2[:, None]) + sh2[:, None]
        h = h + g2[:, None] * linear(gelu(linear(mm, w, b + ".mlp.fc1")), w, b + ".mlp.fc2")
    sh, sc = np.split(linear(cond, w, "final_layer.adaLN_modulation.1"), 2, axis=1)
    out = linear(layer_norm(h) * (1 + sc[:, None]) + sh[:, None], w, "final_layer.linear")
    return out.reshape(n, g, g, p, p, c).transpose(0, 5, 1, 3, 2, 4).reshape(n, c, g * p, g * p)


def shapes(cfg=CONFIG):
    d, c, p, hid = cfg["width"], cfg["channels"], cfg["patch"], cfg["width"] * cfg["mlp"]
    s = {"x_embedder.proj.weight": (d, c, p, p), "x_embedder.proj.bias": (d,),
         "t_embedder.mlp.0.weight": (d, cfg["freq"]), "t_embedder.mlp.0.bias": (d,),
         "t_embedder.mlp.2.weight": (d, d), "t_embedder.mlp.2.bias": (d,),
         "y_embedder.embedding_table.weight": (cfg["classes"] + 1, d),
         "final_layer.adaLN_modulation.1.weight": (2 * d, d), "final_layer.adaLN_modulation.1.bias": (2 * d,),
         "final_layer.linear.weight": (p * p * c, d), "final_layer.linear.bias": (p * p * c,)}
    for i in range(cfg["depth"]):
        b = f"blocks.{i}"
        for name, (o, k) in {"attn.qkv": (3 * d, d), "attn.proj": (d, d), "mlp.fc1": (hid, d),
                             "mlp.fc2": (d, hid), "adaLN_modulation.1": (6 * d, d)}.items():
            s[f"{b}.{name}.weight"] = (o, k); s[f"{b}.{name}.bias"] = (o,)
    return s


def inputs():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 1, 28, 28)).astype(np.float32)
    return x, np.array([0.1, 0.5, 0.9], dtype=np.float32), np.array([0, 7, 10])


if __name__ == "__main__":
    if sys.argv[1] == "make":
        rng = np.random.default_rng(2025)
        w = {k: (rng.standard_normal(v) * (0.3 / math.sqrt(v[-1] if len(v) > 1 else 4))).astype(np.float32)
             for k, v in shapes().items()}
        write_safetensors(os.path.join(HERE, "tiny.safetensors"), w)
        x, t, y = inputs()
        out = forward(read_safetensors(os.path.join(HERE, "tiny.safetensors")), x.astype(np.float64), t, y)
        json.dump({"x": x.reshape(-1).tolist(), "t": t.tolist(), "y": y.tolist(), "config": CONFIG},
                  open(os.path.join(HERE, "inputs.json"), "w"))
        json.dump({"shape": list(out.shape), "output": out.reshape(-1).tolist()}, open(os.path.join(HERE, "expected.json"), "w"))
        print("max |out|", np.abs(out).max(), "mean |out|", np.abs(out).mean())
    elif sys.argv[1] == "shipped":
        cfg = dict(CONFIG, depth=4, width=96, heads=4)
        x, t, y = inputs()
        weights = os.path.join(HERE, "..", "..", "..", "Models", "sit-s.safetensors")
        out = forward(read_safetensors(weights), x.astype(np.float64), t, y, cfg)
        json.dump({"shape": list(out.shape), "output": out.reshape(-1).tolist(), "config": cfg},
                  open(os.path.join(HERE, "expected-sit-s.json"), "w"))
        print("max |out|", np.abs(out).max())
    else:
        x, t, y = inputs()
        print(np.abs(forward(read_safetensors(sys.argv[2]), x.astype(np.float64), t, y)).max())
