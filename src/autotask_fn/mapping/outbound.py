"""Outbound mapping (Field Nation -> Autotask) as pure methods of a subclassable class.

:class:`OutboundMapper` turns Field Nation models into the JSON-able field dicts written to
Autotask. It performs no I/O: everything it needs that lives in Autotask (resolved picklist
values, field lengths, the resource and role to use) is passed in. Override a method in a
subclass to change one mapping, and hand the instance to ``SyncService(mapper=...)``.

* :meth:`OutboundMapper.snapshot` / :meth:`OutboundMapper.ticket_changes`: ticket fields, diffed
  against the last synced Field Nation snapshot (never against current Autotask values);
* :meth:`OutboundMapper.time_entry_parts`: a closed time log as one or more TimeEntries (split
  at UTC midnight), each with its own marker;
* :meth:`OutboundMapper.notes`: messages and their replies as TicketNotes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from autotask_fn.mapping.markers import Marker
from autotask_fn.mapping.text import fit, html_to_text

if TYPE_CHECKING:
    from autotask_fn.fieldnation.models import Message, TimeLog, WorkOrder
    from autotask_fn.sync.settings import ValidatedSettings

__all__ = [
    "MappedRecord",
    "OutboundMapper",
    "TicketChanges",
    "at_date",
    "at_datetime",
]

_HOURS = Decimal("0.01")


def at_datetime(value: datetime) -> str:
    """A datetime as Autotask takes it: UTC, ``YYYY-MM-DDTHH:MM:SS.000Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def at_date(value: date) -> str:
    """A date-only value as Autotask keeps it: midnight, no zone shift."""
    return f"{value.isoformat()}T00:00:00.000Z"


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@attrs.frozen
class TicketChanges:
    """Ticket fields to PATCH (only changed ones) and the new snapshot to store after."""

    fields: Mapping[str, Any]
    snapshot: Mapping[str, Any]
    skipped: tuple[str, ...] = ()
    """Facts that changed but cannot be written (e.g. an unmapped status code)."""


@attrs.frozen
class MappedRecord:
    """One Autotask record as the mapper wants it: the link id and the fields to write."""

    fn_id: str
    fields: Mapping[str, Any]


class OutboundMapper:
    """Field Nation -> Autotask mapping. Every method is pure; subclass to customise."""

    # ---------------------------------------------------------------- ticket fields
    def snapshot(self, wo: WorkOrder) -> dict[str, Any]:
        """The ticket-relevant facts of a work order, JSON-able (stored in the work order link)."""
        schedule = wo.schedule
        return {
            "title": wo.title or "",
            "description": html_to_text(wo.description_html),
            "status": wo.status.code if wo.status else None,
            "schedule": {
                "start": schedule.start.isoformat() if schedule and schedule.start else None,
                "end": schedule.end.isoformat() if schedule and schedule.end else None,
            },
            "custom_fields": {
                str(cf.name): cf.value for cf in wo.custom_fields if cf.name is not None
            },
        }

    def ticket_changes(self, prev_snapshot: Mapping[str, Any] | None, wo: WorkOrder,
                       settings: ValidatedSettings) -> TicketChanges:
        """The ticket fields whose Field Nation source changed since ``prev_snapshot``.

        ``None`` as ``prev_snapshot`` means "never synced": every configured fact is written.
        Status is written only when the Field Nation status code changed and is mapped.
        """
        prev = prev_snapshot or {}
        new = self.snapshot(wo)
        wanted = settings.settings.ticket_fields
        fields: dict[str, Any] = {}
        skipped: list[str] = []
        first = prev_snapshot is None

        if "title" in wanted and (first or prev.get("title") != new["title"]) and new["title"]:
            fields["title"] = fit(new["title"], settings.length("Tickets", "title"))
        if "description" in wanted and (first or prev.get("description") != new["description"]):
            fields["description"] = fit(new["description"],
                                        settings.length("Tickets", "description"))
        if "status" in wanted and (first or prev.get("status") != new["status"]) and new["status"]:
            # Sub-states that map to the same Autotask status write nothing.
            value = settings.status_values.get(new["status"])
            before = None if first else settings.status_values.get(prev.get("status") or "")
            if value is None:
                skipped.append(f"status: Field Nation status {new['status']!r} is not mapped")
            elif value != before:
                fields["status"] = value
        if "schedule" in wanted and (first or prev.get("schedule") != new["schedule"]):
            due = self.due_date(wo, settings)
            if due is not None:
                fields["dueDateTime"] = due
        if "custom_fields" in wanted:
            udfs = []
            prev_cf = prev.get("custom_fields") or {}
            for fn_name, udf in settings.settings.custom_field_map.items():
                value = new["custom_fields"].get(fn_name)
                if fn_name in new["custom_fields"] and (first or prev_cf.get(fn_name) != value):
                    udfs.append({"name": udf, "value": value})
            if udfs:
                fields["userDefinedFields"] = udfs
        return TicketChanges(fields=fields, snapshot=new, skipped=tuple(skipped))

    def due_date(self, wo: WorkOrder, settings: ValidatedSettings) -> str | None:
        """``dueDateTime`` from the service window (its end or start per settings)."""
        schedule = wo.schedule
        if schedule is None:
            return None
        first, second = ((schedule.end, schedule.start) if settings.settings.due_date_from == "end"
                         else (schedule.start, schedule.end))
        chosen = first or second
        return at_datetime(chosen) if chosen else None

    # ---------------------------------------------------------------- time entries
    def is_closed(self, log: TimeLog) -> bool:
        """Only closed logs (checked out, with an end after the start) become time entries."""
        if log.id is None or log.start is None or log.end is None or log.end <= log.start:
            return False
        return (log.status or "checked_out") != "checked_in"

    def split(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Cut ``[start, end)`` at every UTC midnight (so no part spans midnight or 24 h)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        parts = []
        cursor = start
        while cursor < end:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time(),
                                        tzinfo=UTC)
            stop = min(end, midnight)
            parts.append((cursor, stop))
            cursor = stop
        return parts

    def hours(self, start: datetime, end: datetime) -> Decimal:
        """Hours between two datetimes, rounded to 2 decimals (half up)."""
        seconds = Decimal(int((end - start).total_seconds()))
        return (seconds / Decimal(3600)).quantize(_HOURS, rounding=ROUND_HALF_UP)

    def time_entry_summary(self, log: TimeLog, wo: WorkOrder, part: int,
                           settings: ValidatedSettings) -> str:
        """The ``summaryNotes`` text (required by Autotask)."""
        provider = log.logged_by.display_name if log.logged_by else "provider"
        return settings.settings.time_entry_summary.format(
            work_order_id=wo.id, title=wo.title or "", provider=provider, time_log_id=log.id,
            part=part)

    def time_entry_parts(self, log: TimeLog, wo: WorkOrder, *, env: str, ticket_id: int,
                         resource_id: int, role_id: int | None,
                         settings: ValidatedSettings) -> list[MappedRecord]:
        """A closed time log as TimeEntry records, one per part (ids ``<log id>#<n>``).

        ``dateWorked`` is the part's start in the work order's local time zone (the log's zone,
        else the schedule's). Start and end times are sent when they fall on that date in UTC
        (Autotask's rule); otherwise only the date and the hours. Parts shorter than 0.01 h
        are dropped (Autotask refuses 0 hours).
        """
        if not self.is_closed(log) or log.start is None or log.end is None:
            return []
        local = _zone(log.time_zone or (wo.schedule.time_zone if wo.schedule else None))
        marker_field = settings.settings.time_entry_marker_field
        out: list[MappedRecord] = []
        for n, (start, end) in enumerate(self.split(log.start, log.end)):
            hours = self.hours(start, end)
            if hours <= 0:
                continue
            fn_id = f"{log.id}#{n}"
            marker = Marker(env, "timelog", fn_id).text
            summary = self.time_entry_summary(log, wo, n, settings)
            worked = start.astimezone(local).date()
            fields: dict[str, Any] = {
                "ticketID": ticket_id,
                "resourceID": resource_id,
                "dateWorked": at_date(worked),
            }
            if worked == start.date():
                # Autotask wants start and end on dateWorked (UTC) and refuses an entry
                # ending at 00:00 of the next day: a part cut at midnight ends at 23:59:59.
                shown_end = end - timedelta(seconds=1) if end.date() != start.date() else end
                fields["startDateTime"] = at_datetime(start)
                fields["endDateTime"] = at_datetime(shown_end)
            # else: the local date differs from the UTC date of the start; the times would
            # contradict dateWorked, so only the date and the hours are sent.
            fields["hoursWorked"] = float(hours)
            if role_id is not None:
                fields["roleID"] = role_id
            if settings.settings.time_billing_code_id is not None:
                fields["billingCodeID"] = settings.settings.time_billing_code_id
            if marker_field == "summaryNotes":
                fields["summaryNotes"] = fit(summary, settings.length("TimeEntries",
                                                                      "summaryNotes"), marker)
            else:
                fields["summaryNotes"] = fit(summary, settings.length("TimeEntries",
                                                                      "summaryNotes"))
                fields[marker_field] = fit("", settings.length("TimeEntries", marker_field),
                                           marker)
            out.append(MappedRecord(fn_id, fields))
        return out

    # ---------------------------------------------------------------- notes
    def iter_messages(self, messages: list[Message]) -> Iterator[tuple[str, Message]]:
        """Every message and reply with its link id (replies: ``<message id>/<reply id>``)."""
        for message in messages:
            if message.msg_id is None:
                continue
            yield str(message.msg_id), message
            for n, reply in enumerate(message.replies):
                yield f"{message.msg_id}/{reply.msg_id or n}", reply

    def note_title(self, message: Message) -> str:
        """The note title text (before the marker): author and the first line."""
        author = message.author.display_name if message.author else "Field Nation"
        first = html_to_text(message.text).split("\n", 1)[0]
        return f"{author}: {first}" if first else author

    def note(self, fn_id: str, message: Message, *, env: str, ticket_id: int,
             settings: ValidatedSettings, internal: bool | None = None) -> MappedRecord:
        """One message (or reply) as a TicketNote; the marker leads the title.

        ``internal`` overrides the message's own flag (a reply to an internal message stays
        internal).
        """
        marker = Marker(env, "note", fn_id).text
        text = html_to_text(message.text) or "(empty message)"
        is_internal = message.internal if internal is None else internal
        fields = {
            "ticketID": ticket_id,
            "title": fit(self.note_title(message), settings.length("TicketNotes", "title"),
                         marker, marker_at="start"),
            "description": fit(text, settings.length("TicketNotes", "description")),
            "noteType": settings.note_type,
            "publish": settings.note_publish_internal if is_internal else settings.note_publish,
        }
        return MappedRecord(fn_id, fields)

    def is_internal(self, message: Message, *, public: frozenset[str] = frozenset(),
                    parent_internal: bool | None = None) -> bool:
        """Whether a message (or a reply) must stay internal: an allow-list.

        A message is public only when its audience is documented as reaching providers
        (``Message.internal`` is False) or is one of ``public`` (the host's widening,
        ``ConnectorSettings.message_public_audiences``). A reply is internal under an internal
        parent; under a public one it is public when its own audience is public or follows
        the thread (REPLY, REPLYTOTHREAD). A missing or unknown audience is internal.
        """
        from autotask_fn.fieldnation.wire import THREAD_MESSAGE_AUDIENCES

        if parent_internal:
            return True
        if not message.internal or message.audience in public:
            return False
        return not (parent_internal is False and message.audience in THREAD_MESSAGE_AUDIENCES)

    def notes(self, messages: list[Message], *, env: str, ticket_id: int,
              settings: ValidatedSettings) -> list[MappedRecord]:
        """Every message and reply as TicketNotes (see :meth:`is_internal`)."""
        out = []
        public = frozenset(settings.settings.message_public_audiences)
        parents = {str(m.msg_id): self.is_internal(m, public=public)
                   for m in messages if m.msg_id is not None}
        for fn_id, message in self.iter_messages(messages):
            top, _, reply = fn_id.partition("/")
            internal = (parents[top] if not reply else
                        self.is_internal(message, public=public, parent_internal=parents[top]))
            out.append(self.note(fn_id, message, env=env, ticket_id=ticket_id, settings=settings,
                                 internal=internal))
        return out
