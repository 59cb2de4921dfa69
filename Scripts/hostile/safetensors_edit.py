"""Byte-level editing of safetensors files: read the header and the data, change either, write
them back (the header is re-serialised, the data kept as is unless changed)."""
import json
import struct


def split(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def join(path, header, data):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def edit_header(fn):
    """A change of the file at a path: fn(header) edits the parsed header in place."""
    def go(path):
        header, data = split(path)
        fn(header)
        join(path, header, data)
    return go


def edit_metadata(key, value):
    """Sets (or with value None removes) one metadata entry."""
    def fn(header):
        meta = header.setdefault("__metadata__", {})
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value(meta.get(key)) if callable(value) else value
    return edit_header(fn)


def tensor_names(header, optimizer=False):
    names = [k for k in header if k != "__metadata__"]
    return sorted(n for n in names if n.startswith("optimizer/") == optimizer)


def pick(header, suffix, optimizer=False):
    """The first tensor (sorted) whose name ends with suffix."""
    for n in tensor_names(header, optimizer):
        if n.endswith(suffix):
            return n
    if optimizer and tensor_names(header, True):
        return tensor_names(header, True)[0]
    raise LookupError("no tensor ending in %r" % suffix)


def edit_values(suffix, fn, optimizer=False):
    """Applies fn(array) in place to the float32 values of the first tensor ending in suffix."""
    import numpy as np

    def go(path):
        header, data = split(path)
        name = pick(header, suffix, optimizer)
        begin, end = header[name]["data_offsets"]
        values = np.frombuffer(bytearray(data[begin:end]), dtype="<f4").copy()
        fn(values)
        data = data[:begin] + values.astype("<f4").tobytes() + data[end:]
        join(path, header, data)
    return go


def edit_bytes(fn):
    """fn(raw bytes of the whole file) -> new bytes."""
    def go(path):
        with open(path, "rb") as f:
            raw = f.read()
        with open(path, "wb") as f:
            f.write(fn(raw))
    return go


def data_start(path):
    with open(path, "rb") as f:
        return 8 + struct.unpack("<Q", f.read(8))[0]
