"""The dataset of bench/profile-data.mjs for the Python peers (bench/profile_peer.py, bench/drift_peer.py), and
their shared timing loop (also used by bench/performance_peer.py).

- `generate_chunk`: a numpy transcription of the generator that produces bit-identical values (every cell from
  32-bit integer hashes of (column, row); floats only through +, -, *, / and floor, which IEEE 754 rounds the
  same in V8 and numpy). `shifted=True` is the drift benchmark's current window (the `shifted` formulas and null
  rates of bench/profile-data.mjs).
- `load_files`: the raw arrays the JavaScript side wrote (`writeRawFiles`), and `check_generator`, which the
  peers run before timing anything so that a formula changed on one side only is caught at once.
- `to_frame`: the pandas DataFrame a user would hold (float64 with NaN; nullable "Int64" with <NA>; strings
  and booleans as object with None; timestamps as datetime64[ns] with NaT).
- `measure`: warm-up, then timed repetitions; median. `in_ms`: such a timing in milliseconds.
"""

import statistics
import time

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------------------------------------
# The generator (bench/profile-data.mjs, transcribed)

M32 = 0xFFFFFFFF
GOLDEN = 0x9E3779B9
NULL_THRESHOLD = 214_748_365
TRUE_THRESHOLD = 1_288_490_189
TS_BASE_MS = 1_704_067_200_000
# The drift benchmark's current window (`shifted` in bench/profile-data.mjs).
SHIFTED_TRUE_THRESHOLD = 1_503_238_554
SHIFTED_NULL_THRESHOLD = 858_993_459
SHIFTED_NULL_THRESHOLDS = {"float_1": SHIFTED_NULL_THRESHOLD}
TWO_53 = float(2**53)

# (name, kind) in column order; the value formulas are in `column_values`.
COLUMNS = (
    [(f"float_{i}", "float") for i in range(8)]
    + [(f"int_{i}", "int") for i in range(5)]
    + [(f"str_low_{i}", "string") for i in range(3)]
    + [(f"str_high_{i}", "string") for i in range(2)]
    + [("bool", "bool"), ("timestamp", "timestamp")]
)


def fmix_scalar(z):
    z &= M32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
    return z ^ (z >> 16)


def fmix(z):
    """murmur3's 32-bit finalizer on a uint64 array holding uint32 values."""
    z = ((z ^ (z >> np.uint64(16))) * np.uint64(0x85EBCA6B)) & np.uint64(M32)
    z = ((z ^ (z >> np.uint64(13))) * np.uint64(0xC2B2AE35)) & np.uint64(M32)
    return z ^ (z >> np.uint64(16))


def stream_seed(c, k):
    return fmix_scalar((c + 1) * 0x632BE5AB + k * 0x85157AF5 + 0x2545F491)


def shifted_values(name, x, u, v):
    """The `shifted` formulas of bench/profile-data.mjs (the drift benchmark's current window), else None."""
    if name == "float_0":
        return x * 1000 + 100
    if name == "float_2":
        return (x - 0.5) * 120
    if name == "float_3":
        return x * x * 1.03e6
    if name == "int_0":
        return (u % np.uint64(120)).astype(np.int64)
    if name == "str_low_0":
        return [f"color-{k}" for k in (u % np.uint64(24)).tolist()]
    if name == "bool":
        return u < np.uint64(SHIFTED_TRUE_THRESHOLD)
    return None


def column_values(name, x, u, v, index):
    """The value formulas of bench/profile-data.mjs (x: uniform float64, u/v: uint32 draws as uint64)."""
    if name == "float_0":
        return x * 1000
    if name == "float_1":
        return x
    if name == "float_2":
        return (x - 0.5) * 80
    if name == "float_3":
        return x * x * 1e6
    if name == "float_4":
        return 1 / (x + 0.001)
    if name == "float_5":
        return np.floor(x * 100000) / 100
    if name == "float_6":
        return x * 2 - 1
    if name == "float_7":
        return (u % np.uint64(1000)).astype(np.float64) / 8
    if name == "int_0":
        return (u % np.uint64(100)).astype(np.int64)
    if name == "int_1":
        return (u % np.uint64(1_000_000)).astype(np.int64) - 500_000
    if name == "int_2":
        return u.astype(np.int64) * 2**21 + (v >> np.uint64(11)).astype(np.int64) - 2**52
    if name == "int_3":
        return index.astype(np.int64) + 1_000_000_000
    if name == "int_4":
        return (u % np.uint64(80)).astype(np.int64) + 18
    if name == "str_low_0":
        return [f"color-{k}" for k in (u % np.uint64(20)).tolist()]
    if name == "str_low_1":
        return [f"status-{k}" for k in np.floor(x * x * 20).astype(np.int64).tolist()]
    if name == "str_low_2":
        return [f"category/{k}" for k in (u % np.uint64(16)).tolist()]
    if name == "str_high_0":
        return [f"user-{k}" for k in (u % np.uint64(200_000)).tolist()]
    if name == "str_high_1":
        return [f"sess-{k:06x}" for k in (u % np.uint64(200_003)).tolist()]
    if name == "bool":
        return u < np.uint64(TRUE_THRESHOLD)
    if name == "timestamp":
        return (
            TS_BASE_MS
            + (u % np.uint64(31_536_000)).astype(np.int64) * 1000
            + (v % np.uint64(1000)).astype(np.int64)
        )
    raise KeyError(name)


def generate_chunk(start, count, shifted=False):
    """Rows [start, start + count): {name: (kind, values, valid)}; values at null slots are unspecified.

    `shifted`: the drift benchmark's current window (`generateRaw(start, count, { shifted: true })`)."""
    index = np.arange(start, start + count, dtype=np.uint64)
    step = ((index + np.uint64(1)) * np.uint64(GOLDEN)) & np.uint64(M32)
    out = {}
    for c, (name, kind) in enumerate(COLUMNS):
        seeds = [np.uint64(stream_seed(c, k)) for k in range(3)]
        null_threshold = SHIFTED_NULL_THRESHOLDS.get(name, NULL_THRESHOLD) if shifted else NULL_THRESHOLD
        valid = fmix((seeds[2] + step) & np.uint64(M32)) >= np.uint64(null_threshold)
        u = fmix((seeds[0] + step) & np.uint64(M32))
        v = fmix((seeds[1] + step) & np.uint64(M32))
        x = (u.astype(np.float64) * 2097152.0 + (v >> np.uint64(11)).astype(np.float64)) / TWO_53
        values = shifted_values(name, x, u, v) if shifted else None
        if values is None:
            values = column_values(name, x, u, v, index)
        out[name] = (kind, values, valid)
    return out


def object_column(values, valid):
    column = np.empty(len(valid), dtype=object)
    column[:] = values
    column[~valid] = None
    return column


def to_frame(raw):
    """The pandas DataFrame a whylogs user would hold (dtypes: see the module docstring)."""
    data = {}
    for name, (kind, values, valid) in raw.items():
        if kind == "float":
            data[name] = np.where(valid, values, np.nan)
        elif kind == "int":
            data[name] = pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), ~valid)
        elif kind == "string":
            data[name] = object_column(values, valid)
        elif kind == "bool":
            data[name] = object_column(np.asarray(values, dtype=bool).tolist(), valid)
        elif kind == "timestamp":
            stamps = np.asarray(values, dtype=np.int64).astype("datetime64[ms]").astype("datetime64[ns]")
            stamps[~valid] = np.datetime64("NaT")
            data[name] = stamps
    return pd.DataFrame(data)


# ---------------------------------------------------------------------------------------------------------
# Input files (written by `writeRawFiles` in bench/profile-data.mjs)


def load_files(files, rows):
    raw = {}
    for name, kind in COLUMNS:
        entry = files[name]
        valid = np.fromfile(entry["valid"], dtype=np.uint8).astype(bool)
        if kind == "float":
            values = np.fromfile(entry["values"], dtype="<f8")
        elif kind in ("int", "timestamp"):
            values = np.fromfile(entry["values"], dtype="<i8")
        elif kind == "bool":
            values = np.fromfile(entry["values"], dtype=np.uint8).astype(bool)
        else:
            with open(entry["values"], encoding="utf-8") as handle:
                values = handle.read().split("\n")
        if len(values) != rows or len(valid) != rows:
            raise ValueError(f"{name}: expected {rows} rows, file has {len(values)}")
        raw[name] = (kind, values, valid)
    return raw


def check_generator(raw, count, start=0, shifted=False):
    """The numpy generator must reproduce the files Node wrote (their first `count` rows, which are rows
    [start, start + count) of the dataset)."""
    mine = generate_chunk(start, count, shifted)
    for name, (kind, values, valid) in raw.items():
        _, my_values, my_valid = mine[name]
        if not np.array_equal(valid[:count], my_valid):
            raise AssertionError(f"generator mismatch in the null mask of {name}")
        present = valid[:count]
        theirs = np.asarray(values[:count], dtype=object if kind == "string" else None)[present]
        ours = np.asarray(my_values, dtype=object if kind == "string" else None)[present]
        if not np.array_equal(theirs, ours):
            raise AssertionError(f"generator mismatch in the values of {name}")


# ---------------------------------------------------------------------------------------------------------
# Timing


def measure(prepare, run, ops, repetitions, warmup):
    """`warmup()` once, then `repetitions` × (`prepare()` untimed, `run(state)` timed); ns per op."""
    warmup()
    samples = []
    result = None
    for _ in range(repetitions):
        state = prepare()
        start = time.perf_counter_ns()
        result = run(state)
        samples.append((time.perf_counter_ns() - start) / ops)
    timing = {
        "nsPerOp": statistics.median(samples),
        "minNsPerOp": min(samples),
        "maxNsPerOp": max(samples),
        "ops": ops,
        "repetitions": repetitions,
    }
    return timing, result


def in_ms(timing):
    """A `measure` timing in milliseconds per operation, as the peers report it."""
    return {
        "ms": timing["nsPerOp"] / 1e6,
        "minMs": timing["minNsPerOp"] / 1e6,
        "maxMs": timing["maxNsPerOp"] / 1e6,
        "repetitions": timing["repetitions"],
    }
