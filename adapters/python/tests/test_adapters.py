"""The NumPy SiT and clf-mlp adapters against Sift's fixtures, and PyTorch against NumPy."""
import argparse
import json
import os
import tempfile
import unittest

import numpy as np

from helpers import FIXTURES, MODELS, run_worker
from sift_worker import read_safetensors
from sift_worker.classifier import NumpyMLPClassifier
from sift_worker.sit import NumpySiT, infer_config, load_numpy_sit, position_table, sift_state_dict

SIT_S = os.path.join(MODELS, "sit-s.safetensors")
CLF_MLP = os.path.join(MODELS, "clf-mlp.safetensors")


def torch_importable():
    try:
        import torch  # noqa: F401
    except Exception:  # not installed, or an install that cannot load
        return False
    return True


def fixture_inputs():
    """x (3, 1, 28, 28), t (3,), labels (3,) and the configuration of Tests/Fixtures/sit/inputs.json."""
    with open(os.path.join(FIXTURES, "inputs.json")) as handle:
        raw = json.load(handle)
    x = np.array(raw["x"], dtype=np.float32).reshape(len(raw["t"]), 1, 28, 28)
    return x, np.array(raw["t"], dtype=np.float32), np.array(raw["y"], dtype=np.int64), raw["config"]


def expected(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        raw = json.load(handle)
    return np.array(raw["output"]).reshape(raw["shape"])


def model_card(name):
    with open(os.path.join(MODELS, name + ".json")) as handle:
        return json.load(handle)


def random_batch(batch, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch, 1, 28, 28)).astype(np.float32), rng.random(batch).astype(np.float32),
            rng.integers(0, 11, batch))


class NumpySiTTests(unittest.TestCase):
    def test_tiny_fixture_matches_the_reference(self):
        x, t, y, config = fixture_inputs()
        for dtype in (np.float32, np.float64):
            with self.subTest(dtype=dtype.__name__):
                model = load_numpy_sit(os.path.join(FIXTURES, "tiny.safetensors"), heads=config["heads"], dtype=dtype)
                self.assertEqual((model.config.depth, model.config.width), (config["depth"], config["width"]))
                np.testing.assert_allclose(model(x, t, y), expected("expected.json"), rtol=0, atol=1e-4)

    def test_shipped_sit_s_matches_the_reference(self):
        x, t, y, _ = fixture_inputs()
        model = load_numpy_sit(SIT_S)
        self.assertEqual((model.config.name, model.config.depth, model.config.width, model.config.heads), ("sit-s", 4, 96, 4))
        np.testing.assert_allclose(model(x, t, y), expected("expected-sit-s.json"), rtol=0, atol=1e-4)

    def test_flops_match_sift_model_cards(self):
        for name in ("sit-s", "sit-b", "sit-l"):
            with self.subTest(name):
                model = load_numpy_sit(os.path.join(MODELS, name + ".safetensors"))
                self.assertEqual(model.config.forward_flops, model_card(name)["forward_flops_per_sample"])

    def test_results_do_not_depend_on_the_batch(self):
        model = load_numpy_sit(SIT_S)
        x, t, y = random_batch(8)
        whole = model(x, t, y)
        np.testing.assert_allclose(np.concatenate([model(x[:3], t[:3], y[:3]), model(x[3:], t[3:], y[3:])]),
                                   whole, rtol=0, atol=1e-5)

    def test_config_metadata_is_read(self):
        tensors, _ = read_safetensors(os.path.join(FIXTURES, "tiny.safetensors"))
        metadata = {"config": json.dumps({"name": "tiny", "depth": 2, "width": 32, "heads": 2, "patch": 4,
                                          "imageSize": 28, "channels": 1, "classes": 10, "mlpRatio": 4,
                                          "frequencySize": 256})}
        config = infer_config(tensors, metadata)
        self.assertEqual((config.name, config.heads, config.image_size), ("tiny", 2, 28))
        with self.assertRaisesRegex(ValueError, "--heads"):
            infer_config(tensors, {})

    def test_official_checkpoint_layout_is_mapped(self):
        official = official_state_dict(SIT_S)
        model = NumpySiT(sift_state_dict(official), load_numpy_sit(SIT_S).config)
        x, t, y = random_batch(4)
        np.testing.assert_allclose(model(x, t, y), load_numpy_sit(SIT_S)(x, t, y), rtol=0, atol=1e-5)

    def test_worker_process(self):
        x, t, y = random_batch(5)
        status, out, stderr = run_worker(
            ["adapters/python/numpy_sit.py", "--weights", "Models/sit-s.safetensors"],
            {"op": "describe", "id": 1, "protocol": 1},
            ({"op": "velocity", "id": 2, "labels": y.tolist()}, {"x": x, "t": t}), {"op": "shutdown", "id": 3})
        self.assertEqual(status, 0, stderr)
        self.assertEqual(out[0][0], {
            "id": 1, "ok": True, "protocol": 1, "ops": ["velocity"], "name": "numpy-sit-s",
            "weights": "Models/sit-s.safetensors", "max_batch": 256, "sample_shape": [1, 28, 28], "classes": 10,
            "null_class": 10, "guidance": "sift", "flops_per_forward": 47887872, "gradients": False})
        np.testing.assert_allclose(out[1][1]["v"], load_numpy_sit(SIT_S)(x, t, y), rtol=0, atol=1e-6)
        self.assertEqual(out[2][0], {"id": 3, "ok": True})


def official_state_dict(path):
    """Sift weights laid out like an official learn_sigma SiT checkpoint (prefix, pos_embed, 2C outputs)."""
    tensors, _ = read_safetensors(path)
    width, patch = tensors["x_embedder.proj.weight"].shape[0], 4
    rng = np.random.default_rng(3)
    out = {"module." + k: v for k, v in tensors.items()}
    weight = tensors["final_layer.linear.weight"].reshape(patch * patch, 1, width)
    bias = tensors["final_layer.linear.bias"].reshape(patch * patch, 1)
    out["module.final_layer.linear.weight"] = np.concatenate(
        [weight, rng.standard_normal(weight.shape).astype(np.float32)], axis=1).reshape(-1, width)
    out["module.final_layer.linear.bias"] = np.concatenate(
        [bias, rng.standard_normal(bias.shape).astype(np.float32)], axis=1).reshape(-1)
    out["module.pos_embed"] = position_table(width, 7).astype(np.float32)[None]
    return out


class ClassifierTests(unittest.TestCase):
    def setUp(self):
        self.tensors, _ = read_safetensors(CLF_MLP)
        self.model = NumpyMLPClassifier(self.tensors)
        rng = np.random.default_rng(5)
        self.images = np.clip(rng.standard_normal((6, 1, 28, 28)), -1, 1).astype(np.float32)
        self.labels = np.array([0, 1, 2, 7, 8, 9])

    def reference(self):
        """Features and logits, one image at a time in float64, written out plainly."""
        w = {k: v.astype(np.float64) for k, v in self.tensors.items()}
        features, logits = [], []
        for image in self.images.astype(np.float64):
            h1 = np.maximum(0, w["fc1.weight"] @ image.reshape(784) + w["fc1.bias"])
            h2 = np.maximum(0, w["fc2.weight"] @ h1 + w["fc2.bias"])
            features.append(h2)
            logits.append(w["fc3.weight"] @ h2 + w["fc3.bias"])
        return np.array(features), np.array(logits)

    def test_scores_and_features_match_a_float64_reference(self):
        features, logits = self.reference()
        np.testing.assert_allclose(self.model.class_logits(self.images, self.labels),
                                   logits[np.arange(6), self.labels], rtol=0, atol=1e-4)
        np.testing.assert_allclose(self.model.forward(self.images)[0], features, rtol=0, atol=1e-4)
        self.assertEqual(self.model.feature_dimension, 128)

    def test_flops_match_the_model_card(self):
        self.assertEqual(self.model.forward_flops, model_card("clf-mlp")["forward_flops_per_sample"])

    def test_worker_process(self):
        status, out, stderr = run_worker(
            ["adapters/python/numpy_classifier.py", "--weights", "Models/clf-mlp.safetensors"],
            {"op": "describe", "id": 1, "protocol": 1},
            ({"op": "score", "id": 2, "labels": self.labels.tolist()}, {"images": self.images}),
            ({"op": "features", "id": 3}, {"images": self.images}))
        self.assertEqual(status, 0, stderr)
        self.assertEqual(out[0][0], {
            "id": 1, "ok": True, "protocol": 1, "ops": ["score", "features"], "name": "numpy-clf-mlp",
            "weights": "Models/clf-mlp.safetensors", "max_batch": 256, "image_shape": [1, 28, 28], "classes": 10,
            "flops_per_image": 469504, "feature_dimension": 128, "gradients": False})
        features, logits = self.reference()
        np.testing.assert_allclose(out[1][1]["scores"], logits[np.arange(6), self.labels], rtol=0, atol=1e-4)
        np.testing.assert_allclose(out[2][1]["features"], features, rtol=0, atol=1e-4)


@unittest.skipUnless(torch_importable(), "PyTorch cannot be imported: torch_sit.py not tested")
class TorchSiTTests(unittest.TestCase):
    def test_matches_numpy_on_sit_s(self):
        from torch_sit import load_torch_sit
        x, t, y = random_batch(16)
        np.testing.assert_allclose(load_torch_sit(SIT_S)(x, t, y), load_numpy_sit(SIT_S)(x, t, y), rtol=0, atol=1e-4)

    def test_official_checkpoint(self):
        import torch
        from torch_sit import load_torch_sit
        state = {k: torch.from_numpy(v) for k, v in official_state_dict(SIT_S).items()}
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "checkpoint.pt")
            torch.save({"model": {}, "ema": state, "args": argparse.Namespace(model="custom")}, path)
            model = load_torch_sit(path)
        x, t, y = random_batch(4)
        self.assertEqual(model.config.heads, 4)
        np.testing.assert_allclose(model(x, t, y), load_numpy_sit(SIT_S)(x, t, y), rtol=0, atol=1e-4)

    def test_worker_process(self):
        x, t, y = random_batch(3)
        status, out, stderr = run_worker(
            ["adapters/python/torch_sit.py", "--weights", "Models/sit-s.safetensors", "--device", "cpu"],
            {"op": "describe", "id": 1, "protocol": 1},
            ({"op": "velocity", "id": 2, "labels": y.tolist()}, {"x": x, "t": t}), {"op": "shutdown", "id": 3},
            timeout=120)
        self.assertEqual(status, 0, stderr)
        self.assertEqual(out[0][0]["name"], "torch-sit-s")
        self.assertEqual(out[0][0]["flops_per_forward"], 47887872)
        np.testing.assert_allclose(out[1][1]["v"], load_numpy_sit(SIT_S)(x, t, y), rtol=0, atol=1e-4)


if __name__ == "__main__":
    unittest.main()
