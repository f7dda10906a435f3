"""Makes the import test data: bcolz directories (tests/data/bcolz) and python-blosc2 frames
(tests/data/b2frame), each folder with a manifest.json of the expected values.

Run with the anchors venv (it has numpy, bcolz-zipline and python-blosc2):

    /root/.cache/blz-anchors/venv/bin/python tests/data/bcolz/make.py

CI never runs this; the output is committed. The data is seeded, so a re-run writes the same
values (compressed bytes may differ with other library versions).

Expected values: for every column, `sha256` is the SHA-256 of the values as blz holds them,
serialised canonically: bool as one byte 0/1, numbers as little-endian bytes of the blz type
(float16 widened to f32), timestamps as little-endian i64 in the blz unit (NaT stays
i64::MIN), text as u32 little-endian byte length + UTF-8 bytes per value. `head` lists the
first values for readable failure messages.

bcolz itself cannot persist datetime64 in units other than ns (it writes the default value as
JSON and a datetime.date/datetime is not JSON serialisable), so those arrays are written as
int64 by bcolz and their meta/storage dtype string is patched afterwards: the same bytes bcolz
would have written had the JSON step worked.
"""

import hashlib
import json
import os
import shutil
import struct
import sys

import bcolz
import blosc2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
B2 = os.path.join(os.path.dirname(HERE), "b2frame")
rng = np.random.default_rng(20260401)

CPARAMS = [
    dict(clevel=5, shuffle=1, cname="lz4"),
    dict(clevel=9, shuffle=2, cname="zstd"),
    dict(clevel=1, shuffle=0, cname="blosclz"),
    dict(clevel=6, shuffle=1, cname="zlib"),
    dict(clevel=0, shuffle=0, cname="blosclz"),
    dict(clevel=4, shuffle=2, cname="lz4hc"),
    dict(clevel=7, shuffle=0, cname="zstd"),
    dict(clevel=3, shuffle=2, cname="blosclz"),
]


def blz_type(dt):
    """The blz column type of a numpy dtype, as blz prints it."""
    k, size = dt.kind, dt.itemsize
    if k == "b":
        return "bool"
    if k == "i":
        return "i%d" % (8 * size)
    if k == "u":
        return "u%d" % (8 * size)
    if k == "f":
        return "f32" if size <= 4 else "f64"
    if k == "M":
        unit = np.datetime_data(dt)[0]
        return "timestamp[%s]" % (unit if unit in ("s", "ms", "us", "ns") else "s")
    if k == "m":
        return "i64"
    if k in "SU":
        return "utf8"
    raise ValueError(dt)


def canon(a):
    """The canonical bytes of the values as blz holds them (see the module docs)."""
    dt = a.dtype
    k = dt.kind
    if k == "b":
        return a.astype("u1").tobytes()
    if k in "iu":
        return a.astype(dt.newbyteorder("<")).tobytes()
    if k == "f":
        return a.astype("<f4" if dt.itemsize <= 4 else "<f8").tobytes()
    if k == "M":
        unit = np.datetime_data(dt)[0]
        if unit not in ("s", "ms", "us", "ns"):
            a = a.astype("M8[s]")
        return a.astype(a.dtype.newbyteorder("<")).view("<i8").tobytes()
    if k == "m":
        return a.astype(dt.newbyteorder("<")).view("<i8").tobytes()
    out = bytearray()
    for x in a:
        b = bytes(x) if k == "S" else str(x).encode("utf-8")
        out += struct.pack("<I", len(b)) + b
    return bytes(out)


def head(a):
    out = []
    for x in a[:4]:
        if a.dtype.kind == "S":
            out.append(bytes(x).decode("utf-8"))
        elif a.dtype.kind in "Mm":
            out.append(int(x.astype(a.dtype.newbyteorder("=")).view("i8")))
        elif a.dtype.kind == "f":
            out.append(repr(float(x)))
        elif a.dtype.kind == "b":
            out.append(bool(x))
        elif a.dtype.kind == "U":
            out.append(str(x))
        else:
            out.append(int(x))
    return out


def column(name, a):
    return dict(
        name=name,
        numpy_dtype=str(a.dtype),
        blz_type=blz_type(a.dtype),
        len=len(a),
        sha256=hashlib.sha256(canon(a)).hexdigest(),
        head=head(a),
    )


def values(dt, n):
    """Seeded values of a dtype, with the edge cases of its kind."""
    dt = np.dtype(dt)
    k = dt.kind
    if k == "b":
        return rng.random(n) < 0.3
    if k in "iu":
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, size=n, endpoint=True, dtype=dt.newbyteorder("="))
        a[: n // 2] = np.arange(n // 2) % min(int(info.max), 1 << 40)  # a compressible half
        a[:2] = [info.min, info.max]
        return a.astype(dt)
    if k == "f":
        a = np.cumsum(rng.normal(size=n)).astype(dt.newbyteorder("="))
        a[:5] = [np.nan, np.inf, -np.inf, -0.0, np.finfo(a.dtype).tiny]
        return a.astype(dt)
    if k in "Mm":
        base = np.arange(n, dtype="i8") * 7919 + 1_600_000_000
        base[1] = np.iinfo("i8").min  # NaT
        base[2] = -5  # before the epoch
        return base.view(dt.newbyteorder("=")).astype(dt)
    words = ["", "a", "bc", "caf\u00e9", "\u65e5\u672c", "x" * 6, "q\u00fc", "\U0001f600"]
    if k == "S":
        enc = [w.encode("utf-8")[: dt.itemsize] for w in words if len(w.encode()) <= dt.itemsize]
        return np.array([enc[i % len(enc)] for i in rng.integers(0, 99, n)], dtype=dt)
    fit = [w for w in words if len(w) <= dt.itemsize // 4]
    return np.array([fit[i % len(fit)] for i in rng.integers(0, 99, n)], dtype=dt)


def carray(name, a, cparams, chunklen, patch_dtype=None):
    path = os.path.join(HERE, name)
    c = bcolz.carray(a, rootdir=path, mode="w", chunklen=chunklen, cparams=bcolz.cparams(**cparams))
    c.flush()
    if patch_dtype:
        storage = os.path.join(path, "meta", "storage")
        meta = json.load(open(storage))
        meta["dtype"] = patch_dtype
        with open(storage, "w") as f:
            f.write(json.dumps(meta) + "\n")
        a = a.view(patch_dtype)
    back = bcolz.open(path)[:]
    assert back.dtype == a.dtype and (canon(back) == canon(a)), name
    return dict(
        kind="carray",
        path=name,
        chunklen=c.chunklen,
        nchunks=len(a) // c.chunklen,
        leftover=len(a) % c.chunklen,
        cparams=cparams,
        patched_dtype=patch_dtype,
        columns=[column(name, a)],
    )


def make_bcolz():
    for entry in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, entry)):
            shutil.rmtree(os.path.join(HERE, entry))
    items = []
    dtypes = [
        "bool", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8",
        "M8[ns]", "m8[ns]", ">i2", ">i4", ">i8", ">u4", ">f4", ">f8", ">M8[ns]",
        "S7", "<U3", ">U2",
    ]
    for i, dt in enumerate(dtypes):
        n = int(rng.integers(600, 1400))
        chunklen = int(rng.integers(60, 200))
        if n % chunklen == 0:
            n += 1
        tag = dt.replace(">", "be_").replace("<", "").replace("[", "_").replace("]", "")
        items.append(carray("carray_" + tag, values(dt, n), CPARAMS[i % len(CPARAMS)], chunklen))
    for j, unit in enumerate(["s", "ms", "us", "D", "h"]):
        a = values("M8[%s]" % unit, 500 + j).view("i8")
        items.append(
            carray("carray_M8_" + unit, a, CPARAMS[j], 128, patch_dtype="datetime64[%s]" % unit)
        )
    items.append(carray("carray_exact", np.arange(4 * 250, dtype="i4") * 3, CPARAMS[1], 250))
    items.append(carray("carray_only_leftover", np.arange(37, dtype="f8") / 3, CPARAMS[0], 100))
    items.append(carray("carray_empty", np.zeros(0, dtype="i8"), CPARAMS[0], 64))
    items.append(carray("carray_zeros", np.zeros(3000, dtype="u2"), CPARAMS[2], 1000))
    # A ctable: bcolz picks each column's chunklen from its dtype size (and the expected
    # length, kept small here so that every column has several chunks), so chunk boundaries
    # differ between columns.
    n = 40011
    cols = {
        "id": np.arange(n, dtype="i8"),
        "price": np.round(rng.normal(100, 5, n), 2),
        "flag": rng.random(n) < 0.5,
        "sym": np.array([b"AAPL", b"MSFT", b"GOOG", b"X"])[rng.integers(0, 4, n)],
        "when": (np.arange(n, dtype="i8") * 1_000_000_007 + 1_500_000_000_000_000_000).view("M8[ns]"),
        "qty": rng.integers(-1000, 1000, n).astype(">i4"),
        "small": rng.integers(0, 200, n).astype("u1"),
    }
    path = os.path.join(HERE, "ctable_mixed")
    t = bcolz.ctable(
        [np.zeros(0, v.dtype) for v in cols.values()], names=list(cols), rootdir=path, mode="w",
        cparams=bcolz.cparams(clevel=5, shuffle=1, cname="lz4"), expectedlen=10,
    )
    t.append(list(cols.values()))
    t.attrs["note"] = "import test"
    t.flush()
    back = bcolz.open(path)
    chunklens = {k: back.cols[k].chunklen for k in cols}
    assert len(set(chunklens.values())) > 1, chunklens
    assert all(n // c >= 2 for c in chunklens.values()), chunklens
    for k, v in cols.items():
        assert canon(back.cols[k][:]) == canon(v), k
    items.append(
        dict(
            kind="ctable",
            path="ctable_mixed",
            chunklens=chunklens,
            columns=[column(k, v) for k, v in cols.items()],
        )
    )
    path = os.path.join(HERE, "ctable_empty")
    t = bcolz.ctable([np.zeros(0, "f4"), np.zeros(0, "S3")], names=["x", "s"], rootdir=path, mode="w")
    t.flush()
    items.append(
        dict(kind="ctable", path="ctable_empty",
             columns=[column("x", np.zeros(0, "f4")), column("s", np.zeros(0, "S3"))])
    )
    write_manifest(HERE, items, dict(bcolz=bcolz.__version__, blosc=bcolz.blosc_version()[0]))


def frame(name, a, expected=None, **kw):
    path = os.path.join(B2, name + ".b2frame")
    x = blosc2.asarray(a, urlpath=path, mode="w", contiguous=True, **kw)
    back = blosc2.open(path)[...]
    assert back.dtype == a.dtype and canon(back.reshape(-1)) == canon(a.reshape(-1)), name
    flat = a.reshape(-1) if expected is None else expected
    return dict(
        kind="b2nd",
        file=name + ".b2frame",
        shape=list(a.shape),
        chunks=list(x.chunks),
        blocks=list(x.blocks),
        cparams=str(kw.get("cparams")),
        columns=[column(name, flat)],
    )


def schunk(name, a, chunksize, cparams):
    path = os.path.join(B2, name + ".b2frame")
    s = blosc2.SChunk(
        chunksize=chunksize, data=a, urlpath=path, contiguous=True, mode="w", cparams=cparams
    )
    assert s.nbytes == a.nbytes
    return dict(
        kind="schunk",
        file=name + ".b2frame",
        typesize=a.dtype.itemsize,
        nchunks=s.nchunks,
        chunksize=chunksize,
        cparams=str(cparams),
        columns=[column(name, a)],
    )


def make_b2frame():
    shutil.rmtree(B2, ignore_errors=True)
    os.makedirs(B2)
    C = blosc2.Codec
    F = blosc2.Filter
    items = [
        frame("b2nd_f8", values("f8", 1000), chunks=(300,), blocks=(100,)),
        frame("b2nd_i4_zstd", values("i4", 777), chunks=(256,), blocks=(64,),
              cparams=dict(codec=C.ZSTD, clevel=9, filters=[F.BITSHUFFLE])),
        frame("b2nd_u2", values("u2", 5000), chunks=(1024,)),
        frame("b2nd_bool", values("bool", 3001), chunks=(1000,), blocks=(250,)),
        frame("b2nd_M8_ms", values("M8[ms]", 400), chunks=(128,)),
        frame("b2nd_be_i8", values(">i8", 300), chunks=(128,)),
        frame("b2nd_S6", values("S6", 333), chunks=(100,)),
        frame("b2nd_U3", values("<U3", 250), chunks=(64,)),
        frame("b2nd_f4_2d", values("f4", 60 * 7).reshape(60, 7), chunks=(16, 7), blocks=(4, 7)),
        frame("b2nd_u1_lz4hc", values("u1", 2049), chunks=(512,),
              cparams=dict(codec=C.LZ4HC, clevel=6, filters=[F.SHUFFLE, F.DELTA])),
        schunk("schunk_i8", values("i8", 2500), 8 * 1000, dict(typesize=8, codec=C.LZ4)),
        schunk("schunk_f4", values("f4", 999), 4 * 300, dict(typesize=4, codec=C.ZLIB)),
        schunk("schunk_u1", values("u1", 4097), 1024, dict(typesize=1, codec=C.BLOSCLZ)),
    ]
    # A 2-d array whose chunks are tiles, not row slabs: not importable as one column.
    tiles = frame("b2nd_2d_tiles", values("i2", 30 * 40).reshape(30, 40), chunks=(10, 10))
    tiles["expect_error"] = "chunks are not whole rows"
    items.append(tiles)
    write_manifest(B2, items, dict(blosc2=blosc2.__version__, c_blosc2=blosc2.blosclib_version))


def write_manifest(where, items, versions):
    m = dict(
        made_by="tests/data/bcolz/make.py",
        python=sys.version.split()[0],
        numpy=np.__version__,
        versions=versions,
        canonical_values=(
            "bool: 1 byte 0/1; numbers: little-endian bytes of the blz type (float16 as f32); "
            "timestamps: little-endian i64 in the blz unit (NaT = i64::MIN); "
            "utf8: u32 LE byte length + UTF-8 bytes per value"
        ),
        items=items,
    )
    with open(os.path.join(where, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    make_bcolz()
    make_b2frame()
