"""pyarrow reads blz tables through the Arrow C stream interface (libblz_capi).

    cargo build --release -p blz-capi
    cargo run --release -- import tests/data/nycflights/flights.csv /tmp/flights.blz
    python examples/pyarrow_ffi.py [path/to/libblz_capi.so] [/tmp/flights.blz] [flights.csv]

Needs only pyarrow (no cffi): the ArrowArrayStream struct is allocated with ctypes and
handed to pa.RecordBatchReader._import_from_c, which moves the stream out of it.
"""

import ctypes
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv

ROOT = Path(__file__).resolve().parent.parent
LIB = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target/release/libblz_capi.so"
TABLE = sys.argv[2] if len(sys.argv) > 2 else "/tmp/flights.blz"
CSV = Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT / "tests/data/nycflights/flights.csv"


class ArrowArrayStream(ctypes.Structure):
    """struct ArrowArrayStream of the Arrow C stream interface (all members pointers)."""

    _fields_ = [
        ("get_schema", ctypes.c_void_p),
        ("get_next", ctypes.c_void_p),
        ("get_last_error", ctypes.c_void_p),
        ("release", ctypes.c_void_p),
        ("private_data", ctypes.c_void_p),
    ]


lib = ctypes.CDLL(str(LIB))
lib.blz_table_stream.argtypes = [ctypes.c_char_p, ctypes.POINTER(ArrowArrayStream)]
lib.blz_table_stream.restype = ctypes.c_int32
lib.blz_demo_stream.argtypes = [ctypes.c_uint64, ctypes.POINTER(ArrowArrayStream)]
lib.blz_demo_stream.restype = ctypes.c_int32
lib.blz_last_error.argtypes = []
lib.blz_last_error.restype = ctypes.c_char_p


def import_stream(call, *args) -> pa.RecordBatchReader:
    """Calls a blz_*_stream function and imports its stream; raises on an error code."""
    stream = ArrowArrayStream()  # zeroed by ctypes
    rc = call(*args, ctypes.byref(stream))
    if rc != 0:
        raise RuntimeError(f"blz error {rc}: {lib.blz_last_error().decode()}")
    reader = pa.RecordBatchReader._import_from_c(ctypes.addressof(stream))
    assert stream.release is None, "pyarrow took ownership (release moved out)"
    return reader


# 1. A generated table in memory.
n = 1_000_000
demo = import_stream(lib.blz_demo_stream, n).read_all()
print(f"demo: {demo.num_rows} rows, {demo.num_columns} columns, "
      f"{demo.column('id').num_chunks} batches; schema {demo.schema.to_string().replace(chr(10), ', ')}")
print(f"demo: first rows {demo.slice(0, 5).to_pylist()[3:5]}")
assert demo.num_rows == n
assert pc.sum(demo["id"]).as_py() == n * (n - 1) // 2
assert pc.sum(demo["x"]).as_py() == n * (n - 1) / 4
assert demo["label"].null_count == n // 5
assert demo["label"][n - 2].as_py() == f"row{n - 2}" and demo["label"][n - 1].as_py() is None
print(f"demo: sum(id) = {pc.sum(demo['id']).as_py()}, label nulls = {demo['label'].null_count}: OK")

# 2. Errors come back as codes plus a message.
for bad in [b"/nonexistent/table.blz", b"/tmp/\xff.blz"]:
    stream = ArrowArrayStream()
    rc = lib.blz_table_stream(bad, ctypes.byref(stream))
    print(f"error: blz_table_stream({bad!r}) -> {rc}: {lib.blz_last_error().decode()}")
    assert rc != 0 and stream.release is None
rc = lib.blz_demo_stream(1, None)
print(f"error: blz_demo_stream(1, NULL) -> {rc}: {lib.blz_last_error().decode()}")
assert rc != 0

# 3. A table on disk, against pyarrow's own reading of the CSV it was imported from.
reader = import_stream(lib.blz_table_stream, TABLE.encode())
blz = reader.read_all()
# blz reads "", NA, N/A, NULL and null as missing in every column (docs/arrow.md, CSV);
# pyarrow.csv keeps them as text in string columns unless told otherwise.
nulls = ["", "NA", "N/A", "NULL", "null"]
ref = pyarrow.csv.read_csv(
    CSV, convert_options=pyarrow.csv.ConvertOptions(null_values=nulls, strings_can_be_null=True)
)
print(f"flights: blz {blz.num_rows} rows x {blz.num_columns} columns in "
      f"{blz.column(0).num_chunks} batches; pyarrow.csv {ref.num_rows} rows x {ref.num_columns} columns")
assert blz.num_rows == ref.num_rows and blz.column_names == ref.column_names
for name in ref.column_names:
    a, b = blz[name], ref[name]
    if a.type != b.type:
        print(f"flights: column {name}: blz {a.type}, pyarrow.csv {b.type} (compared as {b.type})")
        a = a.cast(b.type)
    assert a.equals(b), name
for name in ["dep_delay", "arr_delay", "distance", "tailnum"]:
    agg = pc.count_distinct if pa.types.is_string(blz[name].type) else pc.sum
    print(f"flights: {agg.__name__}({name}) = {agg(blz[name]).as_py()} "
          f"(pyarrow.csv {agg(ref[name]).as_py()}), nulls {blz[name].null_count} "
          f"(pyarrow.csv {ref[name].null_count})")
print(f"flights: row 0 {blz.slice(0, 1).to_pylist()[0]}")
print(f"flights: all {ref.num_columns} columns equal to pyarrow.csv: OK")
