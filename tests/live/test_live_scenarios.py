"""End-to-end scenarios on live tenants (or the served fakes): ``python -m pytest -m live``.

Run in order within the module: import, work flowing back, a no-op re-import, a duplicated
delivery. Every record carries the run's marker; the module's fixture cleans up. With
``AUTOTASK_FN_LIVE_CASSETTES=DIR`` the run is recorded (see livekit.py).
"""

from __future__ import annotations

import os

import pytest
import scenarios
from livekit import Live

pytestmark = pytest.mark.live


def test_a_ticket_is_imported_into_a_work_order(live: Live) -> None:
    outcome = scenarios.import_ticket(live)
    live.outcome["import"] = outcome
    assert outcome["title_has_marker"]


def test_time_notes_an_expense_a_file_and_a_signature_flow_back(live: Live) -> None:
    provider = os.environ.get("AUTOTASK_FN_LIVE_PROVIDER_ID")
    if not provider:
        pytest.skip("set AUTOTASK_FN_LIVE_PROVIDER_ID (a test provider of the Field Nation "
                    "sandbox) so the work order can be assigned and worked")
    live.state["provider"] = int(provider)
    found = scenarios.flow_back(live, int(provider))
    live.outcome["flow_back"] = found
    assert found["TimeEntries"] >= 1
    assert found["TicketNotes"] >= 1
    assert found["TicketAttachments"] >= 2  # the file and the signature
    assert found["ExpenseItems"] >= 1


def test_a_re_import_and_a_re_sync_change_nothing(live: Live) -> None:
    outcome = scenarios.re_import(live)
    live.outcome["re_import"] = outcome
    assert outcome == {"same_work_order": True, "unchanged": True}


def test_a_duplicated_delivery_is_applied_once(live: Live) -> None:
    if not live.service.settings.webhook_secrets:
        pytest.skip("no [settings] webhook_secrets: a delivery cannot be signed")
    outcome = scenarios.duplicate_delivery(live)
    live.outcome["duplicate"] = outcome
    live.outcome["links"] = scenarios.links(live)
    assert outcome == {"first": [200, False], "again": [200, True], "processed": 1,
                       "unchanged": True}
