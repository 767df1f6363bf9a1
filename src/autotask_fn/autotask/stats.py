"""Counters of the requests the Autotask client sent."""

from __future__ import annotations

from autotask_fn import _stats

__all__ = ["RequestStats"]


class RequestStats(_stats.RequestStats):
    """Requests sent so far: ``total``, ``by_method`` ("GET" -> n) and ``by_entity``.

    Every HTTP attempt counts, retries included, because each one counts against Autotask's
    hourly threshold. Thread-safe; :meth:`reset` starts again from zero.
    """

    def record(self, method: str, entity: str | None) -> None:
        """Count one request."""
        self.count(method, entity)

    @property
    def by_entity(self) -> dict[str, int]:
        """Requests per entity name (zone and threshold lookups under their own names)."""
        return self._targets()
