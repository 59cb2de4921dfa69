"""Byte-level writers of the campaign's NumPy and PNG fixtures (standard library only): .npy
arrays, .npz zip archives whose every field the case controls, PNG images."""
import random
import struct
import zlib


def npy(descr, shape, payload):
    """A version-1 .npy file."""
    shape_text = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(str(s) for s in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def labels(values, descr="<i8"):
    fmt = {"<i8": "<q", "<u8": "<Q", "<f4": "<f", "<i4": "<i"}[descr]
    return npy(descr, [len(values)], b"".join(struct.pack(fmt, v) for v in values))


def images(count, side, seed):
    rng = random.Random(seed)
    return npy("|u1", [count, side, side], rng.randbytes(count * side * side))


def deflate_stream(prefix, zeros):
    """A raw deflate stream of prefix then zeros zero bytes (made a MiB at a time), its CRC-32."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [c.compress(prefix)]
    crc = zlib.crc32(prefix)
    mib = bytes(1 << 20)
    left = zeros
    while left > 0:
        piece = mib[: min(left, 1 << 20)]
        out.append(c.compress(piece))
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    out.append(c.flush())
    return b"".join(out), crc


def zip_raw(members):
    """A zip archive of (name, body, crc, size, method) members, bodies already compressed."""
    out, directory = b"", b""
    for name, body, crc, size, method in members:
        offset = len(out)
        n = name.encode()
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(body), size, len(n), 0) + n + body
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(body), size,
                                 len(n), 0, 0, 0, 0, 0, offset) + n
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(out), 0)
    return out + directory + end


def zip_arrays(arrays, deflate=True):
    """A zip archive of name -> .npy bytes, each stored or deflated."""
    members = []
    for name, data in arrays.items():
        body = data
        if deflate:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            body = c.compress(data) + c.flush()
        members.append((name + ".npy", body, zlib.crc32(data), len(data), 8 if deflate else 0))
    return zip_raw(members)


def png(width, height, seed=0, grey=True):
    """An 8-bit grey (or RGB) PNG of random pixels."""
    rng = random.Random(seed)
    channels = 1 if grey else 3
    rows = b"".join(b"\x00" + rng.randbytes(width * channels) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0 if grey else 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
