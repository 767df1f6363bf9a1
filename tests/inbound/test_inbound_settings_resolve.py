"""InboundSettings.resolve: checked against the tenant's metadata with every fault listed."""

from __future__ import annotations

from autotask_fn.autotask.metadata import FieldInfo, PicklistValue
from autotask_fn.sync.inbound_settings import InboundField, InboundSettings


class MetadataOnly:
    def fields(self, entity: str) -> list[FieldInfo]:
        assert entity == "Tickets"
        return [
            FieldInfo("externalID", "string", length=50),
            FieldInfo("status", "integer", is_picklist=True, picklist_values=(
                PicklistValue("1", "New"), PicklistValue("14", "Cancelled"))),
        ]

    def udfs(self, entity: str) -> list[FieldInfo]:
        return [FieldInfo("Site Notes", "string", is_udf=True)]


def test_good_settings_resolve_status_actions_to_values() -> None:
    settings = InboundSettings(action_map={"cancelled": "cancel"},
                               field_map=(InboundField("Site Notes", label="Site"),))
    faults, resolved = settings.resolve(MetadataOnly(), "inbound")
    assert list(faults) == []
    assert resolved["status_actions"] == {"14": "cancel"}


def test_every_fault_is_named_after_its_setting() -> None:
    settings = InboundSettings(marker_field="noSuchField", action_map={"Closed": "cancel"},
                               field_map=(InboundField("Gate", label="Gate"),))
    faults, _ = settings.resolve(MetadataOnly(), "inbound")
    assert sorted(f.field for f in faults) == [
        "inbound.action_map['Closed']", "inbound.field_map['Gate']", "inbound.marker_field"]
