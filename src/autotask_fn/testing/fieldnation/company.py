"""The seeded company: users, catalogs (types of work, expense categories, custom fields,
projects, templates), id counters, lookups and the permission checks every operation uses.
"""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Callable
from typing import Any

from autotask_fn.testing.contract import contract_rule
from autotask_fn.testing.fieldnation.clock import FakeClock
from autotask_fn.testing.fieldnation.problems import FakeApiError, forbidden, not_found
from autotask_fn.testing.fieldnation.records import Seed, User, WorkOrder

#: (event name, work order, acting user, previous status id) -> None
EventSink = Callable[[str, WorkOrder, User, int], None]

COMPANY_ID = 4242
COMPANY_NAME = "Example MSP LLC"


def _seed_users() -> list[User]:
    return [
        User(1068, "Api", "User", "api-user@example.com", "buyer", "api-user", "password"),
        User(1070, "Morgan", "Manager", "manager@example.com", "buyer", "manager",
             "manager-password"),
        User(2001, "Pat", "Tech", "tech@example.com", "provider", "tech", "tech-password"),
        User(2002, "Sam", "Second", "tech2@example.com", "provider", "tech2", "tech2-password"),
    ]


class CompanyState:
    """The company side of the fake: who exists, what the catalogs hold, who may do what."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.users: dict[int, User] = {u.id: u for u in _seed_users()}
        self.types_of_work: dict[int, str] = {11: "Networking", 12: "Point of Sale",
                                              13: "Desktop Support"}
        #: id -> (label, type): "system" for Uncategorized, custom otherwise.
        self.expense_categories: dict[int, tuple[str, str]] = {
            301: ("Uncategorized", "system"), 302: ("Parts", "custom"),
            303: ("Travel", "custom"), 304: ("Mileage", "custom"),
        }
        self.default_expense_category = 301
        #: How an expense read shows its receipt: ``"none"`` (the published Expense model),
        #: ``"receipt_url"`` (the vendor's Expenses page) or ``"receipt"`` (a file object).
        self.receipts_on_read = "none"
        #: id -> definition (name, type, filled_by, required).
        self.custom_field_defs: dict[int, dict[str, Any]] = {
            501: {"name": "Autotask Ticket Number", "type": "text", "filled_by": "buyer",
                  "required": False},
            502: {"name": "Site Contact Phone", "type": "text", "filled_by": "buyer",
                  "required": False},
            503: {"name": "Serial Number", "type": "text", "filled_by": "provider",
                  "required": False},
        }
        self.projects: dict[int, str] = {601: "Managed Services"}
        self.templates: dict[int, str] = {701: "Standard Site Visit"}
        self.work_orders: dict[int, WorkOrder] = {}
        #: user id -> the work order list saved with ``sticky=true`` (see ``lists``).
        self.sticky_lists: dict[int, str] = {}
        #: ``"published"`` (the published Message model: integer ids, ``type`` and ``role``,
        #: replies as an envelope) or ``"documented"`` (the messages page's example: string
        #: ids, the audience only in ``role``, replies as a list).
        self.message_shape = "published"
        self._wo_ids = itertools.count(100001)
        self._ids = itertools.count(5001)
        self.on_event: EventSink | None = None
        self.seed = Seed(
            company_id=COMPANY_ID, api_user_id=1068, manager_id=1070, provider_id=2001,
            provider_email="tech@example.com", provider_username="tech",
            provider_password="tech-password", second_provider_id=2002,  # noqa: S106
            types_of_work={name: i for i, name in self.types_of_work.items()},
            expense_categories={label: i for i, (label, _t) in self.expense_categories.items()},
            custom_fields={d["name"]: i for i, d in self.custom_field_defs.items()},
            project_id=601, template_id=701,
        )

    # -- ids and lookups -----------------------------------------------------------
    def next_id(self) -> int:
        """A fresh id for a sub-object (unique across kinds)."""
        return next(self._ids)

    def next_work_order_id(self) -> int:
        """A fresh work order id."""
        return next(self._wo_ids)

    def user(self, user_id: int) -> User:
        """A user by id (404 when unknown)."""
        try:
            return self.users[user_id]
        except KeyError:
            raise not_found(f"User {user_id}") from None

    def provider(self, user_id: int) -> User:
        """A provider by id (400 when the id is not a provider)."""
        found = self.users.get(user_id)
        if found is None or found.role != "provider":
            raise FakeApiError(400, f"User {user_id} is not a provider.")
        return found

    def api_user(self) -> User:
        """The seeded API user (buyer side)."""
        return self.users[self.seed.api_user_id]

    def authenticate(self, username: str, password: str) -> User | None:
        """The user with these credentials, or ``None``."""
        for user in self.users.values():
            if user.username == username and hmac.compare_digest(user.password, password):
                return user
        return None

    def raw_work_order(self, wo_id: int) -> WorkOrder:
        """A work order by id, without any permission check (404 when unknown)."""
        try:
            return self.work_orders[wo_id]
        except KeyError:
            raise not_found(f"Work order {wo_id}") from None

    def work_order(self, wo_id: int, actor: User) -> WorkOrder:
        """A work order the actor may see: buyers see all, providers only their own."""
        wo = self.raw_work_order(wo_id)
        if actor.role == "provider" and not self.involves(wo, actor):
            raise forbidden("You do not have permission to view this work order.")
        return wo

    @staticmethod
    def involves(wo: WorkOrder, provider: User) -> bool:
        """Whether the provider is assigned to, routed or has requested the work order."""
        return (wo.assignee_id == provider.id or provider.id in wo.routed_ids
                or provider.id in wo.requested_ids)

    # -- permission checks ---------------------------------------------------------
    @staticmethod
    def require_buyer(actor: User) -> None:
        """Only company users may do this."""
        if actor.role != "buyer":
            raise forbidden("Only the buyer company may perform this action.")

    @staticmethod
    def require_worker(wo: WorkOrder, actor: User) -> None:
        """The buyer or the assigned provider may do this."""
        if actor.role == "provider" and wo.assignee_id != actor.id:
            raise forbidden("Only the assigned provider may perform this action.")

    @staticmethod
    def require_provider(wo: WorkOrder, actor: User) -> None:
        """Only the assigned provider may do this."""
        if actor.role != "provider" or wo.assignee_id != actor.id:
            raise forbidden("Only the assigned provider may perform this action.")

    # -- events --------------------------------------------------------------------
    def emit(self, event: str, wo: WorkOrder, actor: User, previous_status_id: int) -> None:
        """Tell the webhook layer that ``event`` happened (no-op when nobody listens)."""
        if self.on_event is not None:
            self.on_event(event, wo, actor, previous_status_id)

    @contract_rule("FN-WO-UPDATED-MOVES")
    def touch(self, wo: WorkOrder) -> None:
        """Record that the work order changed now (every change to it or to its time logs,
        expenses, messages, files and signatures calls this)."""
        wo.updated = self.clock.now()
