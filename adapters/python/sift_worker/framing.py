"""Safetensors bodies and the length-prefixed messages of Sift's worker protocol (version 1).

A message is a u64 little-endian body length followed by the body, a safetensors blob whose
``__metadata__["sift"]`` holds the message's JSON fields as a string. Tensors are written as
F32 little-endian in C order; F32, F16 and BF16 are read (F64 too, for weights files) and
converted to float32.
"""
import json
import struct

import numpy as np

#: Bodies above this many bytes are garbage (the protocol's limit, 4 GiB).
MAX_BODY_BYTES = 4 << 30

#: The ``__metadata__`` key holding a message's JSON fields.
FIELDS_KEY = "sift"

_ITEM_SIZES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8}


def _to_float32(raw, dtype, count, offset):
    """``count`` little-endian elements of ``dtype`` at ``offset`` of ``raw``, as a new float32 array."""
    if dtype == "F32":
        return np.frombuffer(raw, dtype="<f4", count=count, offset=offset).astype(np.float32)
    if dtype == "F16":
        return np.frombuffer(raw, dtype="<f2", count=count, offset=offset).astype(np.float32)
    if dtype == "F64":
        return np.frombuffer(raw, dtype="<f8", count=count, offset=offset).astype(np.float32)
    # BF16 is the top half of a float32's bits.
    bits = np.frombuffer(raw, dtype="<u2", count=count, offset=offset).astype(np.uint32) << 16
    return bits.view(np.float32)


def _check_entry(name, info, data_size):
    """Validated (dtype, shape, begin, count) of one header entry; ValueError on garbage."""
    if not isinstance(info, dict):
        raise ValueError(f"safetensors: entry {name!r} is not an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in _ITEM_SIZES:
        raise ValueError(f"safetensors: tensor {name!r} has unsupported dtype {dtype!r} (F32, F16, BF16)")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise ValueError(f"safetensors: tensor {name!r} has a bad shape {shape!r}")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(o) is int for o in offsets)):
        raise ValueError(f"safetensors: tensor {name!r} has bad data_offsets {offsets!r}")
    begin, end = offsets
    if not 0 <= begin <= end <= data_size:
        raise ValueError(f"safetensors: tensor {name!r} data_offsets [{begin}, {end}] "
                         f"outside the {data_size}-byte data section")
    count = 1
    for d in shape:
        count *= d
    if count * _ITEM_SIZES[dtype] != end - begin:
        raise ValueError(f"safetensors: tensor {name!r} of shape {shape} and dtype {dtype} needs "
                         f"{count * _ITEM_SIZES[dtype]} bytes, data_offsets give {end - begin}")
    return dtype, shape, begin, count


def decode_safetensors(body):
    """Parses a safetensors blob: ``(metadata: dict[str, str], tensors: dict[str, float32 array])``.

    Raises ValueError naming the problem for anything that is not a well-formed blob: a short
    body, a header past the end, invalid JSON, unsupported dtypes, or offsets that do not match
    the shapes or leave the data section.
    """
    body = memoryview(body)
    if len(body) < 8:
        raise ValueError(f"safetensors: {len(body)} bytes, shorter than the 8-byte header length")
    (header_size,) = struct.unpack_from("<Q", body, 0)
    if header_size > len(body) - 8:
        raise ValueError(f"safetensors: header length {header_size} runs past the "
                         f"{len(body) - 8} bytes that follow it")
    try:
        header = json.loads(bytes(body[8:8 + header_size]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"safetensors: the header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise ValueError("safetensors: the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("safetensors: __metadata__ is not an object of strings")
    data_start = 8 + header_size
    data_size = len(body) - data_start
    tensors = {}
    for name, info in header.items():
        dtype, shape, begin, count = _check_entry(name, info, data_size)
        tensors[name] = _to_float32(body, dtype, count, data_start + begin).reshape(shape)
    return metadata, tensors


def encode_safetensors(metadata, tensors):
    """The pieces of a safetensors blob (header bytes, then each tensor's F32 bytes), to join or write.

    Tensors are converted to float32, little-endian, C order; the JSON header is padded with
    spaces to a multiple of 8 bytes as safetensors does.
    """
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        if name == "__metadata__":
            raise ValueError("safetensors: '__metadata__' cannot name a tensor")
        array = np.asarray(value, dtype="<f4")
        if not array.flags.c_contiguous:
            array = array.copy(order="C")
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        chunks.append(memoryview(array.reshape(-1)).cast("B") if array.size else b"")
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return [struct.pack("<Q", len(text)) + text] + chunks


def _read_exactly(stream, size):
    """``size`` bytes from ``stream``; fewer only when it ends first."""
    first = stream.read(size)
    if first is None or len(first) == size or not first:
        return first or b""
    parts, have = [first], len(first)
    while have < size:
        more = stream.read(size - have)
        if not more:
            break
        parts.append(more)
        have += len(more)
    return b"".join(parts)


def read_frame(stream):
    """The next body of a length-prefixed stream, or None at a clean end of file.

    Raises EOFError when the stream ends inside a message and ValueError for a length above
    4 GiB (the stream cannot be trusted after either).
    """
    prefix = _read_exactly(stream, 8)
    if not prefix:
        return None
    if len(prefix) < 8:
        raise EOFError(f"stream ended inside a length prefix ({len(prefix)} of 8 bytes)")
    (size,) = struct.unpack("<Q", prefix)
    if size > MAX_BODY_BYTES:
        raise ValueError(f"message body of {size} bytes is above the 4 GiB limit: garbage")
    body = _read_exactly(stream, size)
    if len(body) < size:
        raise EOFError(f"stream ended inside a message ({len(body)} of {size} body bytes)")
    return body


def decode_message(body):
    """``(fields, tensors)`` of a message body; ValueError when it is not a message."""
    metadata, tensors = decode_safetensors(body)
    if FIELDS_KEY not in metadata:
        raise ValueError(f"message has no __metadata__[{FIELDS_KEY!r}] fields")
    try:
        fields = json.loads(metadata[FIELDS_KEY])
    except json.JSONDecodeError as error:
        raise ValueError(f"message fields are not JSON ({error})") from None
    if not isinstance(fields, dict):
        raise ValueError("message fields are not a JSON object")
    return fields, tensors


def read_message(stream):
    """The next message ``(fields: dict, tensors: dict[str, float32 array])``, or None at clean EOF.

    Raises EOFError when the stream ends inside a message, ValueError on garbage.
    """
    body = read_frame(stream)
    return None if body is None else decode_message(body)


def write_message(stream, fields, tensors=None):
    """Writes one message (``fields`` as JSON, ``tensors`` as F32) to a binary stream; no flush."""
    text = json.dumps(fields, separators=(",", ":"), allow_nan=False)
    pieces = encode_safetensors({FIELDS_KEY: text}, tensors or {})
    size = sum(len(p) for p in pieces)
    stream.write(struct.pack("<Q", size) + pieces[0])
    for piece in pieces[1:]:
        stream.write(piece)


def read_safetensors(path):
    """``(tensors, metadata)`` of a safetensors file, every tensor as float32."""
    with open(path, "rb") as handle:
        body = handle.read()
    metadata, tensors = decode_safetensors(body)
    return tensors, metadata
