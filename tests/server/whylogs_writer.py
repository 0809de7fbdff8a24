"""Drives pip whylogs' unmodified WhyLabs writer against a Sightglass server (URL and key from the environment).

Prints one JSON line with what each write() returned. Usage: python whylogs_writer.py <case>...
"""
import json
import os
import sys

# Must be set before whylogs is imported: no config-file probe of a public bucket, no telemetry.
os.environ.setdefault("_WHYLABS_SKIP_CONFIG_READ", "1")
os.environ.setdefault("WHYLOGS_NO_ANALYTICS", "1")
for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "WHYLOGS_PREFER_SYNC", "WHYLABS_REFERENCE_PROFILE_NAME"):
    os.environ.pop(name, None)

import datetime  # noqa: E402

import pandas as pd  # noqa: E402
import whylogs as why  # noqa: E402
from whylogs.core.schema import DatasetSchema  # noqa: E402
from whylogs.core.segmentation_partition import segment_on_column  # noqa: E402

TS = datetime.datetime(2024, 5, 1, 10, 30, tzinfo=datetime.timezone.utc)
frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "x", "y"], "c": [0.5, 1.5, 2.5, 3.5]})
segmented = DatasetSchema(segments=segment_on_column("b"))
labels = pd.DataFrame({"pred": [0, 1, 1, 0], "target": [0, 1, 0, 0], "score": [0.1, 0.9, 0.8, 0.3]})


def stamped(result_set):
    result_set.set_dataset_timestamp(TS)
    return result_set


CASES = {
    "batch": lambda: stamped(why.log(frame)).writer("whylabs").write(),
    "reference": lambda: stamped(why.log(frame)).writer("whylabs").option(reference_profile_name="ref-a").write(),
    "segmented": lambda: stamped(why.log(frame, schema=segmented)).writer("whylabs").write(),
    "segmented-zip": lambda: stamped(why.log(frame, schema=segmented)).writer("whylabs").write(zip=True),
    "segmented-reference": lambda: stamped(why.log(frame, schema=segmented))
    .writer("whylabs")
    .option(reference_profile_name="ref-seg")
    .write(),
    "classification": lambda: stamped(
        why.log_classification_metrics(labels, target_column="target", prediction_column="pred", score_column="score")
    )
    .writer("whylabs")
    .write(),
}

results = {}
for case in sys.argv[1:]:
    ok, ids = CASES[case]()
    results[case] = {"ok": bool(ok), "ids": ids}
print(json.dumps(results))
