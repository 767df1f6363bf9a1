"""The public test rig (``autotask_fn.testing.rig``): what it wires, what it fills in, its
clock, and that it stays importable without pytest."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

from autotask_fn.store import SqliteStore
from autotask_fn.sync import ConnectorSettings
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.rig import CALLOUT_KEY, WEBHOOK_SECRET, SyncRig


def test_two_lines_give_a_validated_service_over_both_fakes() -> None:
    rig = SyncRig()
    wo_id, ticket_id = rig.linked_work_order(title="Rig")
    rig.fn_fake.post_message(wo_id, "On site")
    rig.deliver_and_process()
    notes = [n for n in rig.at_fake.records("TicketNotes") if n["ticketID"] == ticket_id]
    assert len(notes) == 1
    assert rig.svc.settings is rig.validated.settings


def test_settings_without_secrets_accept_the_rigs_webhook() -> None:
    rig = SyncRig(ConnectorSettings(max_attempts=2))
    assert rig.settings.webhook_secrets == (WEBHOOK_SECRET,)
    assert rig.settings.max_attempts == 2
    wo_id, _ = rig.linked_work_order()
    rig.fn_fake.post_message(wo_id, "On site")
    assert rig.deliver_all() == [200]


def test_secrets_given_are_kept() -> None:
    rig = SyncRig(ConnectorSettings(webhook_secrets=("a-secret-of-the-host",)))
    assert rig.settings.webhook_secrets == ("a-secret-of-the-host",)
    wo_id, _ = rig.linked_work_order()
    rig.fn_fake.post_message(wo_id, "On site")
    assert rig.deliver_all() == [401]  # signed with the rig's secret, which is not accepted


def test_the_provider_is_mapped_to_the_technician_unless_resources_are_configured() -> None:
    rig = SyncRig()
    assert rig.settings.resource_map == {
        str(rig.fn_fake.seed.provider_id): rig.at_fake.seed.tech_resource_id}
    by_default = SyncRig(ConnectorSettings(default_resource_id=rig.at_fake.seed.tech_resource_id))
    assert not by_default.settings.resource_map  # the host's choice stays


def test_inbound_is_off_unless_asked_and_then_gets_the_key_and_the_api_user() -> None:
    assert SyncRig().settings.inbound == InboundSettings()
    rig = SyncRig(inbound=InboundSettings(import_attachments=True))
    assert rig.settings.inbound.webhook_secrets == (CALLOUT_KEY,)
    assert rig.settings.inbound.api_resource_id == rig.at_fake.api_resource_id
    assert rig.settings.inbound.import_attachments
    own = SyncRig(inbound=InboundSettings(webhook_secrets=("own-key",), api_resource_id=7))
    assert (own.settings.inbound.webhook_secrets, own.settings.inbound.api_resource_id) == (
        ("own-key",), 7)


def test_advance_moves_the_service_clock_only() -> None:
    rig = SyncRig()
    fake_before, svc_before = rig.fn_fake.clock.timestamp(), rig.svc.clock()
    rig.advance(600)
    assert rig.fn_fake.clock.timestamp() == fake_before
    assert rig.svc.clock() == svc_before + 600


def test_another_worker_can_run_on_another_store() -> None:
    rig = SyncRig()
    other = SqliteStore()
    worker = rig.service("worker-2", store=other)
    assert (worker.store, worker.worker_id) == (other, "worker-2")
    assert rig.service().store is rig.store


def test_dispatch_tickets_carry_what_an_import_needs() -> None:
    rig = SyncRig(inbound=InboundSettings())
    ticket_id = rig.dispatch_ticket(title="Install shelving")
    ticket = rig.at_fake.record("Tickets", ticket_id)
    assert ticket is not None
    assert ticket["companyLocationID"] == rig.at_fake.seed.location_id
    assert rig.svc.import_ticket(ticket_id).created


def test_the_rig_is_exported_lazily_and_imports_no_pytest() -> None:
    code = ("import sys, autotask_fn.testing as t; assert 'autotask_fn.sync' not in sys.modules; "
            "from autotask_fn.testing.rig import SyncRig; assert t.SyncRig is SyncRig; "
            "assert 'pytest' not in sys.modules, 'pytest imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_no_public_member_is_typed_any() -> None:
    for name, member in inspect.getmembers(SyncRig):
        if name.startswith("_") and name != "__init__":
            continue
        if callable(member):
            hints = typing.get_type_hints(member)
            assert "Any" not in repr(hints), (name, hints)
    assert "Any" not in repr(typing.get_type_hints(SyncRig))
