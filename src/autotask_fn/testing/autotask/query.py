"""The query grammar: parse a ``QueryModel`` body into a filter tree and evaluate it.

Grammar (reference §4): ``{"MaxRecords": n, "IncludeFields": [...], "Filter": [item, ...]}``
with items ``{"op", "field", "value", "udf", "items"}``; key case is not significant anywhere;
the top-level array is ANDed; ``and``/``or`` groups nest.

Choices where the reference is silent (the stricter behaviour is chosen):

* string comparisons are case-insensitive (SQL Server's default collation);
* a record whose field is null matches no comparison, ``noteq`` and ``notIn`` included
  (SQL three-valued logic); use ``notExist`` to find nulls;
* ``beginsWith``/``endsWith``/``contains`` are refused on non-string fields;
* the SOAP limit of 500 conditions under ``or`` groups is enforced.

Sourced from live reports (autotask-mcp PR 282, issue 193): a condition with an operator
Autotask does not know is dropped silently (the query returns what the other conditions
select); a condition on a field the entity does not have answers HTTP 500 ``Unable to find
<field> in the <EntityType> Entity.``
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from autotask_fn.testing.autotask.errors import ApiError, validation
from autotask_fn.testing.autotask.picklists import UdfDef
from autotask_fn.testing.autotask.schema import EntitySpec, FieldDef
from autotask_fn.testing.autotask.values import coerce, parse_datetime
from autotask_fn.testing.contract import contract_rule, contract_value

COMPARISONS = ("eq", "noteq", "gt", "gte", "lt", "lte", "beginswith", "endswith", "contains")
STRING_OPS = ("beginswith", "endswith", "contains")
PRESENCE = ("exist", "notexist")
LISTS = ("in", "notin")
GROUPS = ("and", "or")
MAX_PAGE = contract_value("AT-PAGING-SIZE", 500)
MAX_OR_CONDITIONS = contract_value("AT-QUERY-OR-LIMIT", 500)


@attrs.frozen
class Condition:
    """A leaf condition on one field (``udf`` when the field is a user-defined one)."""

    op: str
    field: str
    value: Any
    udf: bool
    data_type: str


@attrs.frozen
class Group:
    """``and``/``or`` over nested nodes."""

    op: str
    items: tuple[Condition | Group, ...]


Node = Condition | Group


@attrs.frozen
class Query:
    """A parsed query: the filter tree (top level ANDed), projection and record cap."""

    filter: Group
    include_fields: tuple[str, ...] | None
    max_records: int | None


def _lower_keys(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ApiError(500, f"Invalid query syntax: {what} must be an object.")
    return {str(k).lower(): v for k, v in obj.items()}


@contract_rule("AT-QUERY-UDF-ONE", "AT-QUERY-FILTER-REQUIRED")
def parse_query(spec: EntitySpec, udfs: Sequence[UdfDef], body: Any) -> Query:
    """Parse and check a query body against the entity's fields (raises :class:`ApiError`)."""
    data = _lower_keys(body, "the query")
    raw_filter = data.get("filter")
    if not raw_filter:
        raise validation("Invalid query syntax: a query must contain a filter.")
    if not isinstance(raw_filter, list):
        raise validation("Invalid query syntax: filter must be an array.")
    parser = _Parser(spec, {u.name.lower(): u for u in udfs})
    root = Group("and", parser.nodes(raw_filter))
    if parser.udf_conditions > 1:
        raise validation("Only one user-defined field can be queried at a time.")
    if parser.or_conditions > MAX_OR_CONDITIONS:
        raise validation(
            "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
        )
    max_records = data.get("maxrecords")
    if max_records is not None and (
        isinstance(max_records, bool) or not isinstance(max_records, int)
        or not 1 <= max_records <= MAX_PAGE
    ):
        raise validation("MaxRecords must be between 1 and 500.")
    include = data.get("includefields")
    fields: tuple[str, ...] | None = None
    if include:
        if not isinstance(include, list) or not all(isinstance(x, str) for x in include):
            raise validation("IncludeFields must be an array of field names.")
        fields = tuple(parser.include_name(name) for name in include)
    return Query(root, fields, max_records)


@contract_rule("AT-QUERY-UNKNOWN-FIELD")
def unknown_field(spec: EntitySpec, name: str) -> ApiError:
    """The refusal of a condition on a field the entity does not have (HTTP 500)."""
    return validation(f"Unable to find {name} in the {spec.entity_type or spec.name} Entity.")


@attrs.define
class _Parser:
    spec: EntitySpec
    udfs: dict[str, UdfDef]
    udf_conditions: int = 0
    or_conditions: int = 0
    _in_or: int = 0

    def include_name(self, name: str) -> str:
        field = self.spec.field(name)
        if field is not None:
            return field.name
        udf = self.udfs.get(name.lower())
        if udf is not None:
            return udf.name
        raise validation(f"IncludeFields: {name} is not a field of {self.spec.name}.")

    def nodes(self, raw: list[Any]) -> tuple[Node, ...]:
        """The parsed items of a filter array (conditions Autotask ignores left out)."""
        return tuple(n for n in (self.node(item) for item in raw) if n is not None)

    @contract_rule("AT-QUERY-IGNORED-OPERATOR")
    def node(self, raw: Any) -> Node | None:
        """One filter item; ``None`` for a condition whose operator Autotask ignores."""
        item = _lower_keys(raw, "a filter item")
        op = str(item.get("op", "")).lower()
        if op in GROUPS:
            children = item.get("items")
            if not isinstance(children, list) or not children:
                raise validation(f"Invalid query syntax: '{op}' needs a non-empty items array.")
            self._in_or += op == "or"
            try:
                return Group(op, self.nodes(children))
            finally:
                self._in_or -= op == "or"
        if op not in COMPARISONS + PRESENCE + LISTS:
            return None  # dropped without a word (live report: autotask-mcp issue 193)
        name = item.get("field")
        if not isinstance(name, str) or not name:
            raise validation(f"Invalid query syntax: operator '{op}' needs a field.")
        if self._in_or:
            self.or_conditions += 1
        udf = item.get("udf") is True
        if udf:
            return self._udf_condition(op, name, item)
        field = self.spec.field(name)
        if field is None:
            raise unknown_field(self.spec, name)
        if not field.queryable:
            raise validation(f"Invalid query: field {field.name} is not queryable.")
        if op in STRING_OPS and field.data_type != "string":
            raise validation(f"Invalid query: operator '{op}' needs a string field.")
        value = self._value(op, item, lambda v: _typed(field, v))
        return Condition(op, field.name, value, False, field.data_type)

    def _udf_condition(self, op: str, name: str, item: dict[str, Any]) -> Condition:
        udf = self.udfs.get(name.lower())
        if udf is None:
            raise validation(f"Invalid query: {name} is not a user-defined field.")
        self.udf_conditions += 1
        kind = "double" if udf.udf_type == 2 else "string"

        def convert(value: Any) -> Any:
            if kind == "double":
                try:
                    return float(value)
                except (TypeError, ValueError):
                    raise validation(f"Invalid value for user-defined field {udf.name}.") from None
            return str(value).casefold()

        return Condition(op, udf.name, self._value(op, item, convert), True, kind)

    def _value(self, op: str, item: dict[str, Any], convert: Callable[[Any], Any]) -> Any:
        if op in PRESENCE:
            return None
        value = item.get("value")
        if op in LISTS:
            if not isinstance(value, list) or not value:
                raise validation(f"Invalid query syntax: '{op}' needs a non-empty value array.")
            return tuple(convert(v) for v in value)
        if value is None:
            raise validation(f"Invalid query syntax: operator '{op}' needs a value.")
        return convert(value)


def _typed(field: FieldDef, value: Any) -> Any:
    """A filter value in comparable form (datetimes parsed, strings folded)."""
    stored = coerce(field, value) if field.data_type != "string" else str(value)
    return _comparable(field.data_type, stored)


def _comparable(data_type: str, value: Any) -> Any:
    if value is None:
        return None
    if data_type == "datetime":
        return parse_datetime(value) if not isinstance(value, datetime) else value
    if data_type == "string":
        return str(value).casefold()
    return value


def record_value(record: dict[str, Any], cond: Condition) -> Any:
    """The record's value for a condition's field, in comparable form."""
    if cond.udf:
        raw = None
        for udf in record.get("userDefinedFields") or ():
            if str(udf.get("name", "")).lower() == cond.field.lower():
                raw = udf.get("value")
        if raw is None or raw == "":
            return None
        if cond.data_type == "double":
            try:
                return float(raw)
            except ValueError:
                return None
        return str(raw).casefold()
    return _comparable(cond.data_type, record.get(cond.field))


@contract_rule("AT-PAGING-ID-GT")
def matches(node: Node, record: dict[str, Any]) -> bool:
    """Whether ``record`` satisfies the filter node."""
    if isinstance(node, Group):
        results = (matches(child, record) for child in node.items)
        return all(results) if node.op == "and" else any(results)
    actual = record_value(record, node)
    op, expected = node.op, node.value
    if op == "exist":
        return actual is not None and actual != ""
    if op == "notexist":
        return actual is None or actual == ""
    if actual is None:
        return False
    if op == "in":
        return actual in expected
    if op == "notin":
        return actual not in expected
    if op == "beginswith":
        return str(actual).startswith(expected)
    if op == "endswith":
        return str(actual).endswith(expected)
    if op == "contains":
        return expected in str(actual)
    try:
        return bool(_ORDER[op](actual, expected))
    except TypeError:
        return False


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda a, b: a == b,
    "noteq": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def project(record: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    """Keep only ``IncludeFields`` (UDF names select entries of ``userDefinedFields``)."""
    if fields is None:
        return record
    wanted = {f.lower() for f in fields}
    out = {k: v for k, v in record.items() if k.lower() in wanted}
    if "userDefinedFields" in record:
        udfs = [u for u in record["userDefinedFields"] if str(u["name"]).lower() in wanted]
        if udfs:
            out["userDefinedFields"] = udfs
    return out
