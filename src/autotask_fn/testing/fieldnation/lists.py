"""Saved work order lists (the tabs of the Field Nation UI) and the per-user sticky state.

``GET /workorders`` takes ``list`` (``workorders_all``, ``workorders_draft`` ...) and
``sticky``. The documentation says to always send ``list``: without it the API falls back to
the user's last saved sticky state, and ``sticky=true`` saves the request's list for the user
(REST basics page; lists playground page). The fake keeps one saved list per user:

* a request with ``sticky=true`` saves its ``list``;
* a request without ``list`` uses the saved one (``workorders_all`` until one is saved);
* the default of ``sticky`` is ``false`` (playground page; unconfirmed).

Which statuses each list holds is **unconfirmed** beyond the names; the fake's choice is in
:data:`WORK_ORDER_LISTS`.
"""

from __future__ import annotations

from typing import Final

from autotask_fn.testing.contract import contract_rule, contract_value
from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.problems import bad_request

#: list name -> the status codes it holds (names from the lists playground page; contents
#: unconfirmed).
WORK_ORDER_LISTS: Final[dict[str, frozenset[str]]] = contract_value("FN-WO-LIST-STICKY", {
    "workorders_all": frozenset(lc.STATUSES),
    "workorders_draft": frozenset({lc.DRAFT}),
    "workorders_published_routed": frozenset({lc.PUBLISHED, lc.ROUTED}),
    "workorders_assigned": frozenset({lc.ASSIGNED}),
    "workorders_in_flight": frozenset({lc.PUBLISHED, lc.ROUTED, lc.ASSIGNED, lc.WORK_DONE}),
    "workorders_problem": frozenset(),
    "workorders_work_done": frozenset({lc.WORK_DONE}),
    "workorders_approved": frozenset({lc.APPROVED, lc.PAID}),
}, name=__name__ + ".WORK_ORDER_LISTS")


@contract_rule("FN-WO-LIST-STICKY")
def resolve_list(saved: dict[int, str], user_id: int, name: str | None,
                 sticky: str | None) -> frozenset[str]:
    """The statuses a ``GET /workorders`` shows: its ``list``, else the user's saved one;
    ``sticky=true`` saves the list given."""
    if sticky is not None and sticky.lower() not in {"true", "false", "1", "0"}:
        raise bad_request("'sticky' must be true or false.")
    if name is None:
        name = saved.get(user_id, "workorders_all")
    elif name not in WORK_ORDER_LISTS:
        raise bad_request("Unknown list: " + name + ".")
    if sticky is not None and sticky.lower() in {"true", "1"}:
        saved[user_id] = name
    return WORK_ORDER_LISTS[name]
