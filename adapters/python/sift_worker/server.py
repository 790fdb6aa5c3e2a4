"""The request loop of a Sift worker: ``serve(describe, velocity=…, score=…, …)``.

It answers ``describe`` from the given fields, ``shutdown`` by exiting, and each other operation
by calling the matching function with NumPy arrays, checking what comes back (shape, finite
values) before it is sent. A failure inside a function becomes an ``ok: false`` answer and the
loop goes on; only a broken stream ends it early.
"""
import os
import sys
import time
import traceback

import numpy as np

from .framing import decode_message, read_frame, write_message

#: The protocol version this loop speaks.
PROTOCOL_VERSION = 1

#: Operations a worker may serve besides ``describe`` and ``shutdown``, in describe's order.
OPERATIONS = ("velocity", "decode", "score", "features")

#: Exit statuses: 0 after ``shutdown`` or end of input, 1 when the stream breaks.
EXIT_OK, EXIT_BROKEN_STREAM = 0, 1


class RequestError(Exception):
    """A request this worker cannot serve; its text is the whole error message."""


def log(message):
    """Writes one line to stderr, which Sift keeps and shows when the worker fails."""
    print(f"sift_worker: {message}", file=sys.stderr, flush=True)


def _as_float32(value):
    """A float32 NumPy array of ``value`` (a PyTorch tensor is detached and moved to the CPU)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().float().cpu().numpy()
    return np.asarray(value, dtype=np.float32)


def _checked_output(value, expected_shape, what):
    """``value`` as float32, raising RequestError unless it has ``expected_shape`` and is finite."""
    array = _as_float32(value)
    if array.shape != tuple(expected_shape):
        raise RequestError(f"{what} has shape {list(array.shape)}, expected {list(expected_shape)}")
    if not np.isfinite(array).all():
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise RequestError(f"{what} has {bad} non-finite values")
    return array


class Worker:
    """Dispatches decoded requests to the adapter's functions and builds the responses."""

    def __init__(self, describe, functions):
        self.functions = {op: fn for op, fn in functions.items() if fn is not None}
        if not self.functions:
            raise ValueError("serve: give at least one of velocity, decode, score, features")
        fields = dict(describe)
        fields["protocol"] = PROTOCOL_VERSION
        fields["ops"] = [op for op in OPERATIONS if op in self.functions]
        fields.setdefault("name", os.path.splitext(os.path.basename(sys.argv[0] or "worker"))[0] or "worker")
        fields.setdefault("weights", None)
        fields.setdefault("max_batch", 256)
        fields.setdefault("gradients", False)
        if "velocity" in self.functions:
            fields.setdefault("guidance", "sift")
            fields.setdefault("null_class", None)
            fields.setdefault("flops_per_forward", None)
        if "score" in self.functions:
            fields.setdefault("flops_per_image", None)
        self.describe = fields
        self._check_describe()

    def _check_describe(self):
        """Raises ValueError for describe fields the served operations need but lack."""
        d, ops = self.describe, self.functions
        needs = {"sample_shape": "velocity" in ops or "decode" in ops,
                 "image_shape": "decode" in ops or "score" in ops or "features" in ops,
                 "feature_dimension": "features" in ops}
        missing = [key for key, needed in needs.items() if needed and key not in d]
        if missing:
            raise ValueError(f"serve: describe lacks {', '.join(missing)} for ops {d['ops']}")
        if d.get("guidance", "sift") not in ("sift", "native"):
            raise ValueError(f"serve: guidance must be 'sift' or 'native', not {d['guidance']!r}")
        if not isinstance(d["max_batch"], int) or d["max_batch"] < 1:
            raise ValueError(f"serve: max_batch must be a positive int, not {d['max_batch']!r}")

    # Request parsing

    @staticmethod
    def _tensor(tensors, name, rank):
        if name not in tensors:
            raise RequestError(f"request has no tensor '{name}'")
        array = tensors[name]
        if array.ndim != rank:
            raise RequestError(f"tensor '{name}' has shape {list(array.shape)}, expected rank {rank}")
        return array

    def _images(self, tensors, name, shape_key):
        """Tensor ``name`` of shape (B, *describe[shape_key])."""
        array = self._tensor(tensors, name, 1 + len(self.describe[shape_key]))
        if list(array.shape[1:]) != list(self.describe[shape_key]):
            raise RequestError(f"tensor '{name}' has shape {list(array.shape)}, "
                               f"expected (B, {', '.join(map(str, self.describe[shape_key]))})")
        return array

    def _labels(self, fields, count, allow_null):
        """The request's ``labels`` as an int64 array of ``count`` valid classes."""
        labels = fields.get("labels")
        if not isinstance(labels, list) or not all(type(v) is int for v in labels):
            raise RequestError("request field 'labels' must be a list of integers")
        if len(labels) != count:
            raise RequestError(f"{len(labels)} labels for a batch of {count}")
        labels = np.asarray(labels, dtype=np.int64)
        classes, null = self.describe.get("classes"), self.describe.get("null_class")
        if isinstance(classes, int) and labels.size:
            bad = labels[(labels < 0) | (labels >= classes)]
            if allow_null and null is not None:
                bad = bad[bad != null]
            if bad.size:
                raise RequestError(f"label {int(bad[0])} outside 0…{classes - 1}"
                                   + (f" and null class {null}" if allow_null and null is not None else ""))
        return labels

    # Operations

    def velocity(self, fields, tensors):
        x = self._images(tensors, "x", "sample_shape")
        t = self._tensor(tensors, "t", 1)
        if t.shape[0] != x.shape[0]:
            raise RequestError(f"{t.shape[0]} times for a batch of {x.shape[0]}")
        labels = self._labels(fields, x.shape[0], allow_null=True)
        guidance = fields.get("guidance")
        guidance = None if guidance is None else float(guidance)
        v = self.functions["velocity"](x, t, labels, guidance)
        return {"v": _checked_output(v, x.shape, "velocity output v")}

    def decode(self, fields, tensors):
        x = self._images(tensors, "x", "sample_shape")
        images = self.functions["decode"](x)
        shape = [x.shape[0]] + list(self.describe["image_shape"])
        return {"images": _checked_output(images, shape, "decode output images")}

    def score(self, fields, tensors):
        images = self._images(tensors, "images", "image_shape")
        labels = self._labels(fields, images.shape[0], allow_null=False)
        scores = self.functions["score"](images, labels)
        return {"scores": _checked_output(scores, [images.shape[0]], "score output scores")}

    def features(self, fields, tensors):
        images = self._images(tensors, "images", "image_shape")
        out = self.functions["features"](images)
        shape = [images.shape[0], self.describe["feature_dimension"]]
        return {"features": _checked_output(out, shape, "features output")}

    def handle(self, fields, tensors):
        """``(response fields, response tensors, stop)`` for one decoded request."""
        op, request_id = fields.get("op"), fields.get("id")
        if op == "describe":
            if fields.get("protocol") != PROTOCOL_VERSION:
                log(f"Sift speaks protocol {fields.get('protocol')!r}; this worker speaks {PROTOCOL_VERSION}")
            return dict(self.describe, id=request_id, ok=True), {}, False
        if op == "shutdown":
            return {"id": request_id, "ok": True}, {}, True
        if op not in OPERATIONS:
            served = ", ".join(["describe", "shutdown"] + self.describe["ops"])
            return self._error(request_id, f"unknown operation {op!r} (this worker serves {served})")
        if op not in self.functions:
            return self._error(request_id, f"operation '{op}' is not served by this worker "
                                           f"(it serves {', '.join(self.describe['ops'])})")
        try:
            start = time.perf_counter()
            result = getattr(self, op)(fields, tensors)
            return {"id": request_id, "ok": True, "seconds": time.perf_counter() - start}, result, False
        except RequestError as error:
            return self._error(request_id, str(error))
        except Exception as error:  # the adapter's own failure: report it and keep serving
            traceback.print_exc(file=sys.stderr)
            return self._error(request_id, f"{type(error).__name__}: {error}")

    @staticmethod
    def _error(request_id, message):
        return {"id": request_id, "ok": False, "error": message}, {}, False


def claim_stdout():
    """The protocol's binary stdout; afterwards every other write to stdout lands on stderr.

    Call it before loading a model whose libraries may print, and pass the result to serve().

    File descriptor 1 is duplicated for the protocol and then pointed at stderr, so stray
    ``print`` calls and C libraries writing to fd 1 cannot corrupt the stream.
    """
    sys.stdout.flush()
    try:
        out_fd, err_fd = sys.stdout.fileno(), sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        stream = sys.stdout.buffer
        sys.stdout = sys.stderr
        return stream
    protocol_fd = os.dup(out_fd)
    os.dup2(err_fd, out_fd)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb")


def serve(describe, velocity=None, decode=None, score=None, features=None, stdin=None, stdout=None):
    """Serves requests until ``shutdown`` or end of input; returns the exit status (0 or 1).

    ``describe``: the describe fields (name, weights, sample_shape, classes, …); the loop adds
    ``protocol: 1`` and ``ops`` (from the functions given) and defaults ``max_batch`` to 256.
    Functions take and return NumPy float32 arrays (PyTorch tensors are accepted as results):

    - ``velocity(x (B,C,H,W), t (B,), labels int64 (B,), guidance float or None) -> (B,C,H,W)``
    - ``decode(x) -> images (B, *image_shape)``
    - ``score(images, labels) -> (B,)``, higher is better
    - ``features(images) -> (B, feature_dimension)``

    ``stdin``/``stdout`` default to the process's binary streams; then ``sys.stdout`` is sent to
    stderr for the rest of the process. Use ``raise SystemExit(serve(...))`` in a script.
    """
    worker = Worker(describe, {"velocity": velocity, "decode": decode, "score": score, "features": features})
    stdin = sys.stdin.buffer if stdin is None else stdin
    stdout = claim_stdout() if stdout is None else stdout
    log(f"serving {worker.describe['name']} ({', '.join(worker.describe['ops'])}), protocol {PROTOCOL_VERSION}")
    while True:
        try:
            body = read_frame(stdin)
        except (EOFError, ValueError) as error:
            log(f"cannot read the next request: {error}")
            return EXIT_BROKEN_STREAM
        if body is None:
            return EXIT_OK
        try:
            fields, tensors = decode_message(body)
        except ValueError as error:
            response, out, stop = Worker._error(None, f"request is not a message: {error}")
        else:
            response, out, stop = worker.handle(fields, tensors)
        try:
            write_message(stdout, response, out)
            stdout.flush()
        except (BrokenPipeError, ValueError) as error:
            log(f"cannot write the response: {error}")
            return EXIT_BROKEN_STREAM
        if stop:
            return EXIT_OK
