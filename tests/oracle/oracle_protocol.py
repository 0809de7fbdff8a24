"""The JSON batch protocol every oracle script speaks: {"commands": [{"op": ...}, ...]} on stdin,
{"results": [...]} on stdout in the same order. A failing command yields {"error", "trace"} in its slot, so the
TypeScript side fails the matching test instead of losing the whole batch."""

import json
import sys
import traceback


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
