"""Field Nation providers carry an id and a name, no e-mail (published MinimalUser): time and
expenses find their Autotask resource by the provider's user id, else the default resource,
and say who the provider was in their text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from world import World

from autotask_fn.fieldnation.models import User
from autotask_fn.sync import ConnectorSettings
from autotask_fn.sync.errors import SyncInputError
from autotask_fn.sync.outbound_settings import ExpenseSettings

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.contract("FN-PROVIDER-NO-EMAIL")
def test_time_and_expenses_map_the_provider_by_user_id_and_name_them() -> None:
    probe = World()
    seed = probe.at_fake.seed
    provider = probe.fn_fake.seed.provider_id
    world = World(resource_map={provider: seed.tech_resource_id},
                  lookup_resources_by_email=True, expenses=ExpenseSettings())
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.fn_fake.add_expense(wo, "9.50", "Parking")
    world.at_fake.reset_requests()
    world.svc.sync_work_order(wo)
    [entry] = world.records("TimeEntries", ticket)
    assert entry["resourceID"] == seed.tech_resource_id
    assert "Pat Tech" in entry["summaryNotes"]
    [item] = world.records("ExpenseItems", ticket)
    assert "(Pat Tech)" in item["description"]
    [report] = world.at_fake.records("ExpenseReports")
    assert report["submitterID"] == seed.tech_resource_id
    # nobody was looked up by an e-mail the response does not carry
    assert world.at_fake.count_requests(path=r"Resources/query") == 0


@pytest.mark.contract("FN-PROVIDER-NO-EMAIL")
def test_an_unmapped_marketplace_provider_books_to_the_default_resource() -> None:
    probe = World()
    seed = probe.at_fake.seed
    world = World(resource_map={probe.fn_fake.seed.provider_id: seed.tech_resource_id},
                  default_resource_id=seed.ui_resource_id)
    world.at_fake.grant_role(seed.ui_resource_id, seed.tech_role_id)
    wo, ticket = world.linked_work_order()
    second = world.fn_fake.seed.second_provider_id
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    log = world.fn_fake.state.raw_work_order(wo).time_logs[0]
    log.logged_by = second  # a second provider on the same order (a helper, say)
    world.svc.sync_work_order(wo)
    [entry] = world.records("TimeEntries", ticket)
    assert entry["resourceID"] == seed.ui_resource_id
    assert "Sam Second" in entry["summaryNotes"]


def test_an_email_is_looked_up_only_when_the_response_carries_one() -> None:
    world = World(lookup_resources_by_email=True)
    seed = world.at_fake.seed
    found = world.svc.resource_for(User(id=77, email="TECH@example.com"))
    assert found == seed.tech_resource_id
    with pytest.raises(SyncInputError) as raised:
        world.svc.resource_for(User(id=78, first_name="Kim"))
    assert "user 78" in str(raised.value)
    assert "default_resource_id" in str(raised.value)


@pytest.mark.contract("FN-PROVIDER-NO-EMAIL")
def test_settings_need_a_default_resource_unless_provider_ids_are_mapped() -> None:
    bare = ConnectorSettings(webhook_secrets=("s",))
    [fault] = [f for f in bare.check() if f.field == "default_resource_id"]
    assert "no e-mail" in fault.message
    assert "resource_map" in fault.message
    by_email_only = ConnectorSettings(webhook_secrets=("s",),
                                      resource_map={"tech@example.com": 5})
    assert any(f.field == "default_resource_id" for f in by_email_only.check())
    by_id = ConnectorSettings(webhook_secrets=("s",), resource_map={2001: 5})
    assert by_id.resource_map == {"2001": 5}
    assert not any(f.field == "default_resource_id" for f in by_id.check())
    with_default = ConnectorSettings(webhook_secrets=("s",), default_resource_id=5)
    assert not any(f.field == "default_resource_id" for f in with_default.check())
    odd = ConnectorSettings(webhook_secrets=("s",), default_resource_id=5,
                            resource_map={"Pat Tech": 5})
    assert [f.field for f in odd.check()] == ["resource_map['pat tech']"]
