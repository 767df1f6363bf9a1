"""The control API of ``FakeAutotask``: act as a person in the Autotask UI over HTTP.

=======  ================================  ==================================================
Method   Path (after ``/_fake``)           Body → answer
=======  ================================  ==================================================
GET      ``/seed``                         → the seeded ids
POST     ``/tickets``                      fields → ``{id}``: a dispatcher creates a ticket
                                           (company, location, contact, queue, status,
                                           priority, due date and the technician default to
                                           the seeded ones); rules apply, callouts are made
PATCH    ``/tickets/{id}``                 fields: a person changes a ticket
GET      ``/records/{entity}``             → every stored record (``?field=value`` filters)
GET      ``/records/{entity}/{id}``        → one stored record
=======  ================================  ==================================================
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from autotask_fn.testing._control import ControlCall, ControlError, ControlRoute

if TYPE_CHECKING:
    from autotask_fn.testing.autotask.app import FakeAutotask


def ticket_defaults(fake: FakeAutotask) -> dict[str, Any]:
    """What a dispatcher fills in when a control request leaves it out: the seeded company,
    location, contact and queue, status New, priority 2, the technician in the field
    technician role, due a day from the fake's now."""
    seed = fake.seed
    due = (fake.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "title": "Ticket from the control API", "companyID": seed.company_id,
        "companyLocationID": seed.location_id, "contactID": seed.contact_id, "status": 1,
        "priority": 2, "queueID": seed.queue_id, "dueDateTime": due,
        "assignedResourceID": seed.tech_resource_id,
        "assignedResourceRoleID": seed.tech_role_id,
    }


def control_routes(fake: FakeAutotask) -> list[ControlRoute]:
    """The dispatcher routes of ``fake``."""
    import attrs

    def seed(call: ControlCall) -> Any:
        return attrs.asdict(fake.seed)

    def create_ticket(call: ControlCall) -> Any:
        person = call.integer("person_id")
        fields = {k: v for k, v in call.body.items() if k != "person_id"}
        return {"id": fake.ui_create_ticket(person_id=person,
                                            **{**ticket_defaults(fake), **fields})}

    def update_ticket(call: ControlCall) -> Any:
        person = call.integer("person_id")
        fields = {k: v for k, v in call.body.items() if k != "person_id"}
        if not fields:
            raise ControlError(400, "send the fields to change")
        fake.ui_update_ticket(call.id(), person_id=person, **fields)
        return fake.record("Tickets", call.id())

    def records(call: ControlCall) -> Any:
        entity = call.groups[0]
        rows = fake.records(entity)
        for name, values in call.request.query.items():
            rows = [r for r in rows if str(r.get(name)) in values]
        return rows

    def record(call: ControlCall) -> Any:
        found = fake.record(call.groups[0], call.id(1))
        if found is None:
            raise ControlError(404, f"{call.groups[0]} {call.groups[1]} does not exist")
        return found

    return [
        ControlRoute("GET", r"/seed", seed, "the seeded ids"),
        ControlRoute("POST", r"/tickets", create_ticket,
                     "a dispatcher creates a ticket in the UI: {title?, ...fields}"),
        ControlRoute("PATCH", r"/tickets/(\d+)", update_ticket,
                     "a person changes a ticket in the UI: {...fields}"),
        ControlRoute("GET", r"/records/(\w+)", records,
                     "every stored record of an entity (?field=value filters)"),
        ControlRoute("GET", r"/records/(\w+)/(\d+)", record, "one stored record"),
    ]
