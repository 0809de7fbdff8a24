"""Python peer of bench/run.mjs: the same cases with pip `datasketches`, on the same input files.

Usage: python bench/peer.py <config.json>  (written by run.mjs; prints {"versions", "results"} as JSON)

Every case mirrors its JavaScript twin: inputs are loaded and converted to Python objects before timing
(a list of floats / ints / strs, as a Python user would hold them), one warm-up repetition, then the median
of the timed repetitions in ns per operation. Batch APIs are used where datasketches 5.2 has them: only
kll_doubles_sketch.update(numpy.ndarray) exists; HLL and frequent items take one item per call.
"""

import json
import statistics
import sys
import time
from importlib.metadata import version

import datasketches as ds
import numpy as np


def measure(prepare, run, ops, repetitions):
    samples = []
    for rep in range(repetitions + 1):
        state = prepare()
        start = time.perf_counter_ns()
        run(state)
        elapsed = time.perf_counter_ns() - start
        if rep > 0:
            samples.append(elapsed / ops)
    return {"nsPerOp": statistics.median(samples), "minNsPerOp": min(samples), "maxNsPerOp": max(samples), "ops": ops}


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    reps = config["repetitions"]
    stream_n = config["streamN"]
    ops = config["ops"]
    files = config["files"]
    union_n = int(config["unionInputN"])
    cache = {}

    def uniform_array():
        if "uniform" not in cache:
            cache["uniform"] = np.fromfile(files["uniform"], dtype="<f8")
        return cache["uniform"]

    def uniform_list():
        if "uniform_list" not in cache:
            cache["uniform_list"] = uniform_array().tolist()
        return cache["uniform_list"]

    def int_list():
        if "ints" not in cache:
            cache["ints"] = list(range(stream_n))
        return cache["ints"]

    def item_strings():
        if "items" not in cache:
            cache["items"] = [f"item-{i}" for i in range(stream_n)]
        return cache["items"]

    def zipf_stream():
        if "zipf" not in cache:
            words = [f"word-{i}" for i in range(config["zipfVocabulary"])]
            cache["zipf"] = [words[i] for i in np.fromfile(files["zipf"], dtype="<u4").tolist()]
        return cache["zipf"]

    def build_kll(name):
        sketch = ds.kll_doubles_sketch(200)
        sketch.update(np.fromfile(files[name], dtype="<f8"))
        return sketch

    def build_hll(tgt, count, offset):
        sketch = ds.hll_sketch(12, tgt)
        for i in range(offset, offset + count):
            sketch.update(i)
        return sketch

    def fi_sketch():
        if "fi" not in cache:
            sketch = ds.frequent_strings_sketch(10)
            update = sketch.update
            for word in zipf_stream():
                update(word)
            cache["fi"] = sketch
        return cache["fi"]

    def scalar_updates(factory, items):
        def run(sketch):
            update = sketch.update
            for item in items:
                update(item)

        return measure(factory, run, len(items), reps)

    def serialize(sketch, write, count):
        def run(_state):
            for _ in range(count):
                write(sketch)

        return measure(lambda: None, run, count, reps)

    def deserialize(image, read, count):
        def run(_state):
            for _ in range(count):
                read(image)

        return measure(lambda: None, run, count, reps)

    def kll_merge():
        target_image = build_kll("kllA").serialize()
        source = build_kll("kllB")
        count = int(ops["merge"])

        def prepare():
            return [ds.kll_doubles_sketch.deserialize(target_image) for _ in range(count)]

        def run(targets):
            for target in targets:
                target.merge(source)

        return measure(prepare, run, count, reps)

    def hll_union():
        hll8 = build_hll(ds.HLL_8, union_n, 0)
        hll4 = build_hll(ds.HLL_4, union_n, union_n // 2)
        count = int(ops["union"])

        def run(_state):
            for _ in range(count):
                union = ds.hll_union(12)
                union.update(hll8)
                union.update(hll4)
                union.get_result(ds.HLL_4).get_estimate()

        return measure(lambda: None, run, count, reps)

    def kll_batch():
        values = uniform_array()

        def run(sketch):
            sketch.update(values)

        return measure(lambda: ds.kll_doubles_sketch(200), run, len(values), reps)

    serde = int(ops["serde"])
    fi_serde = int(ops["fiSerde"])
    cases = {
        "kll-update": lambda: scalar_updates(lambda: ds.kll_doubles_sketch(200), uniform_list()),
        "kll-update-many": kll_batch,
        "hll8-int64": lambda: scalar_updates(lambda: ds.hll_sketch(12, ds.HLL_8), int_list()),
        "hll4-int64": lambda: scalar_updates(lambda: ds.hll_sketch(12, ds.HLL_4), int_list()),
        "hll8-double": lambda: scalar_updates(lambda: ds.hll_sketch(12, ds.HLL_8), uniform_list()),
        "hll4-double": lambda: scalar_updates(lambda: ds.hll_sketch(12, ds.HLL_4), uniform_list()),
        "hll8-string": lambda: scalar_updates(lambda: ds.hll_sketch(12, ds.HLL_8), item_strings()),
        "hll4-string": lambda: scalar_updates(lambda: ds.hll_sketch(12, ds.HLL_4), item_strings()),
        "fi-zipf": lambda: scalar_updates(lambda: ds.frequent_strings_sketch(10), zipf_stream()),
        "kll-merge": kll_merge,
        "hll-union": hll_union,
        "kll-serialize": lambda: serialize(build_kll("kllA"), lambda s: s.serialize(), serde),
        "kll-deserialize": lambda: deserialize(
            build_kll("kllA").serialize(), ds.kll_doubles_sketch.deserialize, serde
        ),
        "hll4-serialize": lambda: serialize(build_hll(ds.HLL_4, union_n, 0), lambda s: s.serialize_compact(), serde),
        "hll4-deserialize": lambda: deserialize(
            build_hll(ds.HLL_4, union_n, 0).serialize_compact(), ds.hll_sketch.deserialize, serde
        ),
        "hll8-serialize": lambda: serialize(build_hll(ds.HLL_8, union_n, 0), lambda s: s.serialize_compact(), serde),
        "hll8-deserialize": lambda: deserialize(
            build_hll(ds.HLL_8, union_n, 0).serialize_compact(), ds.hll_sketch.deserialize, serde
        ),
        "fi-serialize": lambda: serialize(fi_sketch(), lambda s: s.serialize(), fi_serde),
        "fi-deserialize": lambda: deserialize(fi_sketch().serialize(), ds.frequent_strings_sketch.deserialize, fi_serde),
    }

    results = {}
    for case_id in config["cases"]:
        sys.stderr.write(f"[bench] python {case_id} …\n")
        results[case_id] = cases[case_id]()
    versions = {
        "python": sys.version.split()[0],
        "datasketches": version("datasketches"),
        "numpy": np.__version__,
    }
    json.dump({"versions": versions, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
