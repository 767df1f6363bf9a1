"""ConnectorSettings: validation against the tenant's live metadata, every fault at once."""

from __future__ import annotations

from typing import Any

import pytest
from world import SECRET, World

from autotask_fn.sync import (
    ConnectorSettings,
    NotValidatedError,
    SettingsError,
    SyncService,
    ValidatedSettings,
)


def picklist(world: World, entity: str, field: str) -> dict[str, int]:
    [info] = [f for f in world.at.fields(entity) if f.name == field]
    return {v.label: int(v.value) for v in info.picklist_values}


def test_defaults_resolve_every_label_against_the_tenant(world: World) -> None:
    validated = world.validated
    statuses = picklist(world, "Tickets", "status")
    assert validated.status_values["work_done"] == statuses["Complete"]
    assert validated.status_values["checked_in"] == statuses["In Progress"]
    publish = picklist(world, "TicketNotes", "publish")
    assert validated.note_publish == publish["All Autotask Users"]
    assert validated.note_publish_internal == publish["Internal Only"]
    assert validated.note_type == picklist(world, "TicketNotes", "noteType")["Task Notes"]
    lengths = {f.name: f.length for f in world.at.fields("TicketNotes")}
    assert validated.length("TicketNotes", "title") == lengths["title"]


def test_every_fault_is_reported_at_once(world: World) -> None:
    seed = world.at_fake.seed
    bad = ConnectorSettings(
        status_map={"work_done": "Finished!"}, note_type="Memo",
        note_publish_internal="Secret", resource_map={"ghost@example.com": 999},
        default_resource_id=seed.inactive_resource_id, role_id=12345,
        custom_field_map={"Serial Number": "NoSuchUdf"}, max_attempts=0,
        webhook_secrets=("very-secret-value",))
    with pytest.raises(SettingsError) as caught:
        bad.validate(world.at)
    assert set(caught.value.fields) == {
        "status_map['work_done']", "note_type", "note_publish_internal",
        "resource_map['ghost@example.com']", "default_resource_id", "role_id",
        "custom_field_map['Serial Number']", "max_attempts"}
    assert "very-secret-value" not in str(caught.value)
    assert "In Progress" in str(caught.value)  # the known labels are listed


def test_valid_resource_role_and_udf_settings_pass(world: World) -> None:
    seed = world.at_fake.seed
    validated = ConnectorSettings(
        resource_map={"Tech@Example.com": seed.tech_resource_id},
        default_resource_id=seed.ui_resource_id, role_policy="fixed", role_id=seed.role_id,
        custom_field_map={"Serial Number": world.at.udfs("Tickets")[0].name},
    ).validate(world.at)
    assert validated.settings.resource_map == {"tech@example.com": seed.tech_resource_id}


def test_service_validates_plain_settings_on_construction(world: World) -> None:
    with pytest.raises(SettingsError):
        SyncService(autotask=world.at, fieldnation=world.fn, store=world.store,
                    settings=ConnectorSettings(note_type="Nope"))
    svc = SyncService(autotask=world.at, fieldnation=world.fn, store=world.store,
                      settings=ConnectorSettings(webhook_secrets=(SECRET,),
                                                 default_resource_id=world.at_fake.seed.tech_resource_id))
    assert isinstance(svc.validated, ValidatedSettings)


def test_service_refuses_anything_else(world: World) -> None:
    not_settings: Any = {"status_map": {}}
    with pytest.raises(NotValidatedError):
        SyncService(autotask=world.at, fieldnation=world.fn, store=world.store,
                    settings=not_settings)


def test_secrets_never_appear_in_reprs(world: World) -> None:
    settings = ConnectorSettings(webhook_secrets=("s3cr3t-webhook-key",),
                                 default_resource_id=world.at_fake.seed.tech_resource_id)
    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in repr(settings.validate(world.at))
    assert "s3cr3t" not in repr(world.service())


def test_from_mapping_builds_settings_and_names_unknown_keys() -> None:
    settings = ConnectorSettings.from_mapping({"status_map": {"work_done": "Complete"},
                                               "default_resource_id": 5})
    assert settings.status_map == {"work_done": "Complete"}
    assert settings.default_resource_id == 5
    with pytest.raises(ValueError, match="statusmap"):
        ConnectorSettings.from_mapping({"statusmap": {}})
