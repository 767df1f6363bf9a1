"""The observation context of the work being done: structured log fields, the host's
rate-limit hook and the tracer provider (see docs/guides/observability.md).

``SyncService`` opens a context (:func:`bind`) around each reconcile, import and inbox entry;
everything beneath it, the HTTP layers of both clients included, reads it from a context
variable, so the lower layers never import the sync layer.

Log fields are flat ``extra`` attributes prefixed ``autotask_fn_`` (:data:`PREFIX`): the
prefix cannot collide with :class:`logging.LogRecord`'s own attributes, and JSON log
handlers index them as top-level keys. Values are ids, kinds and actions only: never
e-mails, names, phone numbers or tokens.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

__all__ = ["PREFIX", "Observation", "annotate", "bind", "current", "fields", "get_logger",
           "rate_limit_paused"]

#: Prefix of every structured log attribute (``autotask_fn_work_order_id`` ...).
PREFIX = "autotask_fn_"

#: A log field value: ids are ints, kinds and actions are short strings.
FieldValue = int | str
#: Called for a rate-limit pause: ``(service, where, seconds, target)``.
PauseHook = Callable[[str, str, float, "str | None"], None]

log = logging.getLogger("autotask_fn.observe")


@attrs.define
class Observation:
    """One level of the observation context; fields are inherited from the outer levels."""

    fields: dict[str, FieldValue] = attrs.field(factory=dict)
    on_pause: PauseHook | None = None
    tracer_provider: TracerProvider | None = None


_CURRENT: contextvars.ContextVar[Observation | None] = contextvars.ContextVar(
    "autotask_fn_observation", default=None)


def current() -> Observation | None:
    """The innermost observation context, or ``None`` outside any."""
    return _CURRENT.get()


@contextlib.contextmanager
def bind(values: Mapping[str, FieldValue | None] | None = None, *,
         on_pause: PauseHook | None = None,
         tracer_provider: TracerProvider | None = None) -> Iterator[Observation]:
    """Open a nested context with more log fields (``None`` values are left out); hooks
    not given are inherited from the outer context."""
    outer = _CURRENT.get()
    merged = dict(outer.fields) if outer else {}
    merged.update({k: v for k, v in (values or {}).items() if v is not None})
    inner = Observation(
        fields=merged,
        on_pause=on_pause if on_pause is not None else (outer.on_pause if outer else None),
        tracer_provider=(tracer_provider if tracer_provider is not None
                         else (outer.tracer_provider if outer else None)))
    token = _CURRENT.set(inner)
    try:
        yield inner
    finally:
        _CURRENT.reset(token)


def annotate(**values: FieldValue | None) -> None:
    """Add fields to the innermost context (an id learnt during the work, like the ticket of
    a work order) and as attributes of the current span."""
    from autotask_fn import _otel

    kept = {k: v for k, v in values.items() if v is not None}
    obs = _CURRENT.get()
    if obs is not None:
        obs.fields.update(kept)
    _otel.set_attributes({f"autotask_fn.{k}": v for k, v in kept.items()})


def fields() -> dict[str, FieldValue]:
    """The current log fields, prefixed (``{"autotask_fn_work_order_id": 12}``)."""
    obs = _CURRENT.get()
    return {PREFIX + k: v for k, v in obs.fields.items()} if obs else {}


def rate_limit_paused(service: str, where: str, seconds: float, target: str | None) -> None:
    """Tell the host's hook (if any) about a rate-limit pause; a failing hook is logged."""
    obs = _CURRENT.get()
    if obs is None or obs.on_pause is None:
        return
    try:
        obs.on_pause(service, where, seconds, target)
    except Exception as exc:  # a host's hook never breaks a request
        log.warning("rate-limit hook failed: %s", type(exc).__name__)


class StructuredLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger adding the context's fields (and the call's own ``extra``) to each record."""

    def process(self, msg: object, kwargs: MutableMapping[str, object]
                ) -> tuple[object, MutableMapping[str, object]]:
        """Merge the context fields under the call's own ``extra``."""
        extra = kwargs.get("extra")
        own = {PREFIX + k if not k.startswith(PREFIX) else k: v
               for k, v in (extra.items() if isinstance(extra, Mapping) else ())
               if v is not None}
        kwargs["extra"] = {**fields(), **own}
        return msg, kwargs


def get_logger(name: str) -> StructuredLogger:
    """A :class:`StructuredLogger` over ``logging.getLogger(name)``."""
    return StructuredLogger(logging.getLogger(name), {})
