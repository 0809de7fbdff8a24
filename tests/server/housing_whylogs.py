"""pip whylogs on the California housing files, for tests/server/housing-e2e.test.ts.

  python housing_whylogs.py reference <reference.csv> <copy.bin>
      Profiles the CSV (pandas + why.log), uploads it with the unmodified WhyLabs writer as the reference profile
      named "reference" (server URL and key from WHYLABS_* in the environment), and writes the same view to
      <copy.bin> so the test can compare against exactly what was sent. Prints {"ok", "id"} as JSON.

  python housing_whylogs.py read <profile.bin>
      Reads a profile with why.read and prints, per column of view.to_pandas(), counts/n, counts/null and
      distribution/mean (null where whylogs has none, e.g. a string column), as JSON.
"""
import json
import math
import os
import sys

# Must be set before whylogs is imported: no config-file probe of a public bucket, no telemetry.
os.environ.setdefault("_WHYLABS_SKIP_CONFIG_READ", "1")
os.environ.setdefault("WHYLOGS_NO_ANALYTICS", "1")
for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "WHYLOGS_PREFER_SYNC", "WHYLABS_REFERENCE_PROFILE_NAME"):
    os.environ.pop(name, None)

import pandas as pd  # noqa: E402
import whylogs as why  # noqa: E402


def reference(csv_path, copy_path):
    results = why.log(pd.read_csv(csv_path))
    ok, profile_id = results.writer("whylabs").option(reference_profile_name="reference").write()
    with open(copy_path, "wb") as out:
        out.write(results.view().serialize())
    print(json.dumps({"ok": bool(ok), "id": profile_id}))


def number(value):
    # JSON has no NaN: whylogs reports a mean it cannot compute as NaN (or leaves the cell empty).
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def read(path):
    frame = why.read(path).view().to_pandas()
    out = {}
    for column, row in frame.iterrows():
        out[column] = {
            "n": int(row["counts/n"]),
            "null": int(row["counts/null"]),
            "mean": number(row["distribution/mean"]) if "distribution/mean" in row else None,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"reference": reference, "read": read}[command](*args)
