"""Cross-language oracle for the @sightglass/sketches test suite.

Reads one JSON document from stdin, {"commands": [...]}, runs every command against the pip package it
names and writes {"results": [...]} (same order) to stdout. Batching many commands into one process keeps
the suite fast: interpreter start-up plus the two imports cost about 0.2 s, a command costs microseconds
to milliseconds.

Conventions
- "pkg": "datasketches" (upstream, pip datasketches) or "whylogs" (the fork, pip whylogs-sketching).
- Serialized images and float64 arrays travel as base64 so that every bit survives the trip.
- Int64 values travel as decimal strings (JSON numbers lose precision above 2**53).
- A failing command yields {"error": "..."} instead of aborting the batch, so one bad image cannot hide
  the results of the others.
"""

import base64
import math
import sys

import datasketches as upstream
import numpy as np
import whylogs_sketching as fork

from oracle_protocol import serve

PACKAGES = {"datasketches": upstream, "whylogs": fork}
HLL_TYPES = {"HLL_4": "HLL_4", "HLL_6": "HLL_6", "HLL_8": "HLL_8"}


def b64decode(text):
    return base64.b64decode(text)


def b64encode(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def float64_array(text):
    return np.frombuffer(b64decode(text), dtype="<f8")


def finite_or_text(value):
    """JSON has no NaN/Infinity; the TS side turns these strings back into numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


# ---------------------------------------------------------------------------------------------------------
# KLL. The two packages expose different accessor spellings (properties upstream, get_* in the fork).


def kll_class(pkg, item_type):
    module = PACKAGES[pkg]
    return module.kll_floats_sketch if item_type == "floats" else module.kll_doubles_sketch


def kll_summary(pkg, sketch, query):
    """Serializes first (queries sort level 0 and would change the image), then answers every query."""
    image = sketch.serialize()
    if pkg == "datasketches":
        n, k, retained = sketch.n, sketch.k, sketch.num_retained
    else:
        n, k, retained = sketch.get_n(), sketch.get_k(), sketch.get_num_retained()
    result = {"image": b64encode(image), "n": n, "k": k, "numRetained": retained, "isEmpty": sketch.is_empty()}
    if sketch.is_empty():
        return result
    result["min"] = sketch.get_min_value()
    result["max"] = sketch.get_max_value()
    ranks = query.get("ranks", [])
    points = query.get("points", [])
    splits = query.get("splits", [])
    for inclusive, suffix in ((True, "Inclusive"), (False, "Exclusive")):
        result["quantiles" + suffix] = [sketch.get_quantile(r, inclusive) for r in ranks]
        result["batchQuantiles" + suffix] = list(sketch.get_quantiles(ranks, inclusive)) if ranks else []
        result["ranks" + suffix] = [sketch.get_rank(p, inclusive) for p in points]
        if splits:
            result["cdf" + suffix] = list(sketch.get_cdf(splits, inclusive))
            result["pmf" + suffix] = list(sketch.get_pmf(splits, inclusive))
    # The instance method uses min_k (smaller after merging a sketch with a smaller k), as TS does.
    result["normalizedRankErrorPmf"] = sketch.normalized_rank_error(True)
    result["normalizedRankErrorRank"] = sketch.normalized_rank_error(False)
    return result


def kll_build(cmd):
    pkg = cmd["pkg"]
    sketch = kll_class(pkg, cmd.get("itemType", "doubles"))(cmd["k"])
    values = float64_array(cmd["values"])
    if cmd.get("itemType") == "floats":
        values = values.astype(np.float32)
    # Scalar updates keep the arrival order identical to the TS side (the batch path is the same loop in C++).
    for value in values:
        sketch.update(float(value))
    return kll_summary(pkg, sketch, cmd.get("query", {}))


def kll_read(cmd):
    pkg = cmd["pkg"]
    sketch = kll_class(pkg, cmd.get("itemType", "doubles")).deserialize(b64decode(cmd["image"]))
    return kll_summary(pkg, sketch, cmd.get("query", {}))


def kll_merge(cmd):
    pkg = cmd["pkg"]
    cls = kll_class(pkg, "doubles")
    target = cls.deserialize(b64decode(cmd["images"][0]))
    for image in cmd["images"][1:]:
        target.merge(cls.deserialize(b64decode(image)))
    return kll_summary(pkg, target, cmd.get("query", {}))


# ---------------------------------------------------------------------------------------------------------
# HLL. Python's update(int) hashes an int64, update(float) a double and update(str) the UTF-8 bytes.


def hll_items(spec):
    """Yields the Python values of one input spec; the TS side generates the same sequence."""
    kind = spec["kind"]
    if kind == "int64":
        for value in spec["values"]:
            yield int(value)
    elif kind == "double":
        for value in float64_array(spec["values"]):
            yield float(value)
    elif kind == "string":
        yield from spec["values"]
    elif kind == "int64-range":
        yield from range(int(spec["start"]), int(spec["start"]) + spec["count"])
    elif kind == "string-range":
        prefix = spec["prefix"]
        for i in range(spec["start"], spec["start"] + spec["count"]):
            yield f"{prefix}{i}"
    elif kind == "double-range":
        # value = start + i * step, evaluated in float64 exactly as JS does.
        start, step = float(spec["start"]), float(spec["step"])
        for i in range(spec["count"]):
            yield start + i * step
    else:
        raise ValueError(f"unknown hll input kind {kind}")


def hll_type(pkg, name):
    return getattr(PACKAGES[pkg], HLL_TYPES[name])


def hll_type_name(pkg, sketch):
    value = sketch.tgt_type
    module = PACKAGES[pkg]
    for name in HLL_TYPES:
        if value == getattr(module, name):
            return name
    raise ValueError(f"unknown hll type {value}")


def hll_summary(pkg, sketch):
    return {
        "lgK": sketch.lg_config_k,
        "type": hll_type_name(pkg, sketch),
        "isEmpty": sketch.is_empty(),
        "isCompact": sketch.is_compact(),
        "estimate": sketch.get_estimate(),
        "lowerBounds": [sketch.get_lower_bound(i) for i in (1, 2, 3)],
        "upperBounds": [sketch.get_upper_bound(i) for i in (1, 2, 3)],
        "compact": b64encode(sketch.serialize_compact()),
        "updatable": b64encode(sketch.serialize_updatable()),
    }


def hll_build(cmd):
    pkg = cmd["pkg"]
    sketch = PACKAGES[pkg].hll_sketch(cmd["lgK"], hll_type(pkg, cmd["type"]))
    for spec in cmd["inputs"]:
        for value in hll_items(spec):
            sketch.update(value)
    return hll_summary(pkg, sketch)


def hll_read(cmd):
    pkg = cmd["pkg"]
    return hll_summary(pkg, PACKAGES[pkg].hll_sketch.deserialize(b64decode(cmd["image"])))


def hll_union(cmd):
    pkg = cmd["pkg"]
    module = PACKAGES[pkg]
    union = module.hll_union(cmd["lgMaxK"])
    for image in cmd["images"]:
        union.update(module.hll_sketch.deserialize(b64decode(image)))
    result = hll_summary(pkg, union.get_result(hll_type(pkg, cmd["type"])))
    result["unionEstimate"] = union.get_estimate()
    result["unionLowerBounds"] = [union.get_lower_bound(i) for i in (1, 2, 3)]
    result["unionUpperBounds"] = [union.get_upper_bound(i) for i in (1, 2, 3)]
    return result


# ---------------------------------------------------------------------------------------------------------
# Frequent items (strings).

ABSENT_PROBE = "\u0000sightglass-absent-probe\u0000"


def fi_summary(pkg, sketch, query):
    module = PACKAGES[pkg]
    if pkg == "datasketches":
        total_weight, active = sketch.total_weight, sketch.num_active_items
    else:
        total_weight, active = sketch.get_total_weight(), sketch.get_num_active_items()
    probes = query.get("probes", [])
    result = {
        "image": b64encode(sketch.serialize()),
        "isEmpty": sketch.is_empty(),
        "totalWeight": total_weight,
        "numActiveItems": active,
        # Python exposes no get_maximum_error; an absent item's bounds are [0, offset] = [0, maximum error].
        "maximumError": sketch.get_upper_bound(ABSENT_PROBE) - sketch.get_lower_bound(ABSENT_PROBE),
        "probes": [
            [sketch.get_estimate(p), sketch.get_lower_bound(p), sketch.get_upper_bound(p)] for p in probes
        ],
        "frequentItems": {},
    }
    for threshold in query.get("thresholds", [0]):
        for name in ("NO_FALSE_POSITIVES", "NO_FALSE_NEGATIVES"):
            rows = sketch.get_frequent_items(getattr(module, name), threshold)
            result["frequentItems"][f"{name}:{threshold}"] = [list(row) for row in rows]
    return result


def fi_build(cmd):
    pkg = cmd["pkg"]
    sketch = PACKAGES[pkg].frequent_strings_sketch(cmd["lgMaxMapSize"])
    for item, weight in cmd["updates"]:
        sketch.update(item, int(weight))
    return fi_summary(pkg, sketch, cmd.get("query", {}))


def fi_read(cmd):
    pkg = cmd["pkg"]
    sketch = PACKAGES[pkg].frequent_strings_sketch.deserialize(b64decode(cmd["image"]))
    return fi_summary(pkg, sketch, cmd.get("query", {}))


def fi_merge(cmd):
    pkg = cmd["pkg"]
    cls = PACKAGES[pkg].frequent_strings_sketch
    target = cls.deserialize(b64decode(cmd["images"][0]))
    for image in cmd["images"][1:]:
        target.merge(cls.deserialize(b64decode(image)))
    return fi_summary(pkg, target, cmd.get("query", {}))


# ---------------------------------------------------------------------------------------------------------


def versions(_cmd):
    from importlib.metadata import version

    return {
        "python": sys.version.split()[0],
        "datasketches": version("datasketches"),
        "whylogs-sketching": version("whylogs-sketching"),
        "numpy": np.__version__,
    }


COMMANDS = {
    "versions": versions,
    "kll.build": kll_build,
    "kll.read": kll_read,
    "kll.merge": kll_merge,
    "hll.build": hll_build,
    "hll.read": hll_read,
    "hll.union": hll_union,
    "fi.build": fi_build,
    "fi.read": fi_read,
    "fi.merge": fi_merge,
}



def sanitize(value):
    if isinstance(value, dict):
        return {key: sanitize(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize(item) for item in value]
    return finite_or_text(value)


if __name__ == "__main__":
    serve(COMMANDS, sanitize)
