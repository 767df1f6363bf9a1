"""Counters of the requests a client sent (benchmarks count API calls per synced item)."""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["RequestStats"]


class RequestStats:
    """Requests sent so far: :attr:`total`, :attr:`by_method` (``"GET"`` -> n) and a count
    per target (what each client calls an entity or a resource).

    Every HTTP attempt counts, retries included (each one counts against the service's
    limits). Thread-safe; :meth:`reset` starts again from zero.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_method: Counter[str] = Counter()
        self._by_target: Counter[str] = Counter()
        self._total = 0

    def count(self, method: str, target: str | None) -> None:
        """Count one request of ``method`` to ``target``."""
        with self._lock:
            self._total += 1
            self._by_method[method.upper()] += 1
            self._by_target[target or "?"] += 1

    @property
    def total(self) -> int:
        """All requests sent."""
        return self._total

    @property
    def by_method(self) -> dict[str, int]:
        """Requests per HTTP method (a copy)."""
        with self._lock:
            return dict(self._by_method)

    def _targets(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_target)

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._total = 0
            self._by_method.clear()
            self._by_target.clear()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(total={self.total}, by_method={self.by_method})"
