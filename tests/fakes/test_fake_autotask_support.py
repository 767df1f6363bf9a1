"""Helpers shared by the FakeAutotask tests (this module holds no tests itself)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autotask_fn.testing import FakeAutotask

ALL: dict[str, Any] = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


def auth_headers(fake: FakeAutotask) -> dict[str, str]:
    """The three headers every Autotask call carries."""
    return {
        "ApiIntegrationCode": fake.INTEGRATION_CODE,
        "UserName": fake.USERNAME,
        "Secret": fake.SECRET,
    }


def connect(fake: FakeAutotask | None = None, **options: Any) -> tuple[FakeAutotask, httpx.Client]:
    """A fake tenant and an authenticated httpx client talking to it in process."""
    fake = fake or FakeAutotask(**options)
    client = httpx.Client(
        transport=httpx.WSGITransport(app=fake), base_url=fake.base_url + "V1.0/",
        headers=auth_headers(fake),
    )
    return fake, client


def errors(response: httpx.Response) -> list[str]:
    """The ``errors`` array of an error response."""
    body = response.json()
    assert isinstance(body, dict), body
    assert "errors" in body, body
    return [str(e) for e in body["errors"]]


def ticket_fields(fake: FakeAutotask, **overrides: Any) -> dict[str, Any]:
    """A valid minimal ticket create body on the seeded company and queue."""
    fields: dict[str, Any] = {
        "title": "Printer offline", "status": 1, "priority": 2,
        "companyID": fake.seed.company_id, "queueID": fake.seed.queue_id,
    }
    fields.update(overrides)
    return fields


def create(client: httpx.Client, path: str, body: dict[str, Any]) -> int:
    """POST a create and return the new id (fails the test on an error answer)."""
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    item_id = response.json()["itemId"]
    assert isinstance(item_id, int)
    return item_id


def assigned_ticket(fake: FakeAutotask, client: httpx.Client, **overrides: Any) -> int:
    """A ticket assigned to the field tech in the field-tech role."""
    return create(client, "Tickets", ticket_fields(
        fake, assignedResourceID=fake.seed.tech_resource_id,
        assignedResourceRoleID=fake.seed.tech_role_id, **overrides,
    ))


@pytest.fixture(name="fake")
def fake_fixture() -> FakeAutotask:
    """A fresh fake tenant."""
    return FakeAutotask()


@pytest.fixture(name="client")
def client_fixture(fake: FakeAutotask) -> httpx.Client:
    """An authenticated client on the ``fake`` fixture's tenant."""
    return connect(fake)[1]


def test_the_fake_clock_reads_utc_even_when_started_or_set_with_another_offset() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from autotask_fn.testing.autotask.clock import FakeClock

    east = timezone(timedelta(hours=10))
    clock = FakeClock(datetime(2026, 3, 2, 8, tzinfo=east))  # 2026-03-01 22:00 UTC
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.now() == datetime(2026, 3, 1, 22, tzinfo=UTC)
    fake = FakeAutotask(clock=clock)
    assert fake._tenant.next_ticket_number().startswith("T20260301.")  # the UTC day
    clock.set(datetime(2026, 3, 5, 1, tzinfo=east))
    assert clock.now().tzinfo == UTC
    assert clock.now() == datetime(2026, 3, 4, 15, tzinfo=UTC)
