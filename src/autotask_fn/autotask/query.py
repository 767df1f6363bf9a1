"""A small typed builder for Autotask query filters, and the wire format of values.

>>> from autotask_fn.autotask.query import eq, gte, in_
>>> f = eq("status", 1) & (gte("priority", 2) | in_("queueID", [5, 6]))
>>> f.to_api()["op"]
'and'

Every comparison takes ``udf=True`` for a user-defined field (Autotask allows at most one UDF
condition per query; :func:`check_udf_limit` enforces it before anything is sent).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from autotask_fn.autotask.errors import AutotaskQueryError

__all__ = [
    "IN_CHUNK_SIZE",
    "Filter",
    "and_",
    "begins_with",
    "check_udf_limit",
    "contains",
    "ends_with",
    "eq",
    "exist",
    "gt",
    "gte",
    "id_value",
    "in_",
    "lt",
    "lte",
    "normalize_filters",
    "not_exist",
    "not_in",
    "noteq",
    "or_",
    "parent_is",
    "to_wire",
]

#: ``in``/``notIn`` lists longer than this are split (Autotask's documented limit is 500 ORs).
IN_CHUNK_SIZE = 500


def format_datetime(value: dt.datetime) -> str:
    """Render a datetime the way Autotask accepts it: UTC, ``yyyy-mm-ddThh:mm:ss.fffZ``.

    Naive datetimes are taken to be UTC already (Autotask stores UTC).
    """
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_date(value: dt.date) -> str:
    """Render a date-only value: midnight, no timezone shift (Autotask keeps the date)."""
    return f"{value.isoformat()}T00:00:00.000Z"


def to_wire(value: Any) -> Any:
    """Convert Python values into what Autotask's JSON expects, recursively.

    datetime -> UTC string, date -> midnight string, Decimal -> int or float (JSON number),
    enums -> their value, tuples/sets -> lists. Everything else is returned unchanged.
    NaN and infinite numbers raise ``ValueError`` (JSON has no such values).
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal | float) and not (
            value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        # json would send NaN/Infinity, which is not JSON (and int(Infinity) overflows)
        raise ValueError(f"Autotask takes only finite numbers, not {value!r}")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, enum.Enum):
        return to_wire(value.value)
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_wire(v) for v in value]
    return value


@attrs.frozen
class Filter:
    """One Autotask filter item: a condition (``field op value``) or a group (``and``/``or``).

    Build them with the module functions; combine with ``&`` and ``|``.
    """

    op: str
    field: str | None = None
    value: object = None
    udf: bool = False
    items: tuple[Filter, ...] = ()

    def __and__(self, other: Filter) -> Filter:
        return and_(self, other)

    def __or__(self, other: Filter) -> Filter:
        return or_(self, other)

    @property
    def is_group(self) -> bool:
        """True for ``and``/``or`` groups."""
        return self.op in ("and", "or")

    def udf_count(self) -> int:
        """How many UDF conditions this filter holds (groups counted recursively)."""
        return int(self.udf) + sum(item.udf_count() for item in self.items)

    def to_api(self) -> dict[str, Any]:
        """The JSON object Autotask expects for this filter item."""
        if self.is_group:
            return {"op": self.op, "items": [item.to_api() for item in self.items]}
        out: dict[str, Any] = {"op": self.op, "field": self.field}
        if self.op not in ("exist", "notExist"):
            out["value"] = to_wire(self.value)
        if self.udf:
            out["udf"] = True
        return out




def eq(field: str, value: Any, *, udf: bool = False) -> Filter:
    """``field == value``."""
    return Filter("eq", field, value, udf)


def noteq(field: str, value: Any, *, udf: bool = False) -> Filter:
    """``field != value``."""
    return Filter("noteq", field, value, udf)


def gt(field: str, value: Any, *, udf: bool = False) -> Filter:
    """``field > value``."""
    return Filter("gt", field, value, udf)


def gte(field: str, value: Any, *, udf: bool = False) -> Filter:
    """``field >= value``."""
    return Filter("gte", field, value, udf)


def lt(field: str, value: Any, *, udf: bool = False) -> Filter:
    """``field < value``."""
    return Filter("lt", field, value, udf)


def lte(field: str, value: Any, *, udf: bool = False) -> Filter:
    """``field <= value``."""
    return Filter("lte", field, value, udf)


def begins_with(field: str, value: str, *, udf: bool = False) -> Filter:
    """Text starts with ``value``."""
    return Filter("beginsWith", field, value, udf)


def ends_with(field: str, value: str, *, udf: bool = False) -> Filter:
    """Text ends with ``value``."""
    return Filter("endsWith", field, value, udf)


def contains(field: str, value: str, *, udf: bool = False) -> Filter:
    """Text contains ``value``."""
    return Filter("contains", field, value, udf)


def exist(field: str, *, udf: bool = False) -> Filter:
    """The field has a value."""
    return Filter("exist", field, None, udf)


def not_exist(field: str, *, udf: bool = False) -> Filter:
    """The field has no value."""
    return Filter("notExist", field, None, udf)


def _unique(values: Iterable[Any]) -> tuple[Any, ...]:
    seen: dict[Any, None] = {}
    for v in values:
        seen.setdefault(to_wire(v), None)
    return tuple(seen)


def in_(field: str, values: Iterable[Any], *, udf: bool = False) -> Filter:
    """The field equals one of ``values`` (duplicates dropped; long lists split when sent)."""
    return Filter("in", field, _unique(values), udf)


def not_in(field: str, values: Iterable[Any], *, udf: bool = False) -> Filter:
    """The field equals none of ``values``."""
    return Filter("notIn", field, _unique(values), udf)


def and_(*filters: Filter) -> Filter:
    """All of ``filters`` hold (nested ``and`` groups are flattened)."""
    items: list[Filter] = []
    for f in filters:
        items.extend(f.items if f.op == "and" else (f,))
    return Filter("and", items=tuple(items))


def or_(*filters: Filter) -> Filter:
    """At least one of ``filters`` holds (nested ``or`` groups are flattened)."""
    items: list[Filter] = []
    for f in filters:
        items.extend(f.items if f.op == "or" else (f,))
    return Filter("or", items=tuple(items))


def normalize_filters(filter: Filter | Sequence[Filter] | None) -> list[Filter]:
    """Turn ``query()``'s filter argument into the top-level list (ANDed by Autotask).

    ``None`` means "everything", which Autotask spells ``id gte 0`` (a query needs a filter).
    """
    if filter is None:
        return [gte("id", 0)]
    out: list[Filter] = []
    for f in [filter] if isinstance(filter, Filter) else filter:
        if not isinstance(f, Filter):
            raise AutotaskQueryError(
                f"query filters must be Filter objects, got {type(f).__name__}"
            )
        out.extend(f.items if f.op == "and" else (f,))
    if not out:
        return [gte("id", 0)]
    return out


def check_udf_limit(filters: Sequence[Filter], entity: str | None = None) -> None:
    """Raise :class:`AutotaskQueryError` when more than one UDF condition is present."""
    count = sum(f.udf_count() for f in filters)
    if count > 1:
        raise AutotaskQueryError(
            f"Autotask allows one user-defined-field condition per query; this one has {count}",
            entity=entity,
        )


def _chunks(values: tuple[Any, ...], size: int) -> list[tuple[Any, ...]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _listed(f: Filter) -> tuple[Any, ...]:
    # The values of an ``in``/``notIn`` condition (a tuple, see :func:`in_`).
    return f.value if isinstance(f.value, tuple) else (f.value,)


def _rewrite_long_lists(f: Filter, size: int) -> Filter:
    """Split long ``in`` into an ``or`` of chunks and long ``notIn`` into an ``and`` of chunks."""
    if f.is_group:
        return attrs.evolve(f, items=tuple(_rewrite_long_lists(i, size) for i in f.items))
    if f.op in ("in", "notIn") and len(_listed(f)) > size:
        parts = tuple(Filter(f.op, f.field, c, f.udf) for c in _chunks(_listed(f), size))
        return Filter("or" if f.op == "in" else "and", items=parts)
    return f


def split_for_sending(filters: Sequence[Filter], size: int = IN_CHUNK_SIZE) -> list[list[Filter]]:
    """Split a top-level filter list into queries that each carry at most ``size`` list values.

    The first top-level ``in`` longer than ``size`` becomes one query per chunk (the chunks
    hold distinct values, so their results are disjoint but are de-duplicated anyway); any
    other long list is rewritten in place into a group of chunks.
    """
    for index, f in enumerate(filters):
        if f.op == "in" and not f.is_group and len(_listed(f)) > size:
            rest = [_rewrite_long_lists(g, size) for i, g in enumerate(filters) if i != index]
            return [
                [Filter("in", f.field, chunk, f.udf), *rest]
                for chunk in _chunks(_listed(f), size)
            ]
    return [[_rewrite_long_lists(f, size) for f in filters]]


def id_value(value: Any) -> int | None:
    """An id field's value as an int (``None`` for null, empty or not an id)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def parent_is(row: Any, field: str, parent_id: int) -> bool:
    """True when ``row[field]`` is ``parent_id``.

    Autotask may drop a filter condition it does not honour without saying so (live report:
    autotask-mcp issue 193), so every scan by parent checks each row it gets back.
    """
    if not isinstance(row, dict):
        return False
    for key, value in row.items():
        if key.lower() == field.lower():
            return id_value(value) == int(parent_id)
    return False

