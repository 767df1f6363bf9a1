"""The client driven against the stateful FakeFieldNation over WSGI, endpoint by endpoint."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from autotask_fn.fieldnation import (
    Events,
    FieldNationClient,
    FieldNationNotFoundError,
    FieldNationRateLimitError,
    FieldNationServerError,
    FieldNationValidationError,
    Schedule,
    WebhookVerifier,
)
from autotask_fn.testing import FakeFieldNation

PNG = "data:image/png;base64," + base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                  "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
).decode()


@pytest.fixture
def fake() -> FakeFieldNation:
    return FakeFieldNation()


def client_for(fake: FakeFieldNation, **kwargs: object) -> FieldNationClient:
    kwargs.setdefault("clock", fake.clock.timestamp)
    kwargs.setdefault("sleep", lambda s: None)
    return FieldNationClient(
        FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET, FakeFieldNation.USERNAME,
        FakeFieldNation.PASSWORD, base_url=fake.base_url,
        transport=httpx.WSGITransport(app=fake), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def fn(fake: FakeFieldNation) -> Iterator[FieldNationClient]:
    with client_for(fake) as client:
        yield client


@pytest.fixture
def assigned(fake: FakeFieldNation) -> int:
    """A work order assigned to the seeded provider."""
    wo_id = fake.create_work_order(title="Assigned job")
    fake.assign(wo_id)
    return wo_id


# --------------------------------------------------------------------------- work orders


def test_environment_name_is_custom_for_an_explicit_base_url(fn: FieldNationClient) -> None:
    assert fn.environment_name == "custom"
    assert FieldNationClient("a", "b", "c", "d", environment="production").environment_name == (
        "production")
    assert FieldNationClient("a", "b", "c", "d").base_url == "https://api-sandbox.fndev.net"


def test_create_then_get_work_order(fn: FieldNationClient) -> None:
    created = fn.create_work_order({"title": "Install AP", "description": {"html": "<p>x</p>"}})
    got = fn.get_work_order(created.id)

    assert got.id == created.id
    assert got.title == "Install AP"
    assert got.description_html == "<p>x</p>"
    assert (got.status.id, got.status.name) == (1, "Draft")
    assert [f.name for f in got.folders] == ["Documents", "Misc"]


@pytest.mark.contract("FN-WO-COLUMNS")
def test_get_with_columns_limits_the_sections(fn: FieldNationClient) -> None:
    wo_id = fn.create_work_order({"title": "Columns"}).id
    wo = fn.get_work_order(wo_id, columns=["title", "status"])
    assert wo.title == "Columns"
    assert "attachments" not in wo.raw
    assert wo.folders == []


def test_missing_work_order_is_not_found(fn: FieldNationClient) -> None:
    with pytest.raises(FieldNationNotFoundError):
        fn.get_work_order(999_999)


@pytest.mark.contract("FN-WO-LIST-PAGED")
def test_iter_work_orders_pages_and_filters(fn: FieldNationClient, fake: FakeFieldNation) -> None:
    ids = [fake.create_work_order(title=f"WO {i}") for i in range(5)]
    fake.publish(ids[0])
    fake.reset_requests()

    assert [w.id for w in fn.iter_work_orders(per_page=2)] == ids
    assert fake.count_requests("GET", "/api/rest/v2/workorders") == 3
    assert [w.id for w in fn.iter_work_orders({"status": 2})] == [ids[0]]
    assert [w.id for w in fn.iter_work_orders({"f_status": [1]})] == ids[1:]


def test_update_incident_id_and_location(fn: FieldNationClient) -> None:
    wo_id = fn.create_work_order({"title": "Loc"}).id
    assert fn.set_incident_id(wo_id, "T20260105.0042").incident_id == "T20260105.0042"
    wo = fn.update_location(wo_id, {"mode": "custom", "address1": "1 Main St",
                                    "city": "Fargo", "state": "ND", "zip": "58102",
                                    "country": "US"})
    assert (wo.location.city, wo.location.zip) == ("Fargo", "58102")
    assert fn.get_work_order(wo_id).incident_id == "T20260105.0042"
    with pytest.raises(FieldNationValidationError, match="f_incident_id"):
        next(fn.iter_work_orders({"incident_id": "T20260105.0042"}))  # documented nowhere


def test_lifecycle_actions(fn: FieldNationClient, fake: FakeFieldNation) -> None:
    wo_id = fake.create_work_order(title="Lifecycle")
    fn.publish(wo_id)
    assert fn.get_work_order(wo_id).status.id == 2
    fn.unpublish(wo_id)
    assert fn.get_work_order(wo_id).status.id == 1
    fn.route(wo_id, fake.seed.provider_id)
    assert fn.get_work_order(wo_id).status.id == 9
    fn.assign(wo_id, fake.seed.provider_id)
    wo = fn.get_work_order(wo_id)
    assert wo.status.id == 3
    assert wo.assignee.id == fake.seed.provider_id
    fake.complete_work(wo_id)
    fn.approve(wo_id)
    assert fn.get_work_order(wo_id).status.name == "Approved"


def test_cancel_needs_a_reason(fn: FieldNationClient, fake: FakeFieldNation) -> None:
    wo_id = fn.create_work_order({"title": "Cancel me"}).id
    fake.reset_requests()
    with pytest.raises(ValueError, match="reason"):
        fn.cancel_work_order(wo_id, " ")
    assert fake.count_requests() == 0
    fn.cancel_work_order(wo_id, "Customer withdrew")
    assert fn.get_work_order(wo_id).status.id == 7


def test_illegal_transition_is_a_validation_error(fn: FieldNationClient) -> None:
    wo_id = fn.create_work_order({"title": "Draft"}).id
    with pytest.raises(FieldNationValidationError):
        fn.approve(wo_id)


# --------------------------------------------------------------------------- schedule etc.


def test_schedule_round_trips_in_fn_datetime_form(fn: FieldNationClient) -> None:
    wo_id = fn.create_work_order({"title": "Sched"}).id
    start = datetime(2026, 2, 1, 14, 30, tzinfo=UTC)
    updated = fn.update_schedule(wo_id, Schedule(mode="between", start=start,
                                                 end=start + timedelta(hours=3)))
    assert (updated.mode, updated.start, updated.end) == (
        "between", start, start + timedelta(hours=3))
    got = fn.get_schedule(wo_id)
    assert got.start == start
    assert fn.get_work_order(wo_id).schedule.end == start + timedelta(hours=3)


def test_schedule_payload_with_datetimes_is_converted(fn: FieldNationClient) -> None:
    wo_id = fn.create_work_order({"title": "Sched 2"}).id
    start = datetime(2026, 2, 2, 8, tzinfo=UTC)
    assert fn.update_schedule(wo_id, {"service_window": {"mode": "exact",
                                                         "start": start}}).start == start


def test_contacts(fn: FieldNationClient) -> None:
    wo_id = fn.create_work_order({"title": "Contacts"}).id
    added = fn.add_contact(wo_id, {"name": "Dana Site", "phone": "555-0100", "role": "Site"})
    assert added.name == "Dana Site"
    assert [(c.name, c.phone) for c in fn.list_contacts(wo_id)] == [("Dana Site", "555-0100")]


def test_custom_fields(fn: FieldNationClient, fake: FakeFieldNation) -> None:
    wo_id = fn.create_work_order({"title": "CF"}).id
    cf_id = fake.seed.custom_fields["Autotask Ticket Number"]
    assert {cf.id for cf in fn.list_custom_fields(wo_id)} == set(fake.seed.custom_fields.values())
    assert fn.set_custom_field(wo_id, cf_id, "T2026.0001").value == "T2026.0001"
    assert fn.get_custom_field(wo_id, cf_id).value == "T2026.0001"
    full = fn.get_work_order(wo_id)
    assert {cf.id: cf.value for cf in full.custom_fields}[cf_id] == "T2026.0001"


# --------------------------------------------------------------------------- time logs


def test_time_log_crud(fn: FieldNationClient, assigned: int) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    log = fn.create_time_log(assigned, start, start + timedelta(hours=2))
    assert (log.start, log.end, log.hours) == (start, start + timedelta(hours=2), Decimal(2))

    changed = fn.update_time_log(assigned, log.id, end=start + timedelta(hours=2, minutes=30))
    assert changed.hours == Decimal("2.5")
    assert [t.id for t in fn.list_time_logs(assigned)] == [log.id]

    fn.delete_time_log(assigned, log.id)
    assert fn.list_time_logs(assigned) == []


def test_provider_check_in_and_out_show_up_in_the_work_order(
    fn: FieldNationClient, fake: FakeFieldNation, assigned: int,
) -> None:
    fake.check_in(assigned)
    open_log = fn.list_time_logs(assigned)[0]
    assert open_log.end is None
    fake.clock.advance(5400)
    fake.check_out(assigned)
    (log,) = fn.get_work_order(assigned).time_logs
    assert log.hours == Decimal("1.5")
    assert log.logged_by.id == fake.seed.provider_id


# --------------------------------------------------------------------------- expenses


def test_expenses(fn: FieldNationClient, fake: FakeFieldNation, assigned: int) -> None:
    provider_expense = fake.add_expense(assigned, "12.34", "Cable", quantity=2,
                                        category_id=fake.seed.expense_categories["Parts"])
    mine = fn.create_expense(assigned, Decimal("50.00"), "Parking",
                             category_id=fake.seed.expense_categories["Travel"])
    assert (mine.amount, mine.status, mine.category) == (Decimal("50.00"), "new", "Travel")

    by_id = {e.id: e for e in fn.list_expenses(assigned)}
    assert by_id[provider_expense].amount == Decimal("12.34")
    assert by_id[provider_expense].quantity == 2
    assert by_id[provider_expense].author.id == fake.seed.provider_id

    approved = fn.update_expense(assigned, provider_expense, status="approved")
    assert approved.status == "approved"


# --------------------------------------------------------------------------- messages


def test_messages_post_reply_and_internal_flag(fn: FieldNationClient, fake: FakeFieldNation,
                                               assigned: int) -> None:
    note = fn.post_message(assigned, "Internal: customer is VIP")
    assert note.internal is True
    public = fn.post_message(assigned, "Please bring a ladder", type="ASSIGNEDTECH")
    assert public.internal is False
    from_tech = fake.post_message(assigned, "On it")
    reply = fn.reply_message(assigned, from_tech, "Thanks")
    assert reply.text == "Thanks"

    messages = {m.msg_id: m for m in fn.list_messages(assigned)}
    assert messages[note.msg_id].internal is True
    assert messages[from_tech].text == "On it"
    assert [r.text for r in messages[from_tech].replies] == ["Thanks"]


# --------------------------------------------------------------------------- attachments


def test_folders_upload_download_review_delete(fn: FieldNationClient, fake: FakeFieldNation,
                                               assigned: int) -> None:
    folders = {f.name: f for f in fn.list_folders(assigned)}
    assert set(folders) == {"Documents", "Misc"}
    extra = fn.create_folder(assigned, "Photos")
    assert extra.name == "Photos"

    content = bytes(range(256)) * 1000
    att = fn.upload_file(assigned, extra.id, "site.pdf", content, notes="before work")
    assert (att.name, att.folder_id, att.size_bytes, att.notes) == (
        "site.pdf", extra.id, len(content), "before work")
    assert fn.download(att.link) == content
    with fn.stream(att.link, chunk_size=4096) as chunks:
        parts = list(chunks)
    assert b"".join(parts) == content

    reviewed = fn.update_attachment(assigned, extra.id, att.id, status="APPROVED",
                                    notes="ok")
    assert (reviewed.status, reviewed.notes) == ("APPROVED", "ok")

    fn.delete_attachment(assigned, extra.id, att.id)
    assert {f.name: f.files for f in fn.list_folders(assigned)}["Photos"] == []


def test_provider_upload_appears_in_full_work_order(fn: FieldNationClient,
                                                    fake: FakeFieldNation,
                                                    assigned: int) -> None:
    fake.upload_file(assigned, "receipt.jpg", b"\xff\xd8jpeg", folder="Misc")
    wo = fn.get_work_order(assigned)
    (att,) = wo.attachments
    assert att.name == "receipt.jpg"
    assert att.folder_id == {f.name: f.id for f in wo.folders}["Misc"]
    assert fn.download(att.link) == b"\xff\xd8jpeg"


def test_download_link_is_fetched_with_a_redacted_token_in_logs(
    fn: FieldNationClient, fake: FakeFieldNation, assigned: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="autotask_fn")
    fake.upload_file(assigned, "a.pdf", b"abc")
    link = fn.get_work_order(assigned).attachments[0].link
    assert fn.download(link) == b"abc"
    token = fn.tokens.token()
    assert token not in caplog.text
    assert "access_token=[REDACTED]" in caplog.text


# --------------------------------------------------------------------------- signatures


def test_signatures(fn: FieldNationClient, fake: FakeFieldNation, assigned: int) -> None:
    captured = fake.capture_signature(assigned, "Dana Site", title="Manager")
    mine = fn.create_signature(assigned, "Sam Buyer", PNG, title="Dispatcher")
    assert mine.name == "Sam Buyer"
    sigs = {s.id: s for s in fn.list_signatures(assigned)}
    assert set(sigs) == {captured, mine.id}
    assert sigs[captured].data.startswith("data:image/png;base64,")
    assert {s.id for s in fn.get_work_order(assigned).signatures} == {captured, mine.id}
    fn.delete_signature(assigned, mine.id)
    assert [s.id for s in fn.list_signatures(assigned)] == [captured]


# --------------------------------------------------------------------------- tokens, faults


def test_token_is_renewed_before_the_fake_expires_it(fn: FieldNationClient,
                                                     fake: FakeFieldNation) -> None:
    wo_id = fn.create_work_order({"title": "T"}).id
    fake.clock.advance(3600)
    fake.reset_requests()
    assert fn.get_work_order(wo_id).id == wo_id
    assert fake.count_requests("POST", FakeFieldNation.TOKEN_PATH) == 1
    assert fake.count_requests("GET") == 1  # no rejected request first


def test_expired_token_mid_run_is_renewed_once_and_the_call_repeated(
    fake: FakeFieldNation,
) -> None:
    frozen = fake.clock.timestamp()
    fn = client_for(fake, clock=lambda: frozen)  # our clock does not see the fake's move
    wo_id = fn.create_work_order({"title": "T"}).id
    fake.clock.advance(3601)
    fake.reset_requests()
    assert fn.get_work_order(wo_id).id == wo_id
    assert fake.count_requests("GET") == 2  # 400 "Expired token." then the repeat
    assert fake.count_requests("POST", FakeFieldNation.TOKEN_PATH) == 1


def test_injected_500_on_get_is_retried(fn: FieldNationClient, fake: FakeFieldNation) -> None:
    wo_id = fn.create_work_order({"title": "T"}).id
    fake.fail_next(r"/workorders/\d+$", count=2, status=500, method="GET")
    assert fn.get_work_order(wo_id).id == wo_id
    assert fn.stats.by_method["GET"] == 3


def test_injected_500_on_post_is_not_retried(fn: FieldNationClient,
                                             fake: FakeFieldNation) -> None:
    fn.tokens.token()
    fake.fail_next(r"/workorders$", status=500, method="POST")
    with pytest.raises(FieldNationServerError):
        fn.create_work_order({"title": "T"})
    assert fake.count_requests("POST", "/api/rest/v2/workorders") == 1


def test_rate_limit_honours_retry_after(fake: FakeFieldNation) -> None:
    slept: list[float] = []
    fn = client_for(fake, sleep=slept.append, max_retries=1)
    wo_id = fn.create_work_order({"title": "T"}).id
    fake.rate_limit_next(1, retry_after=12, method="GET")
    assert fn.get_work_order(wo_id).id == wo_id
    assert slept == [12.0]
    fake.rate_limit_next(2, retry_after=1, method="GET")
    with pytest.raises(FieldNationRateLimitError) as info:
        fn.get_work_order(wo_id)
    assert info.value.retry_after == 1


# --------------------------------------------------------------------------- webhooks


def test_webhook_registration_and_verified_deliveries(fn: FieldNationClient,
                                                      fake: FakeFieldNation) -> None:
    secret = "hook-secret-abcdef"
    reg = fn.webhooks.register("https://receiver.example.com/fn",
                               [Events.STATUS_PUBLISHED, Events.STATUS_ASSIGNED,
                                Events.STATUS_CHECKED_IN], secret=secret)
    assert [h.webhook_id for h in fn.webhooks.list()] == [reg.webhook_id]

    wo_id = fake.create_work_order(title="Hooked")
    fake.publish(wo_id)
    fake.assign(wo_id)
    fake.check_in(wo_id)

    deliveries = fake.take_deliveries(duplicate=3, shuffle=True, seed=7)
    verifier = WebhookVerifier([secret], clock=fake.clock.timestamp)
    events = [verifier.parse(d.body, d.headers) for d in deliveries]
    unique = {e.delivery_id: e for e in events}

    assert len(events) == len(unique) + 3
    assert sorted(e.name for e in unique.values()) == sorted(
        [Events.STATUS_PUBLISHED, Events.STATUS_ASSIGNED, Events.STATUS_CHECKED_IN])
    assert {e.work_order_id for e in events} == {wo_id}
    assert {e.webhook_id for e in events} == {reg.webhook_id}
    published = next(e for e in unique.values() if e.name == Events.STATUS_PUBLISHED)
    assert (published.previous_status_id, published.status_id) == (1, 2)
    assert published.work_order.title == "Hooked"

    fn.webhooks.delete(reg.webhook_id)
    assert fn.webhooks.list() == []


def test_tampered_fake_delivery_is_rejected(fn: FieldNationClient,
                                            fake: FakeFieldNation) -> None:
    fn.webhooks.register("https://receiver.example.com/fn", [Events.WORK_ORDER_CREATED],
                         secret="s-123456")
    fn.create_work_order({"title": "x"})
    (delivery,) = fake.take_deliveries()
    verifier = WebhookVerifier(["s-123456"], clock=fake.clock.timestamp)
    with pytest.raises(Exception, match="does not match"):
        verifier.verify(delivery.body.replace(b'"x"', b'"y"'), delivery.headers)
    fake.clock.advance(25 * 3600)
    with pytest.raises(Exception, match="older than"):
        verifier.verify(delivery.body, delivery.headers)


# --------------------------------------------------------------------------- secret hygiene


def test_httpx_request_log_lines_do_not_carry_the_token(
    fn: FieldNationClient, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="httpx")
    fn.create_work_order({"title": "Logged"})
    token = fn.tokens.token()
    assert "HTTP Request" in caplog.text
    assert token not in caplog.text


def test_links_with_embedded_tokens_are_redacted_in_reprs() -> None:
    fake = FakeFieldNation(embed_token_in_links=True)
    fn = client_for(fake)
    wo_id = fake.create_work_order(title="Embedded")
    fake.assign(wo_id)
    fake.upload_file(wo_id, "a.pdf", b"abc")
    (att,) = fn.get_work_order(wo_id).attachments
    token = fn.tokens.token()
    assert token in att.link
    assert token not in repr(att)
    assert fn.download(att.link) == b"abc"


def test_stream_renews_an_expired_token_once(fake: FakeFieldNation, assigned: int) -> None:
    frozen = fake.clock.timestamp()
    fn = client_for(fake, clock=lambda: frozen)
    fake.upload_file(assigned, "big.pdf", b"x" * 200_000)
    link = fn.get_work_order(assigned).attachments[0].link
    fake.clock.advance(3601)
    with fn.stream(link) as chunks:
        assert sum(len(c) for c in chunks) == 200_000
    assert fake.count_requests("POST", FakeFieldNation.TOKEN_PATH) == 2


def test_delete_folder(fn: FieldNationClient, assigned: int) -> None:
    folder = fn.create_folder(assigned, "Temp")
    fn.delete_folder(assigned, folder.id)
    assert "Temp" not in {f.name for f in fn.list_folders(assigned)}


def test_stats_count_every_request_sent(fn: FieldNationClient, fake: FakeFieldNation) -> None:
    wo_id = fn.create_work_order({"title": "Stats"}).id
    fn.get_work_order(wo_id)
    fn.cancel_work_order(wo_id, "done")
    assert fn.stats.total == fake.count_requests() == 4
    assert fn.stats.by_method == {"POST": 2, "GET": 1, "DELETE": 1}
    fn.list_time_logs(wo_id)
    fn.webhooks.list()
    assert fn.stats.by_resource == {"token": 1, "workorders": 3, "time_logs": 1, "webhooks": 1}
    fn.stats.reset()
    assert (fn.stats.total, fn.stats.by_method) == (0, {})
