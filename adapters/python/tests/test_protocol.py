"""The framing and the request loop of sift_worker (NumPy only)."""
import io
import json
import os
import struct
import tempfile
import textwrap
import unittest

import numpy as np

from helpers import ADAPTERS, requests, run_worker, serve_in_memory, serve_raw
from sift_worker import decode_safetensors, read_message, read_safetensors, serve, write_message

MODEL = {"name": "test-model", "sample_shape": [1, 2, 2], "classes": 3, "null_class": 3, "flops_per_forward": 10}
VERIFIER = {"name": "test-verifier", "image_shape": [1, 2, 2], "classes": 3, "feature_dimension": 2}


def velocity_request(request_id, batch=2, labels=None, **extra):
    x = np.arange(batch * 4, dtype=np.float32).reshape(batch, 1, 2, 2)
    t = np.linspace(0.25, 0.75, batch, dtype=np.float32)
    fields = {"op": "velocity", "id": request_id, "labels": labels if labels is not None else [0] * batch}
    fields.update(extra)
    return fields, {"x": x, "t": t}


def simple_velocity(x, t, labels, guidance):
    return x * t[:, None, None, None] + labels[:, None, None, None]


def raw_body(header, data=b"", pad=True):
    """A safetensors body from a header dict (or raw header bytes) and data bytes."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def framed(body):
    return io.BytesIO(struct.pack("<Q", len(body)) + body)


class FramingTests(unittest.TestCase):
    def test_round_trip(self):
        stream = io.BytesIO()
        tensors = {"x": np.random.default_rng(0).standard_normal((3, 1, 4, 4)).astype(np.float32),
                   "t": np.array([0.1, 0.5, 0.9], dtype=np.float64), "empty": np.zeros((0, 5), np.float32),
                   "scalar": np.float32(2.5)}
        fields = {"op": "velocity", "id": 7, "labels": [3, 3, 9], "text": "é\"\\"}
        write_message(stream, fields, tensors)
        write_message(stream, {"id": 8, "ok": True})
        stream.seek(0)
        got_fields, got = read_message(stream)
        self.assertEqual(got_fields, fields)
        self.assertEqual(set(got), set(tensors))
        for name, value in tensors.items():
            self.assertEqual(got[name].dtype, np.float32)
            self.assertEqual(got[name].shape, np.shape(value))
            np.testing.assert_array_equal(got[name], np.asarray(value, dtype=np.float32))
        self.assertTrue(got["x"].flags.writeable)
        self.assertEqual(read_message(stream), ({"id": 8, "ok": True}, {}))
        self.assertIsNone(read_message(stream))

    def test_layout_is_padded_safetensors_with_fields_as_a_string(self):
        stream = io.BytesIO()
        write_message(stream, {"op": "describe", "id": 1, "protocol": 1}, {"t": np.ones(3, np.float32)})
        raw = stream.getvalue()
        (size,) = struct.unpack_from("<Q", raw, 0)
        self.assertEqual(size, len(raw) - 8)
        (header_size,) = struct.unpack_from("<Q", raw, 8)
        self.assertEqual(header_size % 8, 0)
        header_bytes = raw[16:16 + header_size]
        header = json.loads(header_bytes)
        json_text = header_bytes.rstrip(b" ")
        self.assertTrue(json_text.endswith(b"}"))
        self.assertLess(len(header_bytes) - len(json_text), 8)  # padded with fewer than 8 spaces
        self.assertIsInstance(header["__metadata__"]["sift"], str)
        self.assertEqual(json.loads(header["__metadata__"]["sift"]), {"op": "describe", "id": 1, "protocol": 1})
        self.assertEqual(header["t"], {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]})
        self.assertEqual(raw[16 + header_size:], np.ones(3, "<f4").tobytes())

    def test_reads_f16_and_bf16(self):
        half = np.array([1.5, -2.0, 65504.0], dtype="<f2")
        wanted = np.array([1.0, -3.5, 2.0 ** 100], dtype=np.float32)
        bf16 = (wanted.astype("<f4").view("<u4") >> 16).astype("<u2")
        header = {"__metadata__": {"sift": json.dumps({"id": 1, "ok": True})},
                  "a": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]},
                  "b": {"dtype": "BF16", "shape": [1, 3], "data_offsets": [6, 12]}}
        fields, tensors = read_message(framed(raw_body(header, half.tobytes() + bf16.tobytes())))
        self.assertEqual(fields, {"id": 1, "ok": True})
        self.assertEqual(tensors["a"].dtype, np.float32)
        np.testing.assert_array_equal(tensors["a"], half.astype(np.float32))
        np.testing.assert_array_equal(tensors["b"], wanted.reshape(1, 3))

    def test_garbage_raises_value_error(self):
        fields = {"sift": "{}"}
        bad_bodies = {
            "short": b"\x01\x02",
            "header past end": struct.pack("<Q", 1000) + b"{}",
            "not json": raw_body(b"{nope"),
            "not an object": raw_body(b"[1, 2]"),
            "unsupported dtype": raw_body({"__metadata__": fields, "a": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8),
            "offsets past data": raw_body({"__metadata__": fields, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4),
            "size mismatch": raw_body({"__metadata__": fields, "a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8),
            "negative dimension": raw_body({"__metadata__": fields, "a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}),
            "reversed offsets": raw_body({"__metadata__": fields, "a": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}}, b"\0" * 4),
            "no sift fields": raw_body({"__metadata__": {"other": "x"}}),
            "fields not json": raw_body({"__metadata__": {"sift": "{oops"}}),
            "fields not an object": raw_body({"__metadata__": {"sift": "[1]"}}),
            "metadata not strings": raw_body({"__metadata__": {"sift": {"id": 1}}}),
            "random": bytes(np.random.default_rng(1).integers(0, 256, 64, dtype=np.uint8)),
        }
        for what, body in bad_bodies.items():
            with self.subTest(what), self.assertRaises(ValueError):
                read_message(framed(body))

    def test_length_above_4_gib_is_garbage_and_truncation_is_eof(self):
        with self.assertRaisesRegex(ValueError, "4 GiB"):
            read_message(io.BytesIO(struct.pack("<Q", (4 << 30) + 1)))
        with self.assertRaises(EOFError):
            read_message(io.BytesIO(b"\x10\x00\x00"))
        with self.assertRaises(EOFError):
            read_message(io.BytesIO(struct.pack("<Q", 100) + b"\0" * 10))
        self.assertIsNone(read_message(io.BytesIO(b"")))

    def test_read_safetensors_file(self):
        stream = io.BytesIO()
        write_message(stream, {"k": 1}, {"w": np.eye(2, dtype=np.float32)})
        with tempfile.NamedTemporaryFile(suffix=".safetensors", delete=False) as handle:
            handle.write(stream.getvalue()[8:])
        try:
            tensors, metadata = read_safetensors(handle.name)
        finally:
            os.unlink(handle.name)
        np.testing.assert_array_equal(tensors["w"], np.eye(2))
        self.assertEqual(json.loads(metadata["sift"]), {"k": 1})
        self.assertEqual(decode_safetensors(stream.getvalue()[8:])[0], metadata)


class ServeTests(unittest.TestCase):
    def test_describe_adds_protocol_ops_and_defaults(self):
        status, out = serve_in_memory(MODEL, {"op": "describe", "id": 1, "protocol": 1}, velocity=simple_velocity)
        self.assertEqual(status, 0)
        fields, tensors = out[0]
        self.assertEqual(tensors, {})
        self.assertEqual(fields, dict(MODEL, id=1, ok=True, protocol=1, ops=["velocity"], max_batch=256,
                                      weights=None, gradients=False, guidance="sift"))

    def test_describe_with_another_protocol_is_still_answered(self):
        _, out = serve_in_memory(VERIFIER, {"op": "describe", "id": 3, "protocol": 2},
                                 score=lambda i, l: np.zeros(len(i)), features=lambda i: np.zeros((len(i), 2)))
        self.assertTrue(out[0][0]["ok"])
        self.assertEqual(out[0][0]["protocol"], 1)
        self.assertEqual(out[0][0]["ops"], ["score", "features"])
        self.assertEqual(out[0][0]["flops_per_image"], None)

    def test_velocity(self):
        seen = []

        def velocity(x, t, labels, guidance):
            seen.append((labels.dtype, guidance))
            return simple_velocity(x, t, labels, guidance)

        request = velocity_request(5, labels=[1, 3])
        _, out = serve_in_memory(MODEL, request, velocity=velocity)
        fields, tensors = out[0]
        self.assertGreaterEqual(fields.pop("seconds"), 0.0)  # the worker's compute time
        self.assertEqual(fields, {"id": 5, "ok": True})
        x, t = request[1]["x"], request[1]["t"]
        np.testing.assert_allclose(tensors["v"], simple_velocity(x, t, np.array([1, 3]), None))
        self.assertEqual(seen, [(np.int64, None)])

    def test_native_guidance_is_passed(self):
        seen = []
        describe = dict(MODEL, guidance="native")
        serve_in_memory(describe, velocity_request(1, guidance=2), velocity=lambda x, t, l, g: seen.append(g) or x)
        self.assertEqual(seen, [2.0])

    def test_score_and_features(self):
        images = np.ones((2, 1, 2, 2), np.float32)
        _, out = serve_in_memory(
            VERIFIER, ({"op": "score", "id": 1, "labels": [2, 0]}, {"images": images}),
            ({"op": "features", "id": 2}, {"images": images}),
            score=lambda i, l: l * 10.0, features=lambda i: i.reshape(len(i), -1)[:, :2])
        np.testing.assert_array_equal(out[0][1]["scores"], [20, 0])
        np.testing.assert_array_equal(out[1][1]["features"], np.ones((2, 2)))

    def assert_error(self, response, pattern, request_id):
        fields, tensors = response
        self.assertEqual(fields["id"], request_id)
        self.assertIs(fields["ok"], False)
        self.assertRegex(fields["error"], pattern)
        self.assertEqual(set(fields), {"id", "ok", "error"})
        self.assertEqual(tensors, {})

    def test_errors_are_answered_and_the_loop_goes_on(self):
        calls = {"n": 0}

        def velocity(x, t, labels, guidance):
            calls["n"] += 1
            if calls["n"] == 1:
                raise ZeroDivisionError("the model divided by zero")
            if calls["n"] == 2:
                return x[:, :, :1]
            if calls["n"] == 3:
                return x * np.nan
            return x

        status, out = serve_in_memory(
            MODEL, velocity_request(1), velocity_request(2), velocity_request(3), velocity_request(4),
            {"op": "teleport", "id": 5}, {"op": "score", "id": 6, "labels": []},
            {"id": 7}, ({"op": "velocity", "id": 8, "labels": [0, 0]}, {"x": np.zeros((2, 1, 2, 2))}),
            velocity_request(9, labels=[0]), velocity_request(10, labels=[0, 4]),
            ({"op": "velocity", "id": 11, "labels": [0]}, {"x": np.zeros((1, 1, 3, 3)), "t": np.zeros(1)}),
            velocity_request(12, labels=[3, 3]), {"op": "shutdown", "id": 13}, velocity=velocity)
        self.assertEqual(status, 0)
        self.assertEqual(len(out), 13)
        self.assert_error(out[0], r"^ZeroDivisionError: the model divided by zero$", 1)
        self.assert_error(out[1], r"shape \[2, 1, 1, 2\], expected \[2, 1, 2, 2\]", 2)
        self.assert_error(out[2], r"8 non-finite", 3)
        self.assertGreaterEqual(out[3][0].pop("seconds"), 0.0)
        self.assertEqual(out[3][0], {"id": 4, "ok": True})
        self.assert_error(out[4], r"unknown operation 'teleport'", 5)
        self.assert_error(out[5], r"'score' is not served", 6)
        self.assert_error(out[6], r"unknown operation None", 7)
        self.assert_error(out[7], r"no tensor 't'", 8)
        self.assert_error(out[8], r"1 labels for a batch of 2", 9)
        self.assert_error(out[9], r"label 4 outside", 10)
        self.assert_error(out[10], r"expected \(B, 1, 2, 2\)", 11)
        self.assertTrue(out[11][0]["ok"])  # the null class is a valid label
        self.assertEqual(out[12][0], {"id": 13, "ok": True})

    def test_shutdown_stops_before_later_requests(self):
        status, out = serve_in_memory(MODEL, {"op": "shutdown", "id": 1}, {"op": "describe", "id": 2, "protocol": 1},
                                      velocity=simple_velocity)
        self.assertEqual((status, out), (0, [({"id": 1, "ok": True}, {})]))

    def test_end_of_input_ends_the_loop(self):
        self.assertEqual(serve_in_memory(MODEL, velocity=simple_velocity), (0, []))

    def test_truncated_input_is_a_broken_stream(self):
        stdin = io.BytesIO(requests({"op": "describe", "id": 1}).getvalue()[:-3])
        self.assertEqual(serve_raw(MODEL, stdin, velocity=simple_velocity), (1, []))

    def test_garbage_body_is_answered_with_a_null_id(self):
        stdin = io.BytesIO(framed(b"garbage!").getvalue() + requests({"op": "shutdown", "id": 2}).getvalue())
        status, out = serve_raw(MODEL, stdin, velocity=simple_velocity)
        self.assertEqual(status, 0)
        self.assert_error(out[0], r"not a message", None)
        self.assertEqual(out[1][0], {"id": 2, "ok": True})

    def test_missing_describe_fields_fail_at_start(self):
        with self.assertRaisesRegex(ValueError, "sample_shape"):
            serve({"name": "x"}, velocity=simple_velocity, stdin=io.BytesIO(), stdout=io.BytesIO())
        with self.assertRaisesRegex(ValueError, "at least one"):
            serve({"name": "x"}, stdin=io.BytesIO(), stdout=io.BytesIO())


WORKER_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {adapters!r})
    from sift_worker import serve
    def velocity(x, t, labels, guidance):
        print("stray print from the model")
        sys.stdout.write("and a write\\n")
        return x
    raise SystemExit(serve({{"name": "child", "sample_shape": [1, 2, 2], "classes": 3, "null_class": 3}},
                           velocity=velocity))
""")


class ProcessTests(unittest.TestCase):
    """A worker as a child process: stray prints land on stderr, exit statuses."""

    def setUp(self):
        handle = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        handle.write(WORKER_SCRIPT.format(adapters=ADAPTERS))
        handle.close()
        self.script = handle.name

    def tearDown(self):
        os.unlink(self.script)

    def test_stray_prints_go_to_stderr(self):
        status, out, stderr = run_worker([self.script], {"op": "describe", "id": 1, "protocol": 1},
                                         velocity_request(2), {"op": "shutdown", "id": 3})
        self.assertEqual(status, 0, stderr)
        self.assertEqual([f["id"] for f, _ in out], [1, 2, 3])
        self.assertIn("stray print from the model", stderr)
        self.assertIn("and a write", stderr)
        np.testing.assert_array_equal(out[1][1]["v"], velocity_request(2)[1]["x"])

    def test_exits_at_end_of_input(self):
        status, out, stderr = run_worker([self.script], {"op": "describe", "id": 1, "protocol": 1})
        self.assertEqual(status, 0, stderr)
        self.assertEqual(len(out), 1)


if __name__ == "__main__":
    unittest.main()
