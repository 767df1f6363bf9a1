"""Settings of the inbound direction: Autotask tickets imported into Field Nation work orders.

:class:`InboundSettings` is the ``inbound`` field of ``ConnectorSettings``. Every field has a
default that works for a plain ticket import into a draft work order, so a host only sets what
it needs::

    InboundSettings(
        publish=True,
        type_of_work_id=63,
        pay={"type": "fixed", "base": {"amount": 150, "units": 1}},
        field_map=(InboundField("SiteCode", custom_field_id=501),
                   InboundField("GateCode", label="Gate code")),
        action_map={"Cancelled": "cancel"},
        webhook_secrets=("a-long-secret-key",),
        api_resource_id=29682885,
    )

Webhook secret keys are never rendered in ``repr``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from autotask_fn.errors import ConfigurationError

if TYPE_CHECKING:
    from autotask_fn.autotask.client import AutotaskClient

#: The Autotask objects that can be imported (the connector's "Service Object Name").
ServiceObject = Literal["Tickets", "ServiceCalls", "Projects"]

#: What the action map can do to a work order that is not assigned yet.
InboundAction = Literal["cancel", "publish", "unpublish"]

_ACTIONS = frozenset({"cancel", "publish", "unpublish"})
_OBJECTS = frozenset({"Tickets", "ServiceCalls", "Projects"})


@attrs.frozen
class InboundField:
    """Where one Autotask user-defined field goes on the work order.

    Exactly one of ``custom_field_id`` (a Field Nation custom field, written with its own
    call) and ``label`` (a ``"<label>: <value>"`` line at the end of the description) is set.
    """

    udf: str
    """Name of the Autotask user-defined field (as in ``userDefinedFields[].name``)."""
    custom_field_id: int | None = None
    """Field Nation custom field id that receives the value."""
    label: str | None = None
    """Label of the description line that receives the value."""

    def __attrs_post_init__(self) -> None:
        if (self.custom_field_id is None) == (self.label is None):
            raise ConfigurationError(
                f"InboundField({self.udf!r}): set exactly one of custom_field_id and label"
            )


def _tuple_of_fields(value: Any) -> tuple[InboundField, ...]:
    # A TOML/JSON table gives plain mappings: build the InboundField each one describes.
    return tuple(InboundField(**item) if isinstance(item, Mapping) else item for item in value)


def _secrets(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen
class InboundSettings:
    """How Autotask records become Field Nation work orders (see module docs)."""

    service_object: ServiceObject = "Tickets"
    """What the id given to an import means: a ticket (default), a service call (imported
    through its tickets and company) or a project (through its company and the task named
    :attr:`project_task_title`)."""
    project_task_title: str = "Field Nation"
    """Title of the project task a project import is dispatched against."""
    publish: bool = False
    """Publish a new work order right after creating it (otherwise it stays a draft)."""
    template_id: int | None = None
    """Field Nation template applied on create."""
    type_of_work_id: int | None = None
    """Primary Field Nation type of work set on create."""
    pay: Mapping[str, Any] | None = None
    """Field Nation ``pay`` object sent on create, e.g. ``{"type": "fixed", "base": {...}}``."""
    manager_id: int | None = None
    """Field Nation user set as the work order manager on create (default: the API user)."""
    marker_field: str = "externalID"
    """Ticket field that carries the marker ``[FN:<env>:wo:<id>]``."""
    schedule_mode: Literal["exact", "between"] = "exact"
    """Service window built from the ticket due date: ``exact`` (start at the due time) or
    ``between`` (from the ticket's creation until the due time)."""
    field_map: tuple[InboundField, ...] = attrs.field(
        default=(), converter=_tuple_of_fields
    )
    """User-defined fields to carry over; UDFs not listed are ignored."""
    action_map: Mapping[str, InboundAction] = attrs.field(factory=dict)
    """Autotask status label -> action on the work order, applied only before assignment
    (e.g. ``{"Cancelled": "cancel"}``)."""
    cancel_reason: str = "Cancelled in Autotask"
    """Reason sent with a cancel made by the action map."""
    import_attachments: bool = False
    """Copy ticket attachments into the work order's documents folder (once each)."""
    attachment_folder: str = "Documents"
    """Name of the work order folder that receives imported attachments."""
    country_map: Mapping[int, str] = attrs.field(factory=dict)
    """Autotask ``countryID`` -> Field Nation country code."""
    default_country: str = "US"
    """Country code used when a location's ``countryID`` is not in :attr:`country_map`."""
    reference_cache_seconds: float = 600.0
    """How long companies and company locations read by an import are reused by later
    imports through the same Autotask client (``0`` turns the cache off). Saves two calls per
    first import of a ticket whose company was seen recently; an address edited in Autotask
    reaches work orders imported within this time late."""
    webhook_secrets: tuple[str, ...] = attrs.field(
        default=(), converter=_secrets, repr=False
    )
    """Secret keys of the TicketWebhooks whose callouts are accepted (several while a key is
    rotated). Never rendered."""
    api_resource_id: int | None = None
    """Resource id of the Autotask API user: callouts caused by it are our own echo."""

    def __attrs_post_init__(self) -> None:
        if self.service_object not in _OBJECTS:
            raise ConfigurationError(
                f"InboundSettings.service_object must be one of {sorted(_OBJECTS)}, "
                f"not {self.service_object!r}"
            )
        bad = {k: v for k, v in self.action_map.items() if v not in _ACTIONS}
        if bad:
            raise ConfigurationError(
                f"InboundSettings.action_map: unknown actions {bad}; use {sorted(_ACTIONS)}"
            )
        if not self.marker_field:
            raise ConfigurationError("InboundSettings.marker_field must name a ticket field")

    def resolve(self, at_client: AutotaskClient, name: str
                ) -> tuple[Sequence[Any], Mapping[str, Any]]:
        """Check these settings against the tenant (``ConnectorSettings.validate`` calls this).

        Reads Tickets field metadata (and UDF definitions when ``field_map`` is set; both come
        from the client's cache afterwards). Faults are named ``<name>.<setting>``: the marker
        field must exist, every action-map label must be a ticket status, every mapped UDF
        must exist. Resolved: ``status_actions`` (status value -> action).
        """
        from autotask_fn.sync.errors import SettingsFault
        from autotask_fn.sync.settings import _attr

        faults: list[SettingsFault] = []
        try:
            fields = {str(_attr(f, "name")): f for f in at_client.fields("Tickets")}
        except Exception as exc:  # listed with the other faults, never raised alone
            return [SettingsFault(f"{name}.autotask", f"cannot read Tickets metadata: {exc}")], {}
        if self.marker_field not in fields:
            faults.append(SettingsFault(f"{name}.marker_field",
                                        f"Tickets has no field {self.marker_field!r}"))
        statuses = {
            str(_attr(v, "label")).strip().casefold(): str(_attr(v, "value"))
            for v in (_attr(fields.get("status"), "picklist_values") or ())
        }
        status_actions: dict[str, str] = {}
        for label, action in self.action_map.items():
            value = statuses.get(label.strip().casefold())
            if value is None:
                faults.append(SettingsFault(f"{name}.action_map[{label!r}]",
                                            f"{label!r} is not an Autotask ticket status"))
            else:
                status_actions[value] = action
        if self.field_map:
            try:
                udfs = {str(_attr(f, "name")) for f in at_client.udfs("Tickets")}
            except Exception as exc:
                udfs = None
                faults.append(SettingsFault(f"{name}.autotask",
                                            f"cannot read Tickets user-defined fields: {exc}"))
            for field in self.field_map:
                if udfs is not None and field.udf not in udfs:
                    faults.append(SettingsFault(f"{name}.field_map[{field.udf!r}]",
                                                f"Tickets has no user-defined field {field.udf!r}"))
        if not self.project_task_title.strip():
            faults.append(SettingsFault(f"{name}.project_task_title", "may not be empty"))
        return faults, {"status_actions": status_actions}

    def field_for_udf(self, name: str) -> InboundField | None:
        """The mapping of one user-defined field, if it is mapped.

        .. deprecated:: 0.2
            Look the field up in :attr:`field_map` instead; removed in a later release.
        """
        warnings.warn("InboundSettings.field_for_udf is deprecated; look the field up in "
                      "InboundSettings.field_map", DeprecationWarning, stacklevel=2)
        for field in self.field_map:
            if field.udf == name:
                return field
        return None


__all__ = ["InboundAction", "InboundField", "InboundSettings", "ServiceObject"]
