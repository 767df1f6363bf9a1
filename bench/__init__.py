"""Benchmarks over the in-process fakes: ``python -m bench <name> [options]``.

Each ``bench/<name>.py`` module has a ``main(argv)`` (or ``main()``) function.
"""
