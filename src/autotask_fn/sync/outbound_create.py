"""Outbound create: the Autotask record of a work order that has none.

:class:`OutboundCreateLinker` is a :class:`~autotask_fn.sync.service.WorkOrderLinker`. When
``ConnectorSettings.create.enabled`` is on, a work order without a link gets

* ``Ticket``: a ticket with every field the tenant requires (company found or created from the
  work order's company and location when settings allow, queue, status, priority, due date
  from the schedule, assigned resource and role so that time entries can use the role);
* ``ServiceCall``: the same ticket, a service call, and their ``ServiceCallTickets`` link;
  child records (time, notes, expenses, files) go to the ticket;
* ``Project``: the same ticket in the configured project (``projectID``); child records go to
  that ticket, since time cannot attach to a project itself.

The ticket's ``externalID`` carries the marker ``[FN:<env>:wo:<id>]``; before any create (so
also after an ambiguous failure) one query for that marker adopts a ticket made earlier, and a
service call is found again through the ticket (or the marker in its description). Missing
required settings fail in ``ConnectorSettings.validate`` (see
:class:`~autotask_fn.sync.outbound_settings.OutboundCreateSettings`), never silently here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from autotask_fn.autotask.errors import AutotaskValidationError
from autotask_fn.autotask.query import contains, eq, parent_is
from autotask_fn.mapping.markers import Marker
from autotask_fn.mapping.outbound import at_datetime
from autotask_fn.mapping.text import fit, html_to_text
from autotask_fn.store.base import Link
from autotask_fn.sync.errors import SyncInputError
from autotask_fn.sync.outbound_settings import OutboundCreateSettings, settings_part
from autotask_fn.sync.service import WorkOrderLinker

if TYPE_CHECKING:
    from autotask_fn.fieldnation.models import WorkOrder
    from autotask_fn.sync.service import SyncService

__all__ = ["OutboundCreateLinker", "TicketCreateMapper"]


class TicketCreateMapper:
    """The fields of a new ticket, company, location and service call (pure; subclass)."""

    def ticket(self, wo: WorkOrder, marker: Marker, *, company_id: int,
               location_id: int | None, resolved: dict[str, Any],
               part: OutboundCreateSettings, due: str, lengths: Any) -> dict[str, Any]:
        """A new ticket for the work order."""
        fields: dict[str, Any] = {
            "title": fit(wo.title or f"Field Nation work order {wo.id}",
                         lengths("Tickets", "title")),
            "description": fit(html_to_text(wo.description_html),
                               lengths("Tickets", "description")),
            "companyID": company_id, "status": resolved.get("status"),
            "priority": resolved.get("priority"), "dueDateTime": due,
            "externalID": marker.text,
        }
        if resolved.get("queue") is not None:
            fields["queueID"] = resolved["queue"]
        if location_id is not None:
            fields["companyLocationID"] = location_id
        if part.assigned_resource_id is not None:
            fields["assignedResourceID"] = part.assigned_resource_id
            fields["assignedResourceRoleID"] = part.assigned_role_id
        if part.service_object == "Project":
            fields["projectID"] = part.project_id
            if part.project_task_id is not None:
                fields["description"] = fit(
                    f"{fields['description']}\n(project task {part.project_task_id})".strip(),
                    lengths("Tickets", "description"))
        fields.update(part.extra_fields)
        return {k: v for k, v in fields.items() if v is not None and v != ""}

    def company(self, wo: WorkOrder, name: str, *, resolved: dict[str, Any],
                part: OutboundCreateSettings) -> dict[str, Any]:
        """A new company named after the work order's company, at its location."""
        loc = wo.location
        fields: dict[str, Any] = {
            "companyName": fit(name, 100), "companyType": resolved.get("company_type") or 1,
            "ownerResourceID": part.company_owner_resource_id, "phone": part.company_phone,
            "isActive": True,
        }
        if loc is not None:
            fields.update(address1=loc.address1, address2=loc.address2, city=loc.city,
                          state=loc.state, postalCode=loc.zip)
        return {k: v for k, v in fields.items() if v is not None}

    def location(self, wo: WorkOrder, company_id: int) -> dict[str, Any] | None:
        """A company location from the work order's address (``None`` without one)."""
        loc = wo.location
        if loc is None or not (loc.address1 or loc.city):
            return None
        name = loc.display_name or ", ".join(p for p in (loc.address1, loc.city) if p)
        fields = {"companyID": company_id, "name": fit(name, 100), "address1": loc.address1,
                  "address2": loc.address2, "city": loc.city, "state": loc.state,
                  "postalCode": loc.zip}
        return {k: v for k, v in fields.items() if v is not None}

    def service_call(self, wo: WorkOrder, marker: Marker, *, company_id: int,
                     location_id: int | None, status: int, start: datetime, end: datetime
                     ) -> dict[str, Any]:
        """A service call over the work order's window; the marker leads its description."""
        fields: dict[str, Any] = {
            "companyID": company_id, "status": status,
            "description": fit(wo.title or "", 2000, marker.text, marker_at="start"),
            "startDateTime": at_datetime(start), "endDateTime": at_datetime(end),
        }
        if location_id is not None:
            fields["companyLocationID"] = location_id
        return fields


class OutboundCreateLinker(WorkOrderLinker):
    """Creates (or finds again by marker) the Autotask record of an unlinked work order."""

    def __init__(self, mapper: TicketCreateMapper | None = None) -> None:
        self.mapper = mapper or TicketCreateMapper()

    def settings(self, service: SyncService) -> tuple[OutboundCreateSettings, dict[str, Any]]:
        """The outbound create settings and their resolved values."""
        part, resolved = settings_part(service.validated, "create", OutboundCreateSettings,
                                       service.autotask)
        assert isinstance(part, OutboundCreateSettings)
        return part, dict(resolved)

    def link(self, service: SyncService, work_order: WorkOrder) -> Link | None:
        """Find or create the ticket (and service call) and save the work order link."""
        part, resolved = self.settings(service)
        if not part.enabled:
            return None
        marker = service.markers.make("wo", work_order.id)
        autotask = service.autotask
        found = [r for r in autotask.query("Tickets", eq("externalID", marker.text))
                 if marker.in_text(str(r.get("externalID") or ""))]
        data: dict[str, Any] = {"created": True}
        if found:
            ticket = min(found, key=lambda r: int(r["id"]))
            ticket_id = int(ticket["id"])
            company_id = int(ticket.get("companyID") or 0)
            location_id = ticket.get("companyLocationID")
            data["adopted"] = True
        else:
            company_id, location_id = self.company(service, work_order, part, resolved)
            code = work_order.status.code if work_order.status else None
            mapped = service.validated.status_values.get(code or "")
            if mapped is not None and "status" in service.settings.ticket_fields:
                resolved["status"] = mapped  # the stored snapshot says it is written
            fields = self.mapper.ticket(work_order, marker, company_id=company_id,
                                        location_id=location_id, resolved=resolved, part=part,
                                        due=self.due(service, work_order),
                                        lengths=service.validated.length)
            ticket_id = self._create(service, "Tickets", fields, work_order.id)
            ticket = fields
        data["ticket_role_id"] = ticket.get("assignedResourceRoleID") or 0
        data["ticket_company_id"] = company_id
        if part.service_object == "ServiceCall":
            data["service_call_id"] = self.service_call(
                service, work_order, marker, ticket_id, company_id,
                int(location_id) if location_id else None, resolved)
        data["snapshot"] = service.mapper.snapshot(work_order)
        return service.store.save_link(Link(
            scope=service.scope, kind="wo", fn_id=str(work_order.id), at_entity="Tickets",
            at_id=ticket_id, work_order_id=work_order.id, data=data))

    def due(self, service: SyncService, wo: WorkOrder) -> str:
        """The due date from the schedule, or a day from now without one."""
        due = service.mapper.due_date(wo, service.validated)
        if due is not None:
            return due
        return at_datetime(datetime.fromtimestamp(service.clock(), UTC) + timedelta(days=1))

    def company(self, service: SyncService, wo: WorkOrder, part: OutboundCreateSettings,
                resolved: dict[str, Any]) -> tuple[int, int | None]:
        """The company (and location) of the new ticket: found by name, created when allowed,
        else the default company."""
        autotask = service.autotask
        name = (wo.company.name if wo.company else None) or ""
        company_id: int | None = None
        if name and (part.find_companies or part.create_companies):
            rows = [r for r in autotask.query("Companies", eq("companyName", name))
                    if r.get("isActive") not in (False, 0)]
            if rows:
                company_id = min(int(r["id"]) for r in rows)
            elif part.create_companies:
                company_id = self._create(service, "Companies",
                                          self.mapper.company(wo, name, resolved=resolved,
                                                              part=part), wo.id)
        if company_id is None:
            if part.default_company_id is None:
                raise SyncInputError("create.default_company_id",
                                     f"no company found for work order {wo.id}")
            return part.default_company_id, None
        return company_id, self.location(service, wo, company_id, part)

    def location(self, service: SyncService, wo: WorkOrder, company_id: int,
                 part: OutboundCreateSettings) -> int | None:
        """The company location at the work order's address (created when allowed)."""
        wanted = self.mapper.location(wo, company_id)
        if wanted is None:
            return None
        for row in service.autotask.query("CompanyLocations", eq("companyID", company_id)):
            if not parent_is(row, "companyID", company_id):
                continue  # a condition Autotask did not honour
            same_street = str(row.get("address1") or "").strip().casefold() == str(
                wanted.get("address1") or "").strip().casefold()
            same_city = str(row.get("city") or "").strip().casefold() == str(
                wanted.get("city") or "").strip().casefold()
            if same_street and same_city:
                return int(row["id"])
        if not part.create_companies:
            return None
        return self._create(service, "CompanyLocations", wanted, wo.id)

    def service_call(self, service: SyncService, wo: WorkOrder, marker: Marker,
                     ticket_id: int, company_id: int, location_id: int | None,
                     resolved: dict[str, Any]) -> int:
        """The service call of the ticket: found through the ticket or its marker, else made,
        then linked to the ticket."""
        autotask = service.autotask
        linked = [r for r in autotask.query("ServiceCallTickets", eq("ticketID", ticket_id))
                  if parent_is(r, "ticketID", ticket_id)]
        if linked:
            return int(linked[0]["serviceCallID"])
        calls = [r for r in autotask.query("ServiceCalls", contains("description", marker.text))
                 if marker.in_text(str(r.get("description") or ""))]
        if calls:
            call_id = min(int(r["id"]) for r in calls)
        else:
            schedule = wo.schedule
            now = datetime.fromtimestamp(service.clock(), UTC)
            start = (schedule.start if schedule and schedule.start else now)
            end = (schedule.end if schedule and schedule.end else start + timedelta(hours=1))
            call_id = self._create(service, "ServiceCalls", self.mapper.service_call(
                wo, marker, company_id=company_id, location_id=location_id,
                status=int(resolved.get("service_call_status") or 1), start=start,
                end=max(end, start)), wo.id)
        self._create(service, "ServiceCallTickets",
                     {"serviceCallID": call_id, "ticketID": ticket_id}, wo.id)
        return call_id

    def _create(self, service: SyncService, entity: str, fields: dict[str, Any],
                wo_id: int) -> int:
        try:
            return service.autotask.create(entity, fields)
        except AutotaskValidationError as exc:
            raise SyncInputError(f"{entity} for work order {wo_id}",
                                 "; ".join(exc.errors) or exc.message) from exc
