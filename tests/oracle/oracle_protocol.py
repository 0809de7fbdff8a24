"""The JSON batch protocol every oracle script speaks: {"commands": [{"op": ...}, ...]} on stdin,
{"results": [...]} on stdout in the same order. A failing command yields {"error", "trace"} in its slot, so the
TypeScript side fails the matching test instead of losing the whole batch."""

import json
import math
import sys
import traceback

# Integers beyond ±2^53 lose digits as JSON numbers read by JavaScript: they travel as {"$int": "…"}.
SAFE_INT = 2**53


def encode_float(value):
    """A float as JSON: NaN and ±inf, which JSON lacks, as {"$float": "NaN" | "Infinity" | "-Infinity"}."""
    value = float(value)
    if math.isnan(value):
        return {"$float": "NaN"}
    if math.isinf(value):
        return {"$float": "Infinity" if value > 0 else "-Infinity"}
    return value


def encode_int(value):
    value = int(value)
    return value if -SAFE_INT <= value <= SAFE_INT else {"$int": str(value)}


def serve(commands, transform=lambda result: result):
    """Answers one request from stdin with `commands[op](cmd)` per command, passed through `transform`."""
    request = json.load(sys.stdin)
    results = []
    for cmd in request["commands"]:
        try:
            result = commands[cmd["op"]](cmd)
        except Exception as exc:  # reported per command, see the module docstring
            result = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=4)}
        results.append(transform(result))
    json.dump({"results": results}, sys.stdout, allow_nan=False)
