"""Fixtures of the chaos suite: helper modules on the path, and a backend parameter for the
shared store (a SQLite file; a fresh PostgreSQL schema, skipped when the server is absent)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # cluster, expect, stores (also for the worker processes)
pytest.register_assert_rewrite("cluster", "expect", "stores")

from cluster import WORKER_SETTINGS, Served  # noqa: E402
from stores import postgres_problem, store_spec  # noqa: E402

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """A fresh shared store, described for child processes."""
    if request.param == "postgres":
        problem = postgres_problem()
        if problem:
            pytest.skip(problem)
    return store_spec(request.param, tmp_path)


@pytest.fixture
def served(spec: list[str]) -> Iterator[Served]:
    """Both fakes served on sockets and a shared store for worker processes."""
    world = Served(spec, **WORKER_SETTINGS)
    yield world
    world.close()
