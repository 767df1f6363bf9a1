"""A request holds a thread slot on every endpoint Autotask may count it against."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from autotask_fn.autotask.client import thread_endpoints
from autotask_fn.autotask.limits import LocalLimiter
from autotask_fn.autotask.query import eq
from autotask_fn.testing import FakeAutotask


class RecordingLimiter(LocalLimiter):
    """Records the slots held right after each acquisition."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshots: list[tuple[str, ...]] = []
        self._held: list[str] = []

    @contextlib.contextmanager
    def slot(self, endpoint: str) -> Iterator[None]:
        with super().slot(endpoint):
            self._held.append(endpoint)
            self.snapshots.append(tuple(self._held))
            try:
                yield
            finally:
                self._held.remove(endpoint)


def test_a_child_url_counts_against_its_root_and_its_entity() -> None:
    assert thread_endpoints("Tickets/7/Notes", "TicketNotes") == ("Tickets", "TicketNotes")
    assert thread_endpoints("Expenses/3/Items", "ExpenseItems") == ("Expenses", "ExpenseItems")


def test_a_root_url_counts_once() -> None:
    assert thread_endpoints("TicketNotes/query", "TicketNotes") == ("TicketNotes",)
    assert thread_endpoints("Tickets", "Tickets") == ("Tickets",)


def test_the_client_takes_both_slots_for_a_child_write_and_one_for_a_query() -> None:
    fake = FakeAutotask()
    limiter = RecordingLimiter()
    client = fake.client(limiter=limiter)
    seed = fake.seed
    ticket_id = client.create("Tickets", {
        "title": "t", "companyID": seed.company_id, "status": 1, "priority": 2,
        "queueID": seed.queue_id})
    limiter.snapshots.clear()
    client.create("TicketNotes", {"ticketID": ticket_id, "title": "n", "description": "d",
                                  "noteType": 1, "publish": 1})
    list(client.query("TicketNotes", eq("ticketID", ticket_id)))
    # the note: Tickets, then Tickets + TicketNotes; the query: TicketNotes alone
    assert limiter.snapshots == [("Tickets",), ("Tickets", "TicketNotes"), ("TicketNotes",)]
