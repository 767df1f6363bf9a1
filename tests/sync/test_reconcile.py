"""The reconcile core on its own: value comparison, hashes, and a new kind plugged in
without touching the core (how the follow-up flows are added)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from world import World

from autotask_fn.mapping.markers import Marker
from autotask_fn.mapping.outbound import MappedRecord
from autotask_fn.sync import Action, RecordReconciler, WorkOrderContext
from autotask_fn.sync.reconcile import content_hash, same_value
from autotask_fn.sync.reconcilers import default_reconcilers


def test_same_value_normalises_dates_numbers_and_blanks() -> None:
    assert same_value("2026-01-05T00:00:00.000Z", "2026-01-05T00:00:00.00Z")
    assert same_value(1.5, "1.5")
    assert same_value("", None)
    assert not same_value("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert not same_value(1.5, 1.25)


def test_same_value_compares_decimal_money_with_the_float_autotask_returns() -> None:
    from decimal import Decimal

    assert same_value(Decimal("12.10"), 12.1)
    assert same_value(Decimal("0.10"), "0.1")
    assert not same_value(Decimal("12.10"), 12.11)


def test_same_value_compares_datetimes_as_instants() -> None:
    assert same_value("2026-01-05T09:00:00+02:00", "2026-01-05T07:00:00.00Z")
    assert not same_value("2026-01-05T09:00:00+02:00", "2026-01-05T09:00:00Z")


def test_content_hash_ignores_key_order_and_sees_values() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


class SignatureNotes(RecordReconciler):
    """A new kind: each captured signature becomes a ticket note."""

    name = kind = "signote"
    at_entity = "TicketNotes"

    def marker_field(self, ctx: WorkOrderContext) -> str:
        return "title"

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        return [[s.id, s.name] for s in ctx.work_order.signatures]

    def desired(self, ctx: WorkOrderContext) -> Sequence[MappedRecord]:
        return [
            MappedRecord(str(s.id), {
                "ticketID": ctx.ticket_id,
                "title": f"{Marker(ctx.env, self.kind, str(s.id))} Signed by {s.name}",
                "description": f"Signature captured by {s.name}",
                "noteType": ctx.settings.note_type, "publish": ctx.settings.note_publish})
            for s in ctx.work_order.signatures if s.id is not None
        ]


def test_a_new_kind_plugs_in_with_markers_links_and_one_call_per_change() -> None:
    world = World()
    svc = world.service("plugged")
    svc.reconcilers.append(SignatureNotes())
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "warm-up")
    svc.sync_work_order(wo)
    world.fn_fake.capture_signature(wo, "Sam Manager")
    world.at_fake.reset_requests()
    report = svc.sync_work_order(wo)
    assert [c.action for c in report.changes if c.kind == "signote"] == [Action.CREATED]
    # first touch of the kind: one scan, one create
    assert world.at_fake.count_requests(path="TicketNotes|/Notes") == 2
    titles = sorted(n["title"] for n in world.records("TicketNotes", ticket))
    assert titles[-1].endswith("Signed by Sam Manager")
    assert len(world.store.links_for_work_order(svc.scope, wo, "signote")) == 1
    world.at_fake.reset_requests()
    assert svc.sync_work_order(wo, force=True).writes == 0
    assert world.at_fake.count_requests() == 0
    assert not any(isinstance(r, SignatureNotes) for r in default_reconcilers())
