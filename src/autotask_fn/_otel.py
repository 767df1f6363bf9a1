"""Optional OpenTelemetry spans (the ``otel`` extra installs ``opentelemetry-api``).

Without the API installed every function here is a no-op and nothing else changes. With it,
spans go to the tracer provider of the observation context (``SyncService(...,
tracer_provider=...)``), else to the global one (``trace.set_tracer_provider``); with
neither configured, the API's default provider records nothing.

Span attributes are ids, entity names, route templates (``/api/rest/v2/workorders/{id}``),
methods and statuses: never full URLs (Field Nation's token travels in the query string),
query text, e-mails or names.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from autotask_fn._version import __version__

_trace: ModuleType | None
try:
    from opentelemetry import trace as _trace
except ImportError:  # the otel extra is not installed: no spans
    _trace = None

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider
    from opentelemetry.util.types import AttributeValue

__all__ = ["AVAILABLE", "Span", "route_template", "set_attributes", "span"]

#: True when ``opentelemetry-api`` could be imported.
AVAILABLE = _trace is not None

_NUMERIC = re.compile(r"^\d+$")


class Span(Protocol):
    """What this package does with a span (a subset of ``opentelemetry.trace.Span``)."""

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        """Set one attribute."""


@contextlib.contextmanager
def span(name: str, attributes: Mapping[str, str | int | None]) -> Iterator[Span | None]:
    """A span named ``name`` (child of the current one) for the ``with`` block; yields
    ``None`` when OpenTelemetry is not installed. ``None`` attribute values are left out."""
    if _trace is None:
        yield None
        return
    from autotask_fn import _observe

    obs = _observe.current()
    tracer = _tracer(obs.tracer_provider if obs else None)
    # Exceptions are recorded by type only: their text may hold values of the records.
    with tracer.start_as_current_span(
            name, attributes={k: v for k, v in attributes.items() if v is not None},
            record_exception=False, set_status_on_exception=False) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_attribute("error.type", type(exc).__name__)
            current.set_status(_trace.Status(_trace.StatusCode.ERROR))
            raise


@functools.lru_cache(maxsize=16)
def _tracer(provider: TracerProvider | None) -> Tracer:
    assert _trace is not None
    tracer: Tracer = _trace.get_tracer("autotask_fn", __version__, tracer_provider=provider)
    return tracer


def set_attributes(values: Mapping[str, str | int]) -> None:
    """Set attributes on the current span (no-op without OpenTelemetry or a span)."""
    if _trace is None or not values:
        return
    current = _trace.get_current_span()
    for key, value in values.items():
        current.set_attribute(key, value)


def route_template(path: str) -> str:
    """A URL path with its numeric segments replaced by ``{id}`` (no host, no query)."""
    return "/".join("{id}" if _NUMERIC.match(p) else p for p in path.split("/"))
