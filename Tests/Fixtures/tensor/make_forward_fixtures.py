"""Forward-value fixtures for the tensor core tests (softmax, log-softmax, layer norm, GELU, conv2d).

Run: python3 Tests/Fixtures/tensor/make_forward_fixtures.py  (writes forward.json beside this file).
Inputs are deterministic (a fixed sin-based formula) so the Swift tests rebuild them without reading
them from the file; the file only holds the inputs for clarity and numpy's outputs.
"""
import json, math, os
import numpy as np

def ramp(n, a=0.37, b=0.11):
    return np.array([math.sin(a * i + b) * 1.5 for i in range(n)], dtype=np.float64)

x = ramp(24).reshape(2, 3, 4)
softmax = np.exp(x - x.max(-1, keepdims=True)); softmax /= softmax.sum(-1, keepdims=True)
log_softmax = x - x.max(-1, keepdims=True); log_softmax -= np.log(np.exp(log_softmax).sum(-1, keepdims=True))
w = ramp(4, 0.9, 0.3); b = ramp(4, 0.5, 1.0)
mu = x.mean(-1, keepdims=True); var = x.var(-1, keepdims=True)
ln = (x - mu) / np.sqrt(var + 1e-6)
ln_affine = ln * w + b
gelu = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

# conv2d: N=2, C=2, H=5, W=4; O=3, k=3; stride 2, padding 1 (PyTorch cross-correlation)
img = ramp(2 * 2 * 5 * 4, 0.23, 0.5).reshape(2, 2, 5, 4)
ker = ramp(3 * 2 * 3 * 3, 0.41, 0.2).reshape(3, 2, 3, 3)
cb = ramp(3, 1.3, 0.7)
s, p = 2, 1
padded = np.pad(img, ((0, 0), (0, 0), (p, p), (p, p)))
oh = (5 + 2 * p - 3) // s + 1; ow = (4 + 2 * p - 3) // s + 1
conv = np.zeros((2, 3, oh, ow))
for n in range(2):
    for o in range(3):
        for y in range(oh):
            for xx in range(ow):
                conv[n, o, y, xx] = (padded[n, :, y * s:y * s + 3, xx * s:xx * s + 3] * ker[o]).sum() + cb[o]

out = {k: v.reshape(-1).tolist() for k, v in dict(
    x=x, softmax=softmax, log_softmax=log_softmax, layer_norm=ln, layer_norm_affine=ln_affine,
    gelu=gelu, conv_input=img, conv_weight=ker, conv_bias=cb, conv2d=conv).items()}
out["conv2d_shape"] = list(conv.shape)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "forward.json"), "w") as f:
    json.dump(out, f, indent=1)
