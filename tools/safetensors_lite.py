"""Minimal safetensors writer/reader (F32 only), so no `safetensors` package is needed.

Layout: 8-byte little-endian header length N; N bytes of JSON
{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}
padded with spaces to a multiple of 8; then the raw little-endian data. Offsets are relative
to the start of the data. Tensors are stored in sorted-name order and the JSON has sorted
keys and no whitespace, so the same inputs always give the same bytes.
"""
import json
import struct

import numpy as np


def write(path, tensors, metadata=None):
    """tensors: {name: array-like}; stored as F32 (C order). Returns the number of bytes."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise ValueError("reserved tensor name")
        a = np.ascontiguousarray(np.asarray(tensors[name]), dtype="<f4")
        data = a.tobytes(order="C")
        header[name] = {"dtype": "F32", "shape": [int(d) for d in a.shape],
                        "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hb = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    raw = struct.pack("<Q", len(hb)) + hb + b"".join(blobs)
    with open(path, "wb") as f:
        f.write(raw)
    return len(raw)


def read(path):
    """Returns ({name: np.float32 array}, metadata dict). Checks the layout strictly."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    if n % 8 or 8 + n > len(raw):
        raise ValueError(f"{path}: bad header length {n}")
    hdr = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = hdr.pop("__metadata__", {})
    data = raw[8 + n:]
    out, pos = {}, 0
    for name in sorted(hdr, key=lambda k: hdr[k]["data_offsets"][0]):
        e = hdr[name]
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: {name}: dtype {e['dtype']}")
        b, end = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64)) if e["shape"] else 1
        if b != pos or end - b != 4 * count:
            raise ValueError(f"{path}: {name}: bad offsets {e['data_offsets']}")
        out[name] = np.frombuffer(data, dtype="<f4", count=count, offset=b).reshape(e["shape"])
        pos = end
    if pos != len(data):
        raise ValueError(f"{path}: {len(data) - pos} trailing bytes")
    return out, meta
