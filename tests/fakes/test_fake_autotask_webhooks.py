"""FakeAutotask: TicketWebhooks and the callouts ticket changes produce."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import httpx
import pytest

from autotask_fn.testing import FakeAutotask
from autotask_fn.testing.autotask import ApiError

from .test_fake_autotask_support import (  # fixtures: client, fake
    client_fixture,  # noqa: F401
    create,
    errors,
    fake_fixture,  # noqa: F401
    ticket_fields,
)

SECRET_KEY = "hook-secret-0123456789"


def _hook(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "FN sync", "webhookUrl": "https://sync.example.com/autotask",
        "deactivationUrl": "https://sync.example.com/autotask/deactivated",
        "secretKey": SECRET_KEY, "isActive": True, "isSubscribedToCreateEvents": True,
        "isSubscribedToUpdateEvents": True, "isSubscribedToDeleteEvents": False,
    }
    body.update(overrides)
    return body


def _ready_hook(fake: FakeAutotask, client: httpx.Client, *subscribed: str,
                always: tuple[str, ...] = ("title",), **overrides: Any) -> int:
    hook = create(client, "TicketWebhooks", _hook(**overrides))
    for name in subscribed:
        create(client, f"TicketWebhooks/{hook}/Fields", {
            "fieldID": fake.webhook_field_id(name), "isSubscribedField": True,
            "isDisplayAlwaysField": False})
    for name in always:
        create(client, f"TicketWebhooks/{hook}/Fields", {
            "fieldID": fake.webhook_field_id(name), "isSubscribedField": False,
            "isDisplayAlwaysField": True})
    return hook


def _verify(body: bytes, header: str, secret: str = SECRET_KEY) -> bool:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return hmac.compare_digest(header, "sha1=" + base64.b64encode(digest).decode())


def test_webhook_crud_and_children(fake: FakeAutotask, client: httpx.Client) -> None:
    hook = create(client, "TicketWebhooks", _hook())
    item = client.get(f"TicketWebhooks/{hook}").json()["item"]
    assert item["webhookGUID"]
    assert item["isReady"] is False
    assert item["ownerResourceID"] == fake.api_resource_id
    assert "secretKey" not in item
    field = create(client, f"TicketWebhooks/{hook}/Fields", {
        "fieldID": fake.webhook_field_id("status"), "isSubscribedField": True,
        "isDisplayAlwaysField": False})
    assert client.get(f"TicketWebhooks/{hook}").json()["item"]["isReady"] is True
    assert [f["id"] for f in client.get(f"TicketWebhooks/{hook}/Fields").json()["items"]] == \
        [field]
    assert client.get(f"TicketWebhookFields/{field}").json()["item"]["webhookID"] == hook
    excluded = create(client, f"TicketWebhooks/{hook}/ExcludedResources",
                      {"resourceID": fake.api_resource_id})
    assert client.get(f"TicketWebhookExcludedResources/{excluded}").json()["item"][
        "resourceID"] == fake.api_resource_id
    assert client.patch("TicketWebhooks", json={"id": hook, "isActive": False}).is_success
    assert client.delete(f"TicketWebhooks/{hook}/Fields/{field}").is_success
    assert client.get(f"TicketWebhooks/{hook}").json()["item"]["isReady"] is False
    assert client.delete(f"TicketWebhooks/{hook}").is_success
    assert fake.records("TicketWebhookExcludedResources") == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [({"name": "n" * 51}, "name"), ({"deactivationUrl": None}, "deactivationUrl"),
     ({"webhookUrl": "http://plain.example.com/"}, "https"),
     ({"secretKey": "k" * 65}, "secretKey")],
)
def test_webhook_validation(client: httpx.Client, overrides: dict[str, Any], fragment: str) -> None:
    response = client.post("TicketWebhooks", json=_hook(**overrides))
    assert response.status_code == 500
    assert fragment in " ".join(errors(response))


def test_duplicate_callouts_are_refused(client: httpx.Client) -> None:
    create(client, "TicketWebhooks", _hook())
    response = client.post("TicketWebhooks", json=_hook(name="again"))
    assert response.status_code == 500
    other_events = _hook(name="deletes", isSubscribedToCreateEvents=False,
                         isSubscribedToUpdateEvents=False, isSubscribedToDeleteEvents=True)
    assert client.post("TicketWebhooks", json=other_events).status_code == 200


def test_unknown_field_ids_are_refused(client: httpx.Client) -> None:
    hook = create(client, "TicketWebhooks", _hook())
    response = client.post(f"TicketWebhooks/{hook}/Fields", json={
        "fieldID": 99999, "isSubscribedField": True, "isDisplayAlwaysField": False})
    assert response.status_code == 500


@pytest.mark.contract("AT-CALLOUT-SIGNATURE", "AT-CALLOUT-PAYLOAD")
def test_create_and_update_produce_signed_callouts(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    hook = _ready_hook(fake, client, "status")
    guid = client.get(f"TicketWebhooks/{hook}").json()["item"]["webhookGUID"]
    ticket = fake.ui_create_ticket(**ticket_fields(fake, title="Fix <POS> & drawer"))
    fake.ui_update_ticket(ticket, status=8)
    created, updated = fake.take_callouts()
    assert fake.take_callouts() == []
    for callout in (created, updated):
        assert callout.url == "https://sync.example.com/autotask"
        assert _verify(callout.body, callout.headers["X-Hook-Signature"])
        # .NET-style escaping: the signed bytes are not what json.dumps would produce
        assert b"\\u0026" in callout.body
        assert b"\\u003C" in callout.body
    payload = updated.json()
    assert payload["Action"] == "Update"
    assert payload["Guid"] == guid
    assert payload["EntityType"] == "Ticket"
    assert payload["Id"] == ticket
    assert payload["Fields"] == {"status": 8, "title": "Fix <POS> & drawer"}
    assert payload["PersonID"] == fake.seed.ui_resource_id
    assert payload["SequenceNumber"] == created.json()["SequenceNumber"] + 1
    assert created.json()["Action"] == "Create"
    assert set(payload) == {"Action", "Guid", "EntityType", "Id", "Fields", "EventTime",
                            "SequenceNumber", "PersonID"}


def test_updates_without_a_subscribed_change_are_not_sent(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    _ready_hook(fake, client, "status", isSubscribedToCreateEvents=False)
    ticket = fake.ui_create_ticket(**ticket_fields(fake))
    fake.ui_update_ticket(ticket, title="Only the title")
    fake.ui_update_ticket(ticket, status=1)  # unchanged value
    assert fake.take_callouts() == []


@pytest.mark.contract("AT-CALLOUT-EXCLUDED-RESOURCE")
def test_api_changes_carry_the_api_resource_and_exclusions_apply(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    hook = _ready_hook(fake, client, "status")
    ticket = create(client, "Tickets", ticket_fields(fake))
    assert [c.json()["PersonID"] for c in fake.take_callouts()] == [fake.api_resource_id]
    create(client, f"TicketWebhooks/{hook}/ExcludedResources",
           {"resourceID": fake.api_resource_id})
    assert client.patch("Tickets", json={"id": ticket, "status": 8}).is_success
    assert fake.take_callouts() == []
    fake.ui_update_ticket(ticket, status=5)
    assert [c.json()["Fields"]["status"] for c in fake.take_callouts()] == [5]


def test_impersonated_api_changes_carry_the_impersonated_resource(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    _ready_hook(fake, client, "status")
    headers = {"ImpersonationResourceId": str(fake.seed.tech_resource_id)}
    response = client.post("Tickets", json=ticket_fields(fake), headers=headers)
    assert response.status_code == 200
    assert [c.json()["PersonID"] for c in fake.take_callouts()] == [fake.seed.tech_resource_id]
    bad = client.post("Tickets", json=ticket_fields(fake),
                      headers={"ImpersonationResourceId": str(fake.seed.inactive_resource_id)})
    assert bad.status_code == 500


def test_inactive_or_unready_webhooks_send_nothing(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    create(client, "TicketWebhooks", _hook())  # no fields: not ready
    _ready_hook(fake, client, "status", webhookUrl="https://b.example.com/", isActive=False)
    fake.ui_create_ticket(**ticket_fields(fake))
    assert fake.take_callouts() == []


def test_ui_helpers_apply_the_rules(fake: FakeAutotask) -> None:
    with pytest.raises(ApiError, match="companyID"):
        fake.ui_create_ticket(title="No company", status=1, priority=2)


@pytest.mark.contract("AT-CALLOUT-SIGNED-TEXT")
def test_the_fake_can_sign_the_dotnet_rendering_of_a_plain_body(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    fake.set_tenant_option(callout_signature="dotnet_rendering")
    _ready_hook(fake, client, "status")
    fake.ui_create_ticket(**ticket_fields(fake, title="Café <POS> & drawer +1"))
    [callout] = fake.take_callouts()
    assert "Café <POS> & drawer +1".encode() in callout.body  # sent plain
    assert not _verify(callout.body, callout.headers["X-Hook-Signature"])
    escaped = (callout.body.decode().replace("&", "\\u0026").replace("<", "\\u003C")
               .replace(">", "\\u003E").replace("+", "\\u002B").replace("é", "\\u00E9"))
    assert _verify(escaped.encode(), callout.headers["X-Hook-Signature"])
