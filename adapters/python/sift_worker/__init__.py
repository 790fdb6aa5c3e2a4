"""Python side of Sift's worker protocol (docs/WORKER-PROTOCOL.md), NumPy only.

An adapter describes itself and hands its functions to :func:`serve`::

    from sift_worker import serve
    raise SystemExit(serve({"name": "my-sit", "sample_shape": [1, 28, 28], "classes": 10,
                            "null_class": 10}, velocity=my_velocity))
"""
from .framing import (decode_message, decode_safetensors, encode_safetensors, read_frame,
                      read_message, read_safetensors, write_message)
from .server import OPERATIONS, PROTOCOL_VERSION, RequestError, Worker, claim_stdout, log, serve

__all__ = ["serve", "claim_stdout", "read_message", "write_message", "read_frame", "decode_message",
           "decode_safetensors", "encode_safetensors", "read_safetensors", "log",
           "RequestError", "Worker", "OPERATIONS", "PROTOCOL_VERSION"]
