"""Counters of the requests a client sent (benchmarks count API calls per synced item)."""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["RequestStats"]


class RequestStats:
    """Requests sent so far: ``total``, ``by_method`` ("GET" -> n) and ``by_entity``.

    Every HTTP attempt counts, retries included, because each one counts against Autotask's
    hourly threshold. Thread-safe; :meth:`reset` starts again from zero.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_method: Counter[str] = Counter()
        self._by_entity: Counter[str] = Counter()
        self._total = 0

    def record(self, method: str, entity: str | None) -> None:
        """Count one request."""
        with self._lock:
            self._total += 1
            self._by_method[method.upper()] += 1
            self._by_entity[entity or "?"] += 1

    @property
    def total(self) -> int:
        """All requests sent."""
        return self._total

    @property
    def by_method(self) -> dict[str, int]:
        """Requests per HTTP method (a copy)."""
        with self._lock:
            return dict(self._by_method)

    @property
    def by_entity(self) -> dict[str, int]:
        """Requests per entity name (zone and threshold lookups under their own names)."""
        with self._lock:
            return dict(self._by_entity)

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._total = 0
            self._by_method.clear()
            self._by_entity.clear()

    def __repr__(self) -> str:
        return f"RequestStats(total={self.total}, by_method={self.by_method})"
