"""The connection check asks for what the settings need; 403s and refused logins are one
clear, permanent error each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from world import SECRET, World

from autotask_fn.autotask import AutotaskAuthError, AutotaskClient
from autotask_fn.autotask.check import DEFAULT_ENTITIES
from autotask_fn.fieldnation.webhooks import sign
from autotask_fn.store import SqliteStore
from autotask_fn.sync import ConnectorSettings, SettingsError, SyncService
from autotask_fn.sync.outbound_settings import AttachmentSettings, ExpenseSettings
from autotask_fn.testing import FakeAutotask

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
CHARGES = ConnectorSettings(expenses=ExpenseSettings(destination="ticket_charge"))


# -- 15. the check matches the configuration ---------------------------------------------
def test_the_default_entities_are_what_the_default_settings_need() -> None:
    assert ConnectorSettings().required_access() == dict(DEFAULT_ENTITIES)


def test_only_the_configured_expense_destination_is_asked_for() -> None:
    reports = ConnectorSettings().required_access()
    charges = CHARGES.required_access()
    assert "TicketCharges" not in reports
    assert reports["ExpenseItems"] == ("query", "create", "update")
    assert charges["TicketCharges"] == ("query", "create", "update", "delete")
    assert "ExpenseReports" not in charges
    assert "ExpenseItems" not in charges
    assert reports["TicketAttachments"] == ("query", "create", "delete")
    no_files = ConnectorSettings(attachments=AttachmentSettings(
        sync_files=False, sync_receipts=False, sync_signatures=False)).required_access()
    assert "TicketAttachments" not in no_files


@pytest.mark.contract("AT-ENTITY-ACCESS")
def test_expense_reports_pass_the_check_without_ticket_charge_access() -> None:
    fake = FakeAutotask()
    fake.deny("TicketCharges", "create", "update", "delete")
    report = fake.client().check_connection(ConnectorSettings().required_access())
    assert report.ok, str(report)
    assert "access TicketCharges" not in {r.name for r in report.results}


@pytest.mark.contract("AT-ENTITY-ACCESS")
def test_ticket_charges_need_update_and_delete_too() -> None:
    fake = FakeAutotask()
    fake.deny("TicketCharges", "delete")
    report = fake.client().check_connection(CHARGES.required_access())
    [failed] = report.failures
    assert failed.name == "access TicketCharges"
    assert "delete" in failed.detail
    assert "Security Levels" in (failed.fix or "")


@pytest.mark.contract("AT-PERMISSION-403")
def test_a_403_during_sync_is_dead_lettered_at_once_naming_the_permission() -> None:
    world = World(max_attempts=8)
    wo, _ticket = world.linked_work_order()
    world.at_fake.deny("TimeEntries", "create")
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    body = json.dumps({"event": {"name": "workorder.time_logged",
                                 "params": {"work_order_id": wo}}}).encode()
    headers = {"X-FN-Signature": sign(body, SECRET), "X-FN-Delivery-Id": "d-403:1"}
    assert world.svc.handle_fieldnation_webhook(body, headers).status == 200
    report = world.svc.process_pending()
    assert (report.dead, report.retried) == (1, 0)
    [dead] = world.svc.dead_letters()
    assert dead.attempts == 1
    assert "create TimeEntries" in (dead.last_error or "")
    assert "Security Levels" in (dead.last_error or "")

    world.at_fake.grant("TimeEntries", "create")  # fixed by an administrator: replay it
    assert world.svc.replay(dead.id)
    assert world.svc.process_pending().succeeded == 1


# -- 16. a refused login is one clear error -----------------------------------------------
@pytest.mark.contract("AT-AUTH-BAD-SECRET", "AT-AUTH-BAD-CODE")
@pytest.mark.parametrize(("secret", "code", "credential"), [
    ("not-the-secret", FakeAutotask.INTEGRATION_CODE, "secret"),
    (FakeAutotask.SECRET, "NOT-THE-CODE", "integration_code"),
])
def test_building_the_service_with_a_refused_login_is_one_auth_error(
    secret: str, code: str, credential: str,
) -> None:
    world = World()
    fake = world.at_fake
    client = AutotaskClient(fake.USERNAME, secret, code, zone_url=fake.zone_url,
                            transport=httpx.WSGITransport(app=fake))
    fake.reset_requests()
    with pytest.raises(AutotaskAuthError) as info:
        SyncService(autotask=client, fieldnation=world.fn, store=SqliteStore(),
                    settings=ConnectorSettings(webhook_secrets=(SECRET,)))
    assert not isinstance(info.value, SettingsError)
    assert info.value.credential == credential
    assert fake.count_requests("GET", r"entityInformation") == 1  # stopped at the first read
