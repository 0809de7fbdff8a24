"""Runs a notebook top to bottom with nbclient (as CI does) and saves the executed copy.

Usage: python execute.py <notebook.ipynb> <executed.ipynb>
Exits 1, naming the failing cell, when any cell raises.
"""

from __future__ import annotations

import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(source: str, target: str) -> int:
    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}})
    try:
        client.execute()
    except CellExecutionError as error:
        nbformat.write(notebook, target)
        print(f"notebook {source} failed: {error}", file=sys.stderr)
        return 1
    nbformat.write(notebook, target)
    print(f"executed {len(notebook.cells)} cells of {source} → {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
