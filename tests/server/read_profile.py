"""Reads a whylogs v1 file with pip whylogs and prints its summary as JSON (column → {counts/n, distribution/mean})."""
import json
import sys

import whylogs as why

view = why.read(sys.argv[1]).view()
frame = view.to_pandas()
out = {}
for column, row in frame.iterrows():
    out[column] = {"n": int(row["counts/n"]), "mean": None if "distribution/mean" not in row else float(row["distribution/mean"])}
print(json.dumps(out))
