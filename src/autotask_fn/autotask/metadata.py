"""Entity metadata: fields, picklists, UDF definitions, access flags, the hourly threshold.

Also the small thread-safe :class:`TTLCache` used for metadata and zone lookups, and helpers to
read and write the ``userDefinedFields`` name/value list of a record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any, Generic, TypeVar, overload

import attrs

from autotask_fn.autotask.errors import AutotaskPicklistError

__all__ = [
    "EntityInfo",
    "FieldInfo",
    "Picklist",
    "PicklistValue",
    "TTLCache",
    "ThresholdInfo",
    "get_udf",
    "set_udfs",
]

K = TypeVar("K")
V = TypeVar("V")
_D = TypeVar("_D")


class TTLCache(Generic[K, V]):
    """A thread-safe mapping whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._data: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The live value for ``key``, or None."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._data[key]
                return None
            return entry[1]

    def set(self, key: K, value: V) -> None:
        """Store ``value`` for ``ttl`` seconds."""
        with self._lock:
            self._data[key] = (self._clock() + self.ttl, value)

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """Return the cached value or call ``load`` (outside the lock) and cache its result."""
        value = self.get(key)
        if value is None:
            value = load()
            self.set(key, value)
        return value

    def discard(self, which: Callable[[K], bool]) -> None:
        """Forget the entries whose key ``which`` accepts."""
        with self._lock:
            for key in [k for k in self._data if which(k)]:
                del self._data[key]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()


def _get(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """Read ``name`` case-insensitively (Swagger says PascalCase, the wire says camelCase)."""
    if name in data:
        return data[name]
    lowered = name.lower()
    for key, value in data.items():
        if key.lower() == lowered:
            return value
    return default


def _access(value: Any) -> bool:
    # The Swagger types userAccessFor* as an opaque "RestUserAccessLevel": accept booleans,
    # numbers and words; anything that reads as "none" means no access (the stricter choice).
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value > 0
    return str(value).strip().lower() not in ("", "none", "false", "0", "no", "disallowed")


@attrs.frozen
class PicklistValue:
    """One picklist entry. ``value`` is a string even for integer fields (as on the wire)."""

    value: str
    label: str
    is_active: bool = True
    is_default: bool = False
    sort_order: int | None = None
    parent_value: str | None = None
    is_system: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PicklistValue:
        """Build from a ``picklistValues`` item."""
        parent = _get(data, "parentValue")
        return cls(
            value=str(_get(data, "value")),
            label=str(_get(data, "label", "")),
            is_active=bool(_get(data, "isActive", True)),
            is_default=bool(_get(data, "isDefaultValue", False)),
            sort_order=_get(data, "sortOrder"),
            parent_value=None if parent in (None, "") else str(parent),
            is_system=bool(_get(data, "isSystem", False)),
        )


@attrs.frozen
class FieldInfo:
    """The definition of one field (or UDF) of an entity."""

    name: str
    data_type: str
    length: int | None = None
    is_required: bool = False
    is_read_only: bool = False
    is_queryable: bool = True
    is_reference: bool = False
    reference_entity_type: str | None = None
    is_picklist: bool = False
    picklist_values: tuple[PicklistValue, ...] = ()
    picklist_parent_value_field: str | None = None
    label: str | None = None
    is_udf: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any], *, udf: bool = False) -> FieldInfo:
        """Build from an ``entityInformation/fields`` (or ``userDefinedFields``) item."""
        values = _get(data, "picklistValues") or ()
        return cls(
            name=str(_get(data, "name")),
            data_type=str(_get(data, "dataType") or _get(data, "type") or "string"),
            length=_get(data, "length"),
            is_required=bool(_get(data, "isRequired", False)),
            is_read_only=bool(_get(data, "isReadOnly", False)),
            is_queryable=bool(_get(data, "isQueryable", True)),
            is_reference=bool(_get(data, "isReference", False)),
            reference_entity_type=_get(data, "referenceEntityType") or None,
            is_picklist=bool(_get(data, "isPickList", False)),
            picklist_values=tuple(PicklistValue.from_api(v) for v in values),
            picklist_parent_value_field=_get(data, "picklistParentValueField") or None,
            label=_get(data, "label"),
            is_udf=udf,
        )


@attrs.frozen
class EntityInfo:
    """What an entity supports (``can_*``) and what the API user may do (``user_access_*``)."""

    name: str
    can_create: bool = False
    can_update: bool = False
    can_query: bool = False
    can_delete: bool = False
    has_user_defined_fields: bool = False
    supports_webhook_callouts: bool = False
    user_access_for_create: bool = False
    user_access_for_update: bool = False
    user_access_for_query: bool = False
    user_access_for_delete: bool = False
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> EntityInfo:
        """Build from the ``info`` object of ``entityInformation``."""
        return cls(
            name=str(_get(data, "name", "")),
            can_create=bool(_get(data, "canCreate", False)),
            can_update=bool(_get(data, "canUpdate", False)),
            can_query=bool(_get(data, "canQuery", False)),
            can_delete=bool(_get(data, "canDelete", False)),
            has_user_defined_fields=bool(_get(data, "hasUserDefinedFields", False)),
            supports_webhook_callouts=bool(_get(data, "supportsWebhookCallouts", False)),
            user_access_for_create=_access(_get(data, "userAccessForCreate")),
            user_access_for_update=_access(_get(data, "userAccessForUpdate")),
            user_access_for_query=_access(_get(data, "userAccessForQuery")),
            user_access_for_delete=_access(_get(data, "userAccessForDelete")),
            raw=dict(data),
        )

    def allows(self, action: str) -> bool:
        """True when the entity offers ``action`` (create/update/query/delete) and the user may."""
        return bool(getattr(self, f"can_{action}")) and bool(
            getattr(self, f"user_access_for_{action}")
        )


@attrs.frozen
class ThresholdInfo:
    """``ThresholdInformation``: the tenant's hourly request budget and how much is used."""

    external_request_threshold: int
    request_threshold_timeframe: int
    current_timeframe_request_count: int

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ThresholdInfo:
        """Build from the ``ThresholdInformation`` answer."""
        return cls(
            external_request_threshold=int(_get(data, "externalRequestThreshold", 10000) or 0),
            request_threshold_timeframe=int(_get(data, "requestThresholdTimeframe", 60) or 0),
            current_timeframe_request_count=int(
                _get(data, "currentTimeframeRequestCount", 0) or 0
            ),
        )

    @property
    def usage(self) -> float:
        """Fraction of the budget used (0.0 .. 1.0+); 1.0 when the threshold is unknown (0)."""
        if self.external_request_threshold <= 0:
            return 1.0
        return self.current_timeframe_request_count / self.external_request_threshold


class Picklist:
    """Label <-> value lookups for one picklist field (labels compared case-insensitively).

    ``value_for(label)`` returns the wire value as ``int`` when it is numeric (the usual case
    for picklist fields) and the string otherwise.
    """

    def __init__(self, entity: str, field: FieldInfo) -> None:
        self.entity = entity
        self.field = field
        self.values = field.picklist_values

    def __repr__(self) -> str:
        return f"Picklist({self.entity}.{self.field.name}, {len(self.values)} values)"

    def _find_label(self, label: str, parent_value: object | None) -> PicklistValue:
        wanted = label.strip().casefold()
        matches = [v for v in self.values if v.label.strip().casefold() == wanted]
        if parent_value is not None:
            matches = [v for v in matches if v.parent_value == str(parent_value)]
        active = [v for v in matches if v.is_active]
        if active or matches:
            return (active or matches)[0]
        known = ", ".join(sorted({v.label for v in self.values if v.is_active}))
        raise AutotaskPicklistError(
            f"{self.entity}.{self.field.name} has no picklist label {label!r}"
            + (f" under parent value {parent_value!r}" if parent_value is not None else "")
            + (f"; known labels: {known}" if known else ""),
            entity=self.entity,
        )

    def value_for(self, label: str, *, parent_value: object | None = None) -> int | str:
        """The value of ``label`` (prefers active entries; ``parent_value`` for dependent lists)."""
        raw = self._find_label(label, parent_value).value
        # isdecimal, not isdigit: int() refuses digits such as "²" (and "--5")
        return int(raw) if raw.removeprefix("-").isdecimal() else raw

    def label_for(self, value: object) -> str:
        """The label of ``value`` (int or str)."""
        wanted = str(value)
        for v in self.values:
            if v.value == wanted:
                return v.label
        raise AutotaskPicklistError(
            f"{self.entity}.{self.field.name} has no picklist value {wanted!r}",
            entity=self.entity,
        )

    def labels(self, *, active_only: bool = True) -> list[str]:
        """All labels in sort order."""
        chosen = [v for v in self.values if v.is_active or not active_only]
        chosen.sort(key=lambda v: (v.sort_order if v.sort_order is not None else 0, v.label))
        return [v.label for v in chosen]


@overload
def get_udf(record: Mapping[str, Any], name: str) -> str | None: ...


@overload
def get_udf(record: Mapping[str, Any], name: str, default: _D) -> str | _D: ...


def get_udf(record: Mapping[str, Any], name: str, default: object = None) -> object:
    """The value of UDF ``name`` in a record's ``userDefinedFields`` (name case-insensitive)."""
    wanted = name.casefold()
    for item in _get(record, "userDefinedFields") or ():
        if str(_get(item, "name", "")).casefold() == wanted:
            return _get(item, "value")
    return default


def set_udfs(
    fields: MutableMapping[str, Any], values: Mapping[str, Any]
) -> MutableMapping[str, Any]:
    """Set UDFs in a create/update body, replacing same-named entries; returns ``fields``.

    UDF values travel as strings (or null): numbers are converted with ``str``.
    """
    current: list[dict[str, Any]] = [dict(i) for i in (fields.get("userDefinedFields") or ())]
    for name, value in values.items():
        text = None if value is None else str(value)
        for item in current:
            if str(_get(item, "name", "")).casefold() == name.casefold():
                item["value"] = text
                break
        else:
            current.append({"name": name, "value": text})
    fields["userDefinedFields"] = current
    return fields


def udf_dict(items: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    """The ``userDefinedFields`` list as ``{name: value}``."""
    return {str(_get(i, "name")): _get(i, "value") for i in (items or ())}
