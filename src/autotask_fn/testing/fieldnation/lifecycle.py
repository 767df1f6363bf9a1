"""The work order status machine: the status id table and the legal transitions.

Only Draft 1, Published 2, Routed 9, Assigned 3 and Cancelled 7 are confirmed by Field
Nation's legacy status table. Work Done, Approved, Paid and Deleted are **unconfirmed**
(4/5/6/8 follow the legacy numbering; one new page says ``f_status=10`` is Work Done).
They live in :data:`STATUSES` only, so switching an id is a one-line change here.
"""

from __future__ import annotations

from typing import Any, Final

from autotask_fn.testing.fieldnation.problems import FakeApiError

DRAFT: Final = "draft"
PUBLISHED: Final = "published"
ROUTED: Final = "routed"
ASSIGNED: Final = "assigned"
WORK_DONE: Final = "work_done"
APPROVED: Final = "approved"
PAID: Final = "paid"
CANCELLED: Final = "cancelled"
DELETED: Final = "deleted"

#: code -> (id, display name). THE table of status ids (4/5/6/8 are unconfirmed, see above).
STATUSES: Final[dict[str, tuple[int, str]]] = {
    DRAFT: (1, "Draft"),
    PUBLISHED: (2, "Published"),
    ROUTED: (9, "Routed"),
    ASSIGNED: (3, "Assigned"),
    WORK_DONE: (4, "Work Done"),  # unconfirmed id
    APPROVED: (5, "Approved"),  # unconfirmed id
    PAID: (6, "Paid"),  # unconfirmed id
    CANCELLED: (7, "Cancelled"),
    DELETED: (8, "Deleted"),  # unconfirmed id
}

#: Assigned sub-states the fake produces (code -> display).
SUB_STATUSES: Final[dict[str, str]] = {
    "confirmed": "Confirmed",
    "on_my_way": "On my way",
    "checked_in": "Checked in",
    "checked_out": "Checked out",
    "on_hold": "On hold",
    "delayed": "Delayed",
    "at_risk": "At risk",
}

#: action -> (states it may start from, state it leads to). The documented lifecycle:
#: Draft -> publish/route -> Assigned -> Work Done -> Approved -> Paid; cancel from earlier.
#: Draft -> Assigned directly is not in the documented lifecycle, so it is refused (stricter).
TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "publish": (frozenset({DRAFT}), PUBLISHED),
    "unpublish": (frozenset({PUBLISHED}), DRAFT),
    "route": (frozenset({DRAFT, PUBLISHED, ROUTED}), ROUTED),
    "assign": (frozenset({PUBLISHED, ROUTED}), ASSIGNED),
    "complete": (frozenset({ASSIGNED}), WORK_DONE),
    "incomplete": (frozenset({WORK_DONE}), ASSIGNED),
    "approve": (frozenset({WORK_DONE}), APPROVED),
    "pay": (frozenset({APPROVED}), PAID),
    "cancel": (frozenset({DRAFT, PUBLISHED, ROUTED, ASSIGNED}), CANCELLED),
    # Soft delete (status 8, unconfirmed id): the fake allows it for drafts only (stricter).
    "delete": (frozenset({DRAFT}), DELETED),
}

_BY_ID: Final[dict[int, str]] = {sid: code for code, (sid, _name) in STATUSES.items()}


def status_id(code: str) -> int:
    """The numeric id of a status code."""
    return STATUSES[code][0]


def status_code(sid: int) -> str | None:
    """The status code of a numeric id (``None`` when unknown)."""
    return _BY_ID.get(sid)


def transition(current: str, action: str) -> str:
    """Return the state ``action`` leads to from ``current``, or raise a 400 refusal."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        name = STATUSES[current][1]
        raise FakeApiError(
            400, f"Cannot {action} a work order in status {name} ({STATUSES[current][0]})."
        )
    return target


def status_object(code: str, sub_status: str | None, routed: bool) -> dict[str, Any]:
    """The ``status`` object of a work order as Field Nation renders it."""
    sid, name = STATUSES[code]
    display = name
    shown_code = code
    # Published Status.sub_status is a string (the vendor's example shows "" when none);
    # which text it holds for a sub-state is unconfirmed: the fake shows the sub-state's name.
    sub = ""
    if code == ASSIGNED and sub_status:
        display = f"{name}: {SUB_STATUSES[sub_status]}"
        shown_code = sub_status
        sub = SUB_STATUSES[sub_status]
    return {
        "id": sid,
        "name": name,
        "display": display,
        "code": shown_code,
        "sub_status": sub,
        "is_routed": routed,
        "delay": 0,
        "ncns": False,
        "confirmed": sub_status in {"confirmed", "on_my_way", "checked_in", "checked_out"},
    }
