"""The settings parts of the second half: defaults, plain-data building, resolved values."""

from __future__ import annotations

from outbound_world import OutboundWorld

from autotask_fn.sync import ConnectorSettings
from autotask_fn.sync.outbound_settings import (
    DEFAULT_EMBED_LIMIT,
    AttachmentSettings,
    ExpenseSettings,
    OutboundCreateSettings,
)
from autotask_fn.testing.autotask.picklists import EXPENSE_CATEGORY_TRAVEL


def test_defaults_validate_and_resolve_against_the_tenant(world: OutboundWorld) -> None:
    tech = world.at_fake.seed.tech_resource_id
    parts = ConnectorSettings(default_resource_id=tech).validate(world.at).parts
    assert parts["expenses"]["default_category"] == 7  # "Other"
    assert parts["attachments"] == {"publish": 1, "public_publish": 1}
    assert parts["create"] == {}  # off: nothing read, nothing required
    settings = ConnectorSettings()
    assert settings.attachments.embed_limit == DEFAULT_EMBED_LIMIT == 4.5 * 1024 * 1024
    assert settings.expenses.submit_reports is False
    assert settings.create.enabled is False


def test_settings_build_from_plain_nested_tables(world: OutboundWorld) -> None:
    settings = ConnectorSettings.from_mapping({
        "expenses": {"trigger": "approved", "category_map": {"Travel": "Travel"}},
        "attachments": {"embed_limit": 1_000_000, "sync_files": False},
        "create": {"enabled": True, "default_company_id": world.at_fake.seed.company_id},
        "resource_map": {str(world.fn_fake.seed.provider_id): world.at_fake.seed.tech_resource_id},
    })
    assert isinstance(settings.expenses, ExpenseSettings)
    assert isinstance(settings.attachments, AttachmentSettings)
    assert isinstance(settings.create, OutboundCreateSettings)
    parts = settings.validate(world.at).parts
    assert parts["expenses"]["categories"] == {"Travel": EXPENSE_CATEGORY_TRAVEL}
    assert parts["create"]["queue"] is not None
