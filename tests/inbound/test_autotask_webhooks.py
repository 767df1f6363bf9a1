"""Autotask callout verification and parsing, and the TicketWebhook set-up helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_fn.autotask.webhooks import (
    CalloutVerifier,
    WebhookPayloadError,
    WebhookSignatureError,
    WebhookUnsignedError,
    create_ticket_webhook,
    parse_callout,
    remove_ticket_webhook,
    sign,
)

KEY = "k3y-that-is-long-enough"
BODY = json.dumps({"Action": "Update", "Guid": "6f1c-aa", "EntityType": "Ticket", "Id": 501,
                   "Fields": {"title": "x"}, "EventTime": "2026-01-01T00:00:00Z",
                   "SequenceNumber": 17, "PersonID": 29682885}).encode()


def test_signature_is_sha1_prefixed_base64_hmac_of_the_raw_body() -> None:
    expected = base64.b64encode(hmac.new(KEY.encode(), BODY, hashlib.sha1).digest()).decode()
    assert sign(BODY, KEY) == "sha1=" + expected


def test_valid_signature_passes_with_any_header_case() -> None:
    CalloutVerifier(KEY).verify(BODY, {"x-hook-signature": sign(BODY, KEY)})
    CalloutVerifier(["old-key-123456", KEY]).verify(BODY, {"X-Hook-Signature": sign(BODY, KEY)})


def test_tampered_body_is_rejected_without_leaking_the_key() -> None:
    headers = {"X-Hook-Signature": sign(BODY, KEY)}
    with pytest.raises(WebhookSignatureError) as info:
        CalloutVerifier(KEY).verify(BODY.replace(b"501", b"502"), headers)
    assert not isinstance(info.value, WebhookUnsignedError)
    assert KEY not in str(info.value)
    assert KEY not in repr(CalloutVerifier(KEY))


def test_wrong_key_is_rejected() -> None:
    with pytest.raises(WebhookSignatureError):
        CalloutVerifier("another-key-999").verify(BODY, {"X-Hook-Signature": sign(BODY, KEY)})


def test_unsigned_callout_is_its_own_error() -> None:
    with pytest.raises(WebhookUnsignedError):
        CalloutVerifier(KEY).verify(BODY, {})
    with pytest.raises(WebhookUnsignedError):
        CalloutVerifier(()).verify(BODY, {"X-Hook-Signature": sign(BODY, KEY)})


def test_parse_callout_reads_every_documented_key() -> None:
    callout = parse_callout(BODY)
    assert (callout.action, callout.guid, callout.entity_type, callout.entity_id) == (
        "Update", "6f1c-aa", "Ticket", 501)
    assert callout.sequence_number == 17
    assert callout.person_id == 29682885
    assert callout.fields == {"title": "x"}
    assert callout.delivery_id == "6f1c-aa:501:17"


def test_parse_callout_rejects_garbage() -> None:
    for body in (b"not json", b"[1]", b'{"Action":"Update"}', b'{"Action":"x","Id":"abc"}'):
        with pytest.raises(WebhookPayloadError):
            parse_callout(body)


@pytest.mark.parametrize("body", [
    b'{"Action":"Update","Id":1e999}',      # json reads Infinity: int() raised OverflowError
    b"[" * 100_000,                          # json raised RecursionError
    b'{"Action":"Update","Id":501.7}',       # int() truncated it to ticket 501
    b'{"Action":"Update","Id":true}',        # int(True) made it ticket 1
    b'{"Action":"Update","Id":-4}',
    b'{"Action":"Update","Id":501,"SequenceNumber":NaN}',
])
def test_parse_callout_refuses_odd_numbers_with_its_typed_error_only(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_callout(body)


def test_callout_bodies_given_as_text_are_read_and_verified_like_bytes() -> None:
    text = BODY.decode()
    CalloutVerifier(KEY).verify(text, {"X-Hook-Signature": sign(BODY, KEY)})  # type: ignore[arg-type]
    assert parse_callout(text).entity_id == 501  # type: ignore[arg-type]
    assert parse_callout(b'{"Action":"Update","Id":"501","SequenceNumber":17.0}').entity_id == 501


class RecordingClient:
    def __init__(self) -> None:
        self.created: list[tuple[str, dict[str, Any], int | None]] = []
        self.deleted: list[tuple[str, int]] = []

    def create(self, entity: str, fields: Any, parent_id: int | None = None) -> int:
        self.created.append((entity, dict(fields), parent_id))
        return 900 + len(self.created)

    def delete(self, entity: str, id: int, parent_id: int | None = None) -> None:
        self.deleted.append((entity, id))


def test_create_ticket_webhook_subscribes_fields_and_excludes_the_api_user() -> None:
    client = RecordingClient()
    hook = create_ticket_webhook(
        client, name="autotask-fn", webhook_url="https://host/at", secret_key=KEY,
        deactivation_url="https://host/at/deactivated", field_ids=[4, 9],
        excluded_resource_ids=[29682885], display_always_field_ids=[1], udf_field_ids=[77],
    )
    entity, fields, parent = client.created[0]
    assert (entity, parent) == ("TicketWebhooks", None)
    assert fields["deactivationUrl"] == "https://host/at/deactivated"
    assert fields["isSubscribedToCreateEvents"]
    assert fields["isSubscribedToUpdateEvents"]
    subs = [(f["fieldID"], f["isSubscribedField"], f["isDisplayAlwaysField"])
            for e, f, p in client.created if e == "TicketWebhookFields" and p == hook.id]
    assert subs == [(4, True, False), (9, True, False), (1, False, True)]
    excluded = [f["resourceID"] for e, f, p in client.created
                if e == "TicketWebhookExcludedResources" and p == hook.id]
    assert excluded == [29682885]
    udfs = [f["udfFieldID"] for e, f, p in client.created
            if e == "TicketWebhookUdfFields" and p == hook.id]
    assert udfs == [77]
    assert KEY not in repr(hook)
    remove_ticket_webhook(client, hook.id)
    assert client.deleted == [("TicketWebhooks", hook.id)]


def test_create_ticket_webhook_needs_a_field_and_a_deactivation_url() -> None:
    from autotask_fn.autotask.webhooks import AutotaskWebhookError

    with pytest.raises(AutotaskWebhookError):
        create_ticket_webhook(RecordingClient(), name="n", webhook_url="u", secret_key=KEY,
                              deactivation_url="d", field_ids=[])
    with pytest.raises(AutotaskWebhookError):
        create_ticket_webhook(RecordingClient(), name="n", webhook_url="u", secret_key=KEY,
                              deactivation_url="", field_ids=[1])


@given(body=st.binary(min_size=1, max_size=300), key=st.text(min_size=10, max_size=64),
       flip=st.integers(min_value=0))
@settings(max_examples=60, deadline=None)
def test_any_signed_body_verifies_and_any_flipped_byte_does_not(
    body: bytes, key: str, flip: int,
) -> None:
    headers = {"X-Hook-Signature": sign(body, key)}
    CalloutVerifier(key).verify(body, headers)
    index = flip % len(body)
    tampered = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1:]
    with pytest.raises(WebhookSignatureError):
        CalloutVerifier(key).verify(tampered, headers)


# -- which text is signed (unconfirmed: both readings are accepted) ------------------------
def _callout(fake_mode: str, title: str) -> tuple[bytes, dict[str, str]]:
    from autotask_fn.testing import FakeAutotask

    fake = FakeAutotask(callout_signature=fake_mode)
    client = fake.client(sleep=lambda _s: None)
    hook = create_ticket_webhook(
        client, name="FN", webhook_url="https://sync.example.com/at",
        deactivation_url="https://sync.example.com/at/off", secret_key=KEY,
        field_ids=[fake.webhook_field_id("status")],
        display_always_field_ids=[fake.webhook_field_id("title")])
    assert hook.id
    fake.ui_create_ticket(title=title, companyID=fake.seed.company_id, status=1, priority=2,
                          queueID=fake.seed.queue_id)
    [callout] = fake.take_callouts()
    return callout.body, dict(callout.headers)


@pytest.mark.contract("AT-CALLOUT-SIGNED-TEXT")
@pytest.mark.parametrize("mode", ["sent_bytes", "dotnet_rendering"])
@pytest.mark.parametrize("title", ["Fix <POS> & drawer", "Café n°5 + 'quotes' \"x\" 😀",
                                   "back\\slash\tand\nnewline"])
def test_callouts_signed_either_way_are_accepted(mode: str, title: str) -> None:
    body, headers = _callout(mode, title)
    CalloutVerifier(KEY).verify(body, headers)
    assert parse_callout(body).fields["title"] == title


@pytest.mark.contract("AT-CALLOUT-SIGNED-TEXT")
@pytest.mark.parametrize("mode", ["sent_bytes", "dotnet_rendering"])
def test_a_tampered_callout_is_refused_whichever_text_was_signed(mode: str) -> None:
    body, headers = _callout(mode, "Fix <POS> & drawer")
    with pytest.raises(WebhookSignatureError):
        CalloutVerifier(KEY).verify(body.replace(b"drawer", b"drawers"), headers)
    with pytest.raises(WebhookSignatureError):
        CalloutVerifier("another-key-999").verify(body, headers)


def test_the_dotnet_rendering_escapes_inside_strings_only() -> None:
    from autotask_fn.autotask.webhooks import dotnet_rendering

    text = '{"a&b":"x & <y> \'z\' `q` +1 \\"in\\" \\\\ é 😀","n":[1,2.5,null]}'
    assert dotnet_rendering(text) == (
        '{"a\\u0026b":"x \\u0026 \\u003Cy\\u003E \\u0027z\\u0027 \\u0060q\\u0060 \\u002B1 '
        '\\u0022in\\u0022 \\\\ \\u00E9 \\uD83D\\uDE00","n":[1,2.5,null]}')
    assert dotnet_rendering(dotnet_rendering(text)) == dotnet_rendering(text)
