"""Bad input, generated with Hypothesis: webhook bodies and headers (wrong types, missing
fields, huge strings, unicode, nulls) validly signed so that parsing is really exercised,
odd work orders (in the Field Nation fake, or a garbage work order served in its place) and
odd tickets.

Whatever comes in: only typed errors (``AutotaskFnError`` subclasses) escape or are recorded,
the store stays consistent (every link points at an existing Autotask record, every record we
made is linked, no intent is left behind), and an invalid input writes nothing to Autotask.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rigs import FN_SECRET, HOOK_KEY, InboundRig

from autotask_fn.autotask.webhooks import sign as sign_callout
from autotask_fn.errors import AutotaskFnError
from autotask_fn.fieldnation.errors import FieldNationError
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.fieldnation.webhooks import sign as sign_delivery
from autotask_fn.mapping.inbound import InboundMappingError
from autotask_fn.store import scoped_key

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
BOUNDED = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def typed_names() -> set[str]:
    """Names of every ``AutotaskFnError`` subclass (loaded so far)."""
    seen: set[str] = set()
    todo: list[type[BaseException]] = [AutotaskFnError]
    while todo:
        cls = todo.pop()
        if cls.__name__ not in seen:
            seen.add(cls.__name__)
            todo.extend(cls.__subclasses__())
    return seen


def assert_typed(errors: tuple[str, ...] | list[str]) -> None:
    """Every recorded failure (``entry N: TypeName: text``) names a typed error."""
    names = typed_names()
    for line in errors:
        match = re.match(r"entry \d+: (\w+):", line)
        assert match is not None, line
        assert match.group(1) in names, f"untyped failure recorded: {line[:300]}"


# -- strategies ------------------------------------------------------------------------
HUGE = st.sampled_from(["x" * 120_000, "é\u0000" * 30_000, "\U0001f4a5" * 20_000])
TEXT = st.one_of(st.text(max_size=40), HUGE, st.just("\u0000"), st.just("<b>" * 50))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=False), TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)


def fn_payloads(wo_ids: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The shape Field Nation sends, with odd values and extra or wrong-typed fields."""
    params = st.fixed_dictionaries({"work_order_id": wo_ids}, optional={
        "status_id": JSON, "previous_status_id": JSON, "extra": JSON})
    event = st.fixed_dictionaries(
        {"name": st.one_of(st.sampled_from(list(Events.all())), TEXT), "params": params})
    return st.fixed_dictionaries({"event": event}, optional={
        "workorder": st.one_of(JSON, st.fixed_dictionaries(
            {"id": st.one_of(wo_ids, JSON)}, optional={"title": JSON, "status": JSON,
                                                       "description": JSON})),
        "workOrderId": st.one_of(wo_ids, JSON), "timestamp": JSON,
        "triggered_by_user": JSON, "eventId": JSON})


def bodies(shaped: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Mostly ``shaped`` as JSON; one in ten any JSON value, one in ten not even JSON."""
    def pick(kind: int, value: Any, junk: Any, raw: bytes) -> bytes:
        if kind == 0:
            return raw
        return json.dumps(junk if kind == 1 else value, ensure_ascii=False).encode(
            "utf-8", "surrogatepass")
    return st.builds(pick, st.integers(0, 9), shaped, JSON, st.binary(max_size=64))


FN_HEADERS = st.dictionaries(
    st.sampled_from(["X-FN-Delivery-Id", "X-FN-Event-Name", "X-FN-Timestamp",
                     "X-FN-Webhook-Id", "X-FN-Request-Timestamp", "Content-Type"]),
    st.one_of(st.text(max_size=40), st.sampled_from(["", "\u0000", "1:2:3", "-1", "9" * 40])),
    max_size=3)


@pytest.fixture
def world() -> InboundRig:
    return InboundRig()


def linked_and_synced(world: InboundRig) -> tuple[int, int]:
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "already synced")
    world.fn_fake.take_deliveries()
    world.svc.sync_work_order(wo)
    return wo, ticket


def test_generated_field_nation_deliveries_write_nothing_and_fail_typed(
        world: InboundRig) -> None:
    wo, _ticket = linked_and_synced(world)
    wo_ids = st.one_of(st.just(wo), st.sampled_from([
        wo + 1, str(wo), -1, 0, 2**64, "", "12abc", 1e308, [wo], None]))
    acks: Counter[int] = Counter()

    @BOUNDED
    @given(body=bodies(fn_payloads(wo_ids)), headers=FN_HEADERS)
    def check(body: bytes, headers: dict[str, str]) -> None:
        signed = {**headers, "X-FN-Signature": sign_delivery(body, FN_SECRET)}
        writes = world.at_writes()
        ack = world.svc.handle_fieldnation_webhook(body, signed)
        acks[ack.status] += 1
        if ack.status == 401:  # only a bad (unsigned) timestamp header may refuse it
            assert "X-FN-Request-Timestamp" in headers, ack.reason
        else:
            assert ack.status in (200, 400), ack
        report = world.svc.process_pending()
        assert_typed(report.errors)
        assert world.at_writes() == writes

    check()
    assert acks[200] >= 5, acks  # parsed and enqueued ...
    assert acks[400] >= 5, acks  # ... and refused bodies both ran
    assert_store_consistent(world, [wo])


def mostly(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` four times in five, else ``odd``."""
    return st.builds(lambda k, g, o: o if k == 0 else g, st.integers(0, 4), good, odd)


def callouts(ticket_ids: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The callout shape (Action, Id, EntityType ...) with odd values."""
    return st.fixed_dictionaries({
        "Action": mostly(st.sampled_from(["Create", "Update", "update"]),
                         st.one_of(st.sampled_from(["Delete", "", "Explode"]), JSON)),
        "Id": mostly(ticket_ids, st.one_of(st.sampled_from(["7", "x", ""]), JSON)),
        "EntityType": mostly(st.sampled_from(["Ticket", "Tickets"]), JSON),
        "Guid": mostly(st.uuids().map(str), JSON)}, optional={"Fields": JSON, "EventTime": JSON,
        "SequenceNumber": mostly(st.integers(), JSON), "PersonID": mostly(st.integers(), JSON)})


def test_generated_autotask_callouts_write_nothing_and_fail_typed(world: InboundRig) -> None:
    ids = st.integers(min_value=-10, max_value=10**12).filter(
        lambda n: world.at_fake.record("Tickets", n) is None)
    acks: Counter[int] = Counter()

    @BOUNDED
    @given(body=bodies(callouts(ids)),
           headers=st.dictionaries(st.sampled_from(["Content-Type", "X-Hook-Id"]),
                                   st.text(max_size=20), max_size=2))
    def check(body: bytes, headers: dict[str, str]) -> None:
        signed = {**headers, "X-Hook-Signature": sign_callout(body, HOOK_KEY)}
        at_writes, fn_writes = world.at_writes(), world.fn_writes()
        ack = world.svc.handle_autotask_webhook(body, signed)
        acks[ack.status] += 1
        assert ack.status in (200, 400), ack
        report = world.svc.process_pending()
        assert_typed(report.errors)
        assert (world.at_writes(), world.fn_writes()) == (at_writes, fn_writes)

    check()
    assert acks[200] >= 5, acks
    assert acks[400] >= 5, acks
    assert world.store.count_entries() >= 3  # imports were really attempted
    assert world.store.list_links() == []


# -- work orders -------------------------------------------------------------------------
def assert_store_consistent(world: InboundRig, work_orders: list[int]) -> None:
    """Every link points at an existing Autotask record, every time entry and note of a linked
    ticket is linked once, and no create intent is left behind."""
    scope = world.svc.scope
    linked: dict[str, set[int]] = {"TimeEntries": set(), "TicketNotes": set()}
    tickets = set()
    for wo in work_orders:
        for link in world.store.links_for_work_order(scope, wo):
            assert world.at_fake.record(link.at_entity, link.at_id) is not None, link
            if link.kind == "wo":
                tickets.add(link.at_id)
            else:
                linked.setdefault(link.at_entity, set()).add(link.at_id)
            intent = scoped_key(scope, "intent", link.kind, link.fn_id)
            assert world.store.get_intent(intent) is None, intent
    for entity in ("TimeEntries", "TicketNotes"):
        made = {r["id"] for r in world.at_fake.records(entity) if r.get("ticketID") in tickets}
        assert made == linked[entity], entity
    with world.store._tx(write=False) as cur:  # nothing is left to adopt
        cur.execute("SELECT key FROM intents")
        assert cur.fetchall() == []


TITLES = st.one_of(st.text(min_size=1, max_size=60), HUGE, st.just("\u0000 null"),
                   st.just("<script>alert(1)</script>"))


def test_generated_work_orders_sync_or_fail_typed_and_leave_the_store_consistent(
        world: InboundRig) -> None:
    synced: list[int] = []

    @BOUNDED
    @given(title=TITLES, description=st.one_of(TEXT, JSON),
           messages=st.lists(st.tuples(TEXT, st.booleans()), max_size=3),
           logs=st.lists(st.integers(min_value=0, max_value=60 * 80), max_size=3))
    def check(title: str, description: Any, messages: list[tuple[str, bool]],
              logs: list[int]) -> None:
        try:
            wo = world.fn_fake.create_work_order(title=title, description={"html": description})
            world.fn_fake.assign(wo)
            for n, minutes in enumerate(logs):
                start = T0 + timedelta(days=n * 4)
                world.fn_fake.log_time(wo, start, start + timedelta(minutes=minutes))
            for text, internal in messages:
                world.fn_fake.post_message(wo, text, internal=internal)
        except Exception:  # the fake refused the input: nothing to sync
            assume(False)
        world.fn_fake.take_deliveries()
        seed = world.at_fake.seed
        ticket = world.ticket(assignedResourceID=seed.tech_resource_id,
                              assignedResourceRoleID=seed.tech_role_id)
        world.svc.link_work_order(wo, ticket, baseline=False)
        synced.append(wo)
        with contextlib.suppress(AutotaskFnError):  # typed: allowed; anything else fails
            world.svc.sync_work_order(wo)
        assert_store_consistent(world, [wo])

    check()
    assert len(synced) >= 10, "too few generated work orders got through the fake"
    assert world.at_fake.records("TimeEntries"), "no generated time log was synced"
    assert world.at_fake.records("TicketNotes"), "no generated message was synced"


def test_garbage_work_order_served_in_place_of_the_real_one_writes_nothing(
        world: InboundRig) -> None:
    wo, _ticket = linked_and_synced(world)
    world.fn_fake.update_work_order(wo, title="Changed, so a sync would write")
    refused: list[str] = []

    @BOUNDED
    @given(body=st.one_of(JSON, st.fixed_dictionaries({"id": st.one_of(st.just(wo), JSON)},
                                                      optional={"title": JSON, "status": JSON,
                                                                "description": JSON,
                                                                "schedule": JSON})))
    def check(body: Any) -> None:
        world.fn_fake.clear_faults()
        world.fn_fake.fail_next(rf"/workorders/{wo}$", method="GET", status=200, body=body)
        writes = world.at_writes()
        try:
            world.svc.sync_work_order(wo)
        except FieldNationError as exc:
            assert world.at_writes() == writes  # refused while reading: nothing written
            refused.append(type(exc).__name__)
        except AutotaskFnError:
            pass
        assert_store_consistent(world, [wo])

    check()
    assert len(refused) >= 10, refused


def test_generated_tickets_import_or_fail_typed_and_leave_no_half_link(
        world: InboundRig) -> None:
    """Odd values in fields of the shape Autotask returns (texts: unicode, huge, nulls;
    picklist values out of range; missing and dangling references; date forms)."""
    seed = world.at_fake.seed

    @BOUNDED
    @given(fields=st.fixed_dictionaries({}, optional={
        "title": st.one_of(TITLES, st.none()), "description": st.one_of(TEXT, st.none()),
        "priority": st.integers(-3, 9), "status": st.integers(-1, 30),
        "companyLocationID": st.one_of(st.just(seed.location_id), st.none(),
                                       st.integers(1, 10**9)),
        "contactID": st.one_of(st.just(seed.contact_id), st.none(), st.integers(1, 10**9)),
        "dueDateTime": st.one_of(st.none(), st.sampled_from([
            "2026-03-05T14:30:00Z", "2026-03-05T14:30:00.1234567Z", "2026-03-05T14:30:00",
            "1900-01-01T00:00:00Z", "9999-12-31T23:59:59.99Z", "2026-03-05T14:30:00.1+02:00",
            "", "soon", "\u0000"]))}))
    def check(fields: dict[str, Any]) -> None:
        ticket = world.at_fake.insert("Tickets", {
            "title": "Odd ticket", "companyID": seed.company_id, "status": 1, "priority": 2,
            "queueID": seed.queue_id, **fields})
        before = world.at_fake.record("Tickets", ticket)
        known = set(world.fn_fake.state.work_orders)
        for _attempt in range(2):  # a retry of a refused import makes nothing twice
            try:
                world.svc.import_ticket(ticket)
            except AutotaskFnError:
                # Refused: Autotask is left as it was ...
                assert world.at_fake.record("Tickets", ticket) == before
        made = set(world.fn_fake.state.work_orders) - known
        link = world.store.find_link_by_autotask(world.svc.scope, "wo", "Tickets", ticket)
        # ... and at most one work order was made, and only with its link (no orphan).
        assert len(made) <= 1
        assert made == ({link.work_order_id} if link else set())

    check()


# Wrong types where Autotask returns an integer or a datetime.
def test_ticket_with_a_non_integer_location_id_is_refused_with_a_typed_error(
        world: InboundRig) -> None:
    seed = world.at_fake.seed
    ticket = world.at_fake.insert("Tickets", {
        "title": "Odd ticket", "companyID": seed.company_id, "status": 1, "priority": 2,
        "queueID": seed.queue_id, "companyLocationID": "\u0000"})
    with pytest.raises(AutotaskFnError, match="companyLocationID") as info:
        world.svc.import_ticket(ticket)
    assert getattr(info.value, "field", None) == "companyLocationID"
    assert world.fn_fake.state.work_orders == {}


def test_ticket_with_an_unreadable_due_date_is_refused_with_a_typed_error(
        world: InboundRig) -> None:
    ticket = world.ticket()
    world.at_fake._set_fields("Tickets", ticket, dueDateTime="next tuesday")
    with pytest.raises(InboundMappingError, match="dueDateTime") as info:
        world.svc.import_ticket(ticket)
    assert info.value.field == "dueDateTime"
    assert world.fn_fake.state.work_orders == {}
