"""``probe --write``: write probe records on sandbox tenants, read them back, clean up.

The guard (:func:`write_options`) refuses unless the configuration marks both services
``sandbox = true`` and records the Autotask tenant id (``tenant_id``, the zone's ``ci``) that
zone discovery confirms, or ``--allow-production`` is given and the tenant id is typed back.

:func:`run_writes` creates a ticket marked as a probe and on it a note, a time entry (create,
update, delete), an expense report with an item, a charge, an embedded attachment at the
configured size limit and a URL attachment; on the Field Nation work order the user names it
posts an INTERNAL and a provider-facing message and reads back their audience fields. It then
deletes what the API lets it delete, closes or marks the rest, and lists every record that
stays with its id.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tomllib
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from autotask_fn.autotask.errors import AutotaskError
from autotask_fn.errors import ConfigurationError
from autotask_fn.fieldnation.errors import FieldNationError
from autotask_fn.probe.context import PROBE_MARKER, NotChecked, ProbeContext
from autotask_fn.probe.report import Outcome, RowResult, StaysRecord

__all__ = ["WriteOptions", "run_writes", "write_options"]

_DEFAULT_EMBED_LIMIT = 4 * 1024 * 1024


@attrs.frozen
class WriteOptions:
    """What ``--write`` needs beyond the clients.

    ``marker`` is unique per run and written into every record; ``attachment_bytes`` is the
    size of the embedded attachment (the configured ``embed_limit``); ``resource_id`` and
    ``role_id`` are used for the time entry and the expense report (``[settings]``
    ``default_resource_id`` and ``role_id``).
    """

    marker: str = attrs.field(factory=lambda: f"{PROBE_MARKER} {uuid.uuid4().hex[:12]}")
    attachment_bytes: int = _DEFAULT_EMBED_LIMIT
    resource_id: int | None = None
    role_id: int | None = None


def _raw_config(config: Any) -> dict[str, Any]:
    path = getattr(config, "source", None)
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _flag(raw: Mapping[str, Any], table: str, env: str, environ: Mapping[str, str]) -> bool:
    value: Any = environ.get(env)
    if value is None:
        section = raw.get(table)
        value = section.get("sandbox") if isinstance(section, Mapping) else None
    return str(value).strip().lower() in ("true", "1", "yes")


def _recorded_tenant(config: Any, raw: Mapping[str, Any], environ: Mapping[str, str]
                     ) -> int | None:
    value: Any = getattr(config.autotask, "tenant_id", None)
    if value is None:
        value = environ.get("AUTOTASK_FN_AT_TENANT_ID")
    if value is None:
        section = raw.get("autotask")
        value = section.get("tenant_id") if isinstance(section, Mapping) else None
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"[autotask] tenant_id must be a whole number, not {value!r}"
                                 ) from None


def write_options(config: Any, autotask: Any, *, allow_production: bool = False,
                  ask: Callable[[str], str] | None = None,
                  environ: Mapping[str, str] | None = None) -> WriteOptions:
    """Check that ``--write`` may run on these tenants and build its options.

    Raises :class:`~autotask_fn.errors.ConfigurationError` (exit 2) unless both services are
    marked ``sandbox = true`` (``AUTOTASK_FN_AT_SANDBOX``, ``AUTOTASK_FN_FN_SANDBOX``) and the
    recorded ``tenant_id`` equals the zone's ``ci``; with ``allow_production`` the tenant id
    must be typed back through ``ask`` instead. ``environ`` defaults to ``os.environ``.
    """
    env = os.environ if environ is None else environ
    raw = _raw_config(config)
    ci = int(autotask.zone.ci)
    recorded = _recorded_tenant(config, raw, env)
    sandbox = _flag(raw, "autotask", "AUTOTASK_FN_AT_SANDBOX", env) and _flag(
        raw, "fieldnation", "AUTOTASK_FN_FN_SANDBOX", env)
    if allow_production:
        typed = (ask or input)(f"--write on tenant {ci} (not checked as a sandbox): type the "
                               "tenant id to go on: ")
        if typed.strip() != str(ci):
            raise ConfigurationError("the typed tenant id does not match: nothing written")
    elif not sandbox:
        raise ConfigurationError(
            "--write runs only on sandboxes: set sandbox = true in [autotask] and "
            "[fieldnation] (or pass --allow-production)")
    elif recorded != ci:
        raise ConfigurationError(
            f"--write: zone discovery says tenant {ci}, the configuration records "
            f"{recorded if recorded is not None else 'no tenant_id'}; set [autotask] "
            f"tenant_id = {ci} if this is your sandbox")
    settings = config.settings if isinstance(config.settings, Mapping) else {}
    attachments = settings.get("attachments")
    limit = attachments.get("embed_limit") if isinstance(attachments, Mapping) else None
    return WriteOptions(attachment_bytes=int(limit or _DEFAULT_EMBED_LIMIT),
                        resource_id=_int(settings.get("default_resource_id")),
                        role_id=_int(settings.get("role_id")))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class _Writer:
    """The write run's state: results, created records, what must be cleaned up."""

    def __init__(self, context: ProbeContext, options: WriteOptions) -> None:
        self.p = context
        self.at = context.autotask
        self.o = options
        self.results: list[RowResult] = []
        self.created: list[tuple[str, str, int | str]] = []
        self.stays: list[StaysRecord] = []

    def record(self, name: str, ok: bool, expected: str, observed: str) -> None:
        self.results.append(RowResult(f"WRITE-{name}", Outcome.OK if ok else Outcome.DIFFERS,
                                      expected, self.p.redact(observed)))

    def skip(self, name: str, why: str) -> None:
        self.results.append(RowResult(f"WRITE-{name}", Outcome.NOT_CHECKED, why=why))

    def step(self, name: str, expected: str, action: Callable[[], tuple[bool, str]]) -> None:
        try:
            ok, observed = action()
        except NotChecked as exc:
            self.skip(name, exc.why)
            return
        except (AutotaskError, FieldNationError) as exc:
            ok, observed = False, f"refused: {type(exc).__name__}: {exc}"
        self.record(name, ok, expected, observed)

    # -- Autotask -------------------------------------------------------------------------
    def first_value(self, entity: str, field: str, prefer: str | None = None) -> int:
        values = self.p.at_picklist(entity, field)
        if not values:
            raise NotChecked(f"{entity}.{field} has no active value")
        if prefer is not None:
            for label, value in values.items():
                if prefer.lower() in label.lower():
                    return int(value)
        return int(next(iter(values.values())))

    def ticket(self) -> int:
        company = 0 if self.at.get("Companies", 0) else int(next(self.at.query(
            "Companies", None, include_fields=["id"], max_records=1))["id"])
        fields: dict[str, Any] = {
            "title": f"[{self.o.marker}] safe to delete", "companyID": company,
            "description": f"Written by {PROBE_MARKER}; the probe closes it when done.",
            "status": self.first_value("Tickets", "status", "new"),
            "priority": self.first_value("Tickets", "priority"),
        }
        if self.o.resource_id is not None and self.o.role_id is not None:
            fields.update(assignedResourceID=self.o.resource_id,
                          assignedResourceRoleID=self.o.role_id)
        with contextlib.suppress(NotChecked):
            fields["queueID"] = self.first_value("Tickets", "queueID")
        ticket_id = self.at.create("Tickets", fields)
        back = self.at.get("Tickets", ticket_id) or {}
        echoed = back.get("title") == fields["title"]
        self.record("AT-TICKET", echoed, "created and read back with its title",
                    f"ticket {ticket_id}, title {'echoed' if echoed else 'changed'}")
        self.created.append(("autotask", "Tickets", ticket_id))
        return ticket_id

    def note(self, ticket_id: int) -> tuple[bool, str]:
        fields = {"ticketID": ticket_id, "title": f"[{self.o.marker}] note",
                  "description": "probe note",
                  "noteType": self.first_value("TicketNotes", "noteType"),
                  "publish": self.first_value("TicketNotes", "publish", "internal")}
        note_id = self.at.create("TicketNotes", fields)
        back = self.at.get("TicketNotes", note_id) or {}
        self.created.append(("autotask", "TicketNotes", note_id))
        same = back.get("description") == fields["description"]
        return same, f"note {note_id}, description {'echoed' if same else 'changed'}"

    def time_entry(self, ticket_id: int) -> tuple[bool, str]:
        if self.o.resource_id is None or self.o.role_id is None:
            raise NotChecked("set [settings] default_resource_id and role_id to write time")
        day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        fields = {"ticketID": ticket_id, "resourceID": self.o.resource_id,
                  "roleID": self.o.role_id, "dateWorked": day.strftime("%Y-%m-%dT00:00:00Z"),
                  "startDateTime": day.isoformat().replace("+00:00", "Z"),
                  "endDateTime": (day + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
                  "hoursWorked": 1, "summaryNotes": f"[{self.o.marker}] time"}
        entry = self.at.create("TimeEntries", fields)
        self.at.update("TimeEntries", {"id": entry, "summaryNotes": f"[{self.o.marker}] edited"})
        back = self.at.get("TimeEntries", entry) or {}
        self.at.delete("TimeEntries", entry)
        gone = self.at.get("TimeEntries", entry) is None
        edited = str(back.get("summaryNotes", "")).endswith("edited")
        if not gone:
            self.created.append(("autotask", "TimeEntries", entry))
        return edited and gone, (f"time entry {entry}: update {'read back' if edited else 'lost'}"
                                 f", delete {'done' if gone else 'not done'}")

    def expense(self, ticket_id: int) -> tuple[bool, str]:
        if self.o.resource_id is None:
            raise NotChecked("set [settings] default_resource_id to write an expense report")
        today = date.today()
        week_ending = today + timedelta(days=(5 - today.weekday()) % 7)
        report = self.at.create("ExpenseReports", {
            "name": f"[{self.o.marker}] report", "submitterID": self.o.resource_id,
            "weekEnding": week_ending.isoformat() + "T00:00:00Z"})
        self.created.append(("autotask", "ExpenseReports", report))
        item = self.at.create("ExpenseItems", {
            "expenseReportID": report, "description": f"[{self.o.marker}] item",
            "expenseDate": today.isoformat() + "T00:00:00Z",
            "expenseCategory": self.first_value("ExpenseItems", "expenseCategory"),
            "expenseCurrencyExpenseAmount": 1.0, "ticketID": ticket_id,
            "isBillableToCompany": False, "isReimbursable": False, "haveReceipt": False})
        self.created.append(("autotask", "ExpenseItems", item))
        back = self.at.get("ExpenseItems", item) or {}
        status = (self.at.get("ExpenseReports", report) or {}).get("status")
        return back.get("expenseReportID") == report, (
            f"report {report} (status {status}), item {item} read back")

    def charge(self, ticket_id: int) -> tuple[bool, str]:
        codes = self.at.query("BillingCodes", None, include_fields=["id", "useType"])
        material = self.first_value("BillingCodes", "useType", "material")
        code = next((c["id"] for c in codes if str(c.get("useType")) == str(material)), None)
        if code is None:
            raise NotChecked("no billing code of the material type")
        charge = self.at.create("TicketCharges", {
            "ticketID": ticket_id, "name": f"[{self.o.marker}] charge",
            "chargeType": self.first_value("TicketCharges", "chargeType"),
            "billingCodeID": code, "unitQuantity": 1, "unitPrice": 0,
            "datePurchased": date.today().isoformat() + "T00:00:00Z",
            "isBillableToCompany": False})
        self.created.append(("autotask", "TicketCharges", charge))
        back = self.at.get("TicketCharges", charge) or {}
        return back.get("billingCodeID") == code, f"charge {charge} with billing code {code}"

    def attachments(self, ticket_id: int) -> tuple[bool, str]:
        publish = self.first_value("TicketAttachments", "publish", "internal")
        data = base64.b64encode(b"\0" * self.o.attachment_bytes).decode()
        embedded = self.at.create("TicketAttachments", {
            "parentID": ticket_id, "title": f"[{self.o.marker}] file", "publish": publish,
            "attachmentType": "FILE_ATTACHMENT", "fullPath": "autotask-fn-probe.bin",
            "data": data})
        self.created.append(("autotask", "TicketAttachments", embedded))
        link = self.at.create("TicketAttachments", {
            "parentID": ticket_id, "title": f"[{self.o.marker}] link", "publish": publish,
            "attachmentType": "URL", "fullPath": "https://example.com/autotask-fn-probe"})
        self.created.append(("autotask", "TicketAttachments", link))
        back = self.at.get("TicketAttachments", embedded) or {}
        size = len(base64.b64decode(back.get("data") or ""))
        return size == self.o.attachment_bytes, (
            f"embedded {embedded} ({size} of {self.o.attachment_bytes} bytes read back), "
            f"URL {link}")

    def refused(self, ticket_id: int) -> tuple[bool, str]:
        """A write the API must refuse (a charge of quantity 0): its error text, recorded."""
        code = self.first_value("TicketCharges", "chargeType")
        try:
            charge = self.at.create("TicketCharges", {
                "ticketID": ticket_id, "name": f"[{self.o.marker}] refused",
                "chargeType": code, "unitQuantity": 0, "unitPrice": 0,
                "datePurchased": date.today().isoformat() + "T00:00:00Z",
                "isBillableToCompany": False})
        except AutotaskError as exc:
            return True, f"refused: {type(exc).__name__}: {exc}"
        self.created.append(("autotask", "TicketCharges", charge))
        return False, f"accepted: charge {charge} with quantity 0"

    # -- Field Nation ---------------------------------------------------------------------
    def messages(self) -> tuple[bool, str]:
        fn = self.p.require_fieldnation()
        if self.p.work_order_id is None:
            raise NotChecked("name the work order to post on with --work-order")
        wo = self.p.work_order()["id"]
        texts = {"INTERNAL": f"[{self.o.marker}] internal", "ASSIGNEDTECH":
                 f"[{self.o.marker}] to the assigned provider"}
        for kind, text in texts.items():
            fn.post_message(wo, text, type=kind)
        answer = self.p.fn("GET", f"/workorders/{wo}/messages", params={"per_page": 100})
        rows = answer.body.get("results", []) if isinstance(answer.body, Mapping) else []
        seen: dict[str, dict[str, Any]] = {}
        for row in rows:
            for kind, text in texts.items():
                if isinstance(row, Mapping) and row.get("message") == text:
                    seen[kind] = {k: row.get(k) for k in ("type", "role", "internal")
                                  if k in row}
                    self.stays.append(StaysRecord("fieldnation", f"work order {wo} message",
                                                  row.get("msg_id") or row.get("id") or "?",
                                                  "messages cannot be deleted"))
        ok = all(kind in {str(v).upper() for v in seen.get(kind, {}).values()}
                 for kind in texts)
        return ok, f"audience fields read back: {seen}"

    # -- clean-up ---------------------------------------------------------------------------
    def clean_up(self, ticket_id: int | None) -> None:
        for service, entity, rid in reversed(self.created):
            if entity in ("Tickets", "TicketNotes", "ExpenseReports", "ExpenseItems"):
                continue
            try:
                self.at.delete(entity, int(rid), parent_id=ticket_id
                               if entity in ("TicketAttachments", "TicketCharges") else None)
            except (AutotaskError, ValueError) as exc:
                self.stays.append(StaysRecord(service, entity, rid,
                                              f"delete refused: {self.p.redact(str(exc))}"))
        for service, entity, rid in self.created:
            if entity == "TicketNotes":
                self.stays.append(StaysRecord(service, entity, rid,
                                              "notes cannot be deleted; on the closed ticket"))
            elif entity in ("ExpenseReports", "ExpenseItems"):
                self.stays.append(StaysRecord(service, entity, rid,
                                              "expense reports cannot be deleted through the "
                                              "API; named with the probe marker"))
        if ticket_id is not None:
            state = "tickets cannot be deleted; closed and marked with the probe marker"
            try:
                self.at.update("Tickets", {
                    "id": ticket_id, "status": self.first_value("Tickets", "status", "complete")})
            except (AutotaskError, NotChecked) as exc:
                state = f"could not be closed ({self.p.redact(str(exc))}); marked"
            self.stays.append(StaysRecord("autotask", "Tickets", ticket_id, state))


def run_writes(context: ProbeContext, options: WriteOptions
               ) -> tuple[list[RowResult], list[StaysRecord]]:
    """Write, read back and clean up; returns the write checks and the records that stay."""
    w = _Writer(context, options)
    ticket_id: int | None = None
    try:
        ticket_id = w.ticket()
    except (AutotaskError, NotChecked) as exc:
        w.record("AT-TICKET", False, "created", f"refused: {exc}")
    if ticket_id is not None:
        tid = ticket_id
        w.step("AT-NOTE", "created and read back", lambda: w.note(tid))
        w.step("AT-TIME-ENTRY", "created, updated, read back and deleted",
               lambda: w.time_entry(tid))
        w.step("AT-EXPENSE", "a report and an item on it, read back", lambda: w.expense(tid))
        w.step("AT-CHARGE", "created with a material billing code", lambda: w.charge(tid))
        w.step("AT-ATTACHMENTS", f"an embedded file of {options.attachment_bytes} bytes and "
               "a URL, read back", lambda: w.attachments(tid))
        w.step("AT-REFUSED-WRITE", "a charge of quantity 0 refused, with its text",
               lambda: w.refused(tid))
    w.step("FN-MESSAGES", "INTERNAL and ASSIGNEDTECH read back with their audience",
           w.messages)
    w.clean_up(ticket_id)
    return w.results, w.stays
