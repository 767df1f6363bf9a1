"""Public names that go keep working for one release and warn (see CHANGELOG.md)."""

from __future__ import annotations

import pytest

from autotask_fn.sync import Action, Change, SyncReport
from autotask_fn.sync.inbound_settings import InboundField, InboundSettings


def test_sync_report_by_action_warns_and_still_filters() -> None:
    deleted = Change("timelog", "1#0", Action.DELETED, "TimeEntries", 5)
    report = SyncReport(1, 2, changes=(Change("note", "9", Action.CREATED, "TicketNotes", 7),
                                        deleted))
    with pytest.warns(DeprecationWarning, match="SyncReport.changes"):
        assert report.by_action(Action.DELETED) == [deleted]


def test_inbound_settings_field_for_udf_warns_and_still_finds_the_field() -> None:
    field = InboundField(udf="Site code", custom_field_id=12)
    settings = InboundSettings(field_map=(field,))
    with pytest.warns(DeprecationWarning, match="field_map"):
        assert settings.field_for_udf("Site code") == field
    with pytest.warns(DeprecationWarning, match="field_for_udf"):
        assert settings.field_for_udf("Other") is None
