"""Dispatch ``python -m bench <name> [options]`` to ``bench/<name>.py``'s ``main``;
``python -m bench`` alone runs ``all`` (every benchmark, then ``docs/performance.md``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    """Names of the benchmark modules beside this file."""
    here = str(Path(__file__).parent)
    return sorted(m.name for m in pkgutil.iter_modules([here]) if not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv) or ["all"]  # no name: everything
    names = available()
    if not args or args[0] in {"-h", "--help"} or args[0] not in names:
        print("usage: python -m bench <name> [options]\nbenchmarks: " + ", ".join(names))
        return 0 if not args or args[0] in {"-h", "--help"} else 2
    name, rest = args[0], args[1:]
    module = importlib.import_module(f"bench.{name}")
    entry = module.main
    sys.argv = [f"bench {name}", *rest]
    result = entry(rest) if inspect.signature(entry).parameters else entry()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
