"""pyarrow as the writer of the Parquet and Arrow IPC files the CLI's columnar readers are checked against
(tests/oracle/cli-columnar-readers.test.ts), and pandas as the oracle of what profiling them must count.

Same protocol as oracle.py (oracle_protocol.serve): {"commands": [...]} on stdin, {"results": [...]} on stdout.

Commands:
- write_parquet {path, rows, seed, codec, row_group_size, use_dictionary, data_page_version, required, int96}:
  writes the generated table (mixed_table below) with pyarrow.parquet (required: columns without nulls
  declared non-nullable; int96: timestamps as the legacy INT96); returns the row-group count pyarrow reports.
- write_arrow {path, rows, seed, format: "file" | "stream", batch_size, legacy, compression}: the same table as
  Arrow IPC (file or stream format, legacy = the pre-0.15 stream framing without the 0xFFFFFFFF marker).
- expected {rows, seed}: every column's values as the Parquet reader must yield them (see encode_value).
- pandas_stats {path, format}: reads the file back with pyarrow, converts it to pandas and returns per column
  counts/n (rows), counts/null (isna: None, NaN, NaT), the mean pandas computes (null for non-numbers) and
  the largest magnitude (the scale of the mean's rounding error).
- write_wide {path, rows, row_group_size}: the throughput file: 10 float/int columns and 2 string columns.

JSON tags: {"$float": "NaN" | "Infinity" | "-Infinity"}, {"$int": "<decimal>"} for integers beyond 2**53,
{"$date": epoch_ms} for dates, times and timestamps (truncated toward zero, as JavaScript's Date gets them).
"""

import datetime
import decimal
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from oracle_protocol import encode_float, encode_int, serve


def with_nulls(rng, values, share):
    """values with about `share` of them replaced by None (the first always kept, the second always null)."""
    mask = rng.random_sample(len(values)) < share
    if len(values) > 1:
        mask[0] = False
        mask[1] = True
    return [None if m else v for v, m in zip(values, mask)]


def mixed_table(rows, seed):
    """One column per Parquet/Arrow type the readers map; deterministic for (rows, seed)."""
    rng = np.random.RandomState(seed)
    n = rows
    f64 = rng.normal(10.0, 3.0, n)
    f64_nulls = with_nulls(rng, [float(v) for v in rng.normal(-2.0, 5.0, n)], 0.1)
    # A real NaN next to the nulls: pandas (and the profile) count it as null too.
    for i in range(5, n, 97):
        if f64_nulls[i] is not None:
            f64_nulls[i] = float("nan")
    f32 = with_nulls(rng, [float(np.float32(v)) for v in rng.uniform(-1, 1, n)], 0.05)
    i32 = rng.randint(-(2**31), 2**31 - 1, n, dtype=np.int64)
    i32_nulls = with_nulls(rng, [int(v) for v in rng.randint(-1000, 1000, n)], 0.2)
    i64_small = rng.randint(-50000, 50000, n, dtype=np.int64)
    i64 = rng.randint(-(2**40), 2**40, n, dtype=np.int64)
    big = [int(v) for v in rng.randint(-(2**62), 2**62, n, dtype=np.int64)]
    for i, v in zip(range(2, n), [2**63 - 1, -(2**63), 2**53 + 1, 0, 7]):
        big[i] = v
    i64_big = with_nulls(rng, big, 0.1)
    i8 = with_nulls(rng, [int(v) for v in rng.randint(-128, 128, n)], 0.1)
    u8 = rng.randint(0, 256, n)
    u16 = with_nulls(rng, [int(v) for v in rng.randint(0, 65536, n)], 0.1)
    u32 = rng.randint(2**31, 2**32, n, dtype=np.int64)
    # Below 2**63: the profile counts a bigint beyond int64 as an object, pandas a uint64 as a number.
    u64 = with_nulls(rng, [int(v) for v in rng.randint(0, 2**62, n, dtype=np.int64) * 2 + 1], 0.1)
    bools = rng.random_sample(n) < 0.3
    bool_nulls = with_nulls(rng, [bool(v) for v in rng.random_sample(n) < 0.6], 0.15)
    words = ["alpha", "beta", "gamma", "", "delta epsilon"]
    text = [words[i] + str(j) for i, j in zip(rng.randint(0, len(words), n), rng.randint(0, 50, n))]
    unicode_words = ["naïve", "日本語", "emoji 🎉", "", "ascii", "Ωmega"]
    text_nulls = with_nulls(rng, [unicode_words[i] for i in rng.randint(0, len(unicode_words), n)], 0.1)
    categories = with_nulls(rng, [["red", "green", "blue"][i] for i in rng.randint(0, 3, n)], 0.1)
    dates = with_nulls(rng, [datetime.date(2000, 1, 1) + datetime.timedelta(days=int(d))
                             for d in rng.randint(0, 20000, n)], 0.1)
    base_ms = 1_600_000_000_000
    ts_ms = [base_ms + int(v) for v in rng.randint(0, 10**9, n)]
    ts_us = with_nulls(rng, [base_ms * 1000 + int(v) for v in rng.randint(0, 10**12, n, dtype=np.int64)], 0.1)
    ts_ns = with_nulls(rng, [base_ms * 10**6 + int(v) for v in rng.randint(0, 10**15, n, dtype=np.int64)], 0.1)
    times = with_nulls(rng, [int(v) for v in rng.randint(0, 86_400 * 10**6, n, dtype=np.int64)], 0.1)
    decimals = with_nulls(rng, [decimal.Decimal(int(v)).scaleb(-3) for v in rng.randint(-10**9, 10**9, n)], 0.1)
    decimals0 = [decimal.Decimal(int(v)) for v in rng.randint(-10**6, 10**6, n)]
    f16 = with_nulls(rng, [np.float16(v) for v in rng.uniform(-4, 4, n)], 0.1)
    lists = with_nulls(rng, [[int(x) for x in rng.randint(-5, 5, rng.randint(0, 4))] for _ in range(n)], 0.1)
    structs = with_nulls(rng, [{"a": int(a), "b": words[b]}
                               for a, b in zip(rng.randint(-9, 9, n), rng.randint(0, len(words), n))], 0.1)
    return pa.table({
        "f64": pa.array(f64, pa.float64()),
        "f64_nulls": pa.array(f64_nulls, pa.float64(), from_pandas=False),
        "f32": pa.array(f32, pa.float32()),
        "f16": pa.array(f16, pa.float16()),
        "i32": pa.array(i32, pa.int32()),
        "i32_nulls": pa.array(i32_nulls, pa.int32()),
        "i64_small": pa.array(i64_small, pa.int64()),
        "i64": pa.array(i64, pa.int64()),
        "i64_big": pa.array(i64_big, pa.int64()),
        "i8": pa.array(i8, pa.int8()),
        "u8": pa.array(u8, pa.uint8()),
        "u16": pa.array(u16, pa.uint16()),
        "u32": pa.array(u32, pa.uint32()),
        "u64": pa.array(u64, pa.uint64()),
        "bool": pa.array(bools, pa.bool_()),
        "bool_nulls": pa.array(bool_nulls, pa.bool_()),
        "text": pa.array(text, pa.string()),
        "text_nulls": pa.array(text_nulls, pa.string()),
        "category": pa.array(categories, pa.string()).dictionary_encode(),
        "date": pa.array(dates, pa.date32()),
        "ts_ms": pa.array(ts_ms, pa.timestamp("ms")),
        "ts_us_utc": pa.array(ts_us, pa.timestamp("us", tz="UTC")),
        "ts_ns": pa.array(ts_ns, pa.timestamp("ns")),
        "time_us": pa.array(times, pa.time64("us")),
        "decimal": pa.array(decimals, pa.decimal128(12, 3)),
        "decimal0": pa.array(decimals0, pa.decimal128(9, 0)),
        "list_int": pa.array(lists, pa.list_(pa.int32())),
        "struct": pa.array(structs, pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "all_null": pa.nulls(n),
    })


# ---------------------------------------------------------------------------------------------------------
# JSON encoding of the values the Parquet reader must yield


def trunc_div(value, divisor):
    q = abs(value) // divisor
    return q if value >= 0 else -q


def encode_value(value, arrow_type):
    """The value as the reader yields it; floats (and decimals with a fraction) null as NaN (Float64Array)."""
    fractional = pa.types.is_floating(arrow_type) or (pa.types.is_decimal(arrow_type) and arrow_type.scale > 0)
    if value is None:
        return {"$float": "NaN"} if fractional else None
    if fractional:
        return encode_float(value)
    if pa.types.is_integer(arrow_type) or pa.types.is_decimal(arrow_type):
        return encode_int(int(value))
    if pa.types.is_date(arrow_type):
        return {"$date": (value - datetime.date(1970, 1, 1)).days * 86_400_000}
    if pa.types.is_list(arrow_type):
        return [encode_value(v, arrow_type.value_type) for v in value]
    if pa.types.is_struct(arrow_type):
        return {f.name: encode_value(value[f.name], f.type) for f in arrow_type}
    return value


def encode_column(column):
    arrow_type = column.type
    if pa.types.is_dictionary(arrow_type):
        column = column.cast(arrow_type.value_type)
        arrow_type = arrow_type.value_type
    if pa.types.is_timestamp(arrow_type) or pa.types.is_time(arrow_type):
        unit = arrow_type.unit
        raw = column.cast(pa.int64()).to_pylist()
        per_ms = {"ms": 1, "us": 1000, "ns": 10**6}
        return [None if v is None else {"$date": v * 1000 if unit == "s" else trunc_div(v, per_ms[unit])}
                for v in raw]
    return [encode_value(v, arrow_type) for v in column.to_pylist()]


# ---------------------------------------------------------------------------------------------------------
# Commands


def write_parquet(cmd):
    table = mixed_table(cmd["rows"], cmd["seed"])
    if cmd.get("required"):
        # Columns without nulls declared non-nullable: Parquet REQUIRED, pages without definition levels.
        fields = [f.with_nullable(False) if table.column(f.name).null_count == 0 and not pa.types.is_null(f.type)
                  else f for f in table.schema]
        table = pa.Table.from_arrays(table.columns, schema=pa.schema(fields))
    codec = cmd.get("codec", "snappy")
    pq.write_table(
        table,
        cmd["path"],
        compression=codec,
        row_group_size=cmd.get("row_group_size"),
        use_dictionary=cmd.get("use_dictionary", True),
        data_page_version=cmd.get("data_page_version", "1.0"),
        # Small pages so a column chunk spans several pages (and dictionary fallback is exercised).
        data_page_size=cmd.get("data_page_size", 4096),
        use_deprecated_int96_timestamps=cmd.get("int96", False),
    )
    return {"row_groups": pq.ParquetFile(cmd["path"]).metadata.num_row_groups}


def write_arrow(cmd):
    table = mixed_table(cmd["rows"], cmd["seed"])
    if cmd.get("columns"):
        table = table.select(cmd["columns"])
    options = ipc.IpcWriteOptions(
        use_legacy_format=cmd.get("legacy", False),
        compression=cmd.get("compression"),
    )
    batches = table.to_batches(max_chunksize=cmd.get("batch_size", 1 << 30))
    opener = ipc.new_file if cmd["format"] == "file" else ipc.new_stream
    with pa.OSFile(cmd["path"], "wb") as sink, opener(sink, table.schema, options=options) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return {"batches": len(batches)}


def expected(cmd):
    table = mixed_table(cmd["rows"], cmd["seed"])
    return {"columns": {name: encode_column(table.column(name)) for name in table.column_names}}


def pandas_stats(cmd):
    if cmd["format"] == "parquet":
        table = pq.read_table(cmd["path"])
    elif cmd["format"] == "arrow-file":
        table = ipc.open_file(cmd["path"]).read_all()
    else:
        table = ipc.open_stream(cmd["path"]).read_all()
    frame = table.to_pandas()
    stats = {}
    for name in frame.columns:
        series = frame[name]
        mean = None
        first = series.dropna().iloc[0] if series.notna().any() else None
        if isinstance(first, (decimal.Decimal, bool)):
            # object columns of Decimal or bool (a bool column with nulls): their mean as numbers.
            mean = encode_float(series.dropna().astype("float64").mean())
        elif pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            mean = encode_float(series.astype("float64").mean()) if series.notna().any() else None
        abs_max = None
        if mean is not None:
            abs_max = float(series.dropna().astype("float64").abs().max())
        stats[name] = {"n": int(len(series)), "null": int(series.isna().sum()), "mean": mean, "abs_max": abs_max}
    return {"stats": stats}


def write_wide(cmd):
    """~rows × (10 numeric + 2 string) columns, written in slices so memory stays bounded."""
    rows, step = cmd["rows"], cmd["row_group_size"]
    rng = np.random.RandomState(1)
    words = np.array([f"token-{i:05d}" for i in range(5000)])
    writer = None
    written = 0
    while written < rows:
        m = min(step, rows - written)
        columns = {}
        for c in range(6):
            columns[f"f{c}"] = pa.array(rng.normal(c, 1 + c, m))
        for c in range(4):
            columns[f"i{c}"] = pa.array(rng.randint(-(10 ** (c + 3)), 10 ** (c + 3), m, dtype=np.int64))
        columns["s0"] = pa.array(words[rng.randint(0, len(words), m)])
        columns["s1"] = pa.array([f"id-{v:012d}" for v in rng.randint(0, 10**12, m, dtype=np.int64)])
        table = pa.table(columns)
        if writer is None:
            writer = pq.ParquetWriter(cmd["path"], table.schema, compression="snappy")
        writer.write_table(table, row_group_size=step)
        written += m
    writer.close()
    meta = pq.ParquetFile(cmd["path"]).metadata
    return {"row_groups": meta.num_row_groups, "rows": meta.num_rows}


if __name__ == "__main__":
    serve({
        "write_parquet": write_parquet,
        "write_arrow": write_arrow,
        "expected": expected,
        "pandas_stats": pandas_stats,
        "write_wide": write_wide,
    })
