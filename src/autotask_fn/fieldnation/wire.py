"""The one place where choices between contradictory Field Nation documentation are kept.

Field Nation's public documentation comes in two generations that disagree with each other
(see the "Conflicts to verify in sandbox" list of the reference notes). Every such choice the
client makes is a field of :class:`WireFormat`, so that it can be switched in one place once the
sandbox has settled the question, or per client (``FieldNationClient(..., wire=WireFormat(...))``).

The defaults follow the legacy docs and the playground (OpenAPI) wherever the new narrative
pages disagree with them, because those read like they were written from real behaviour.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

#: REST v2 lives under this path on the API host.
REST_PREFIX: Final = "/api/rest/v2"
#: OAuth password grant endpoint (same host as REST).
TOKEN_PATH: Final = "/authentication/api/oauth/token"  # noqa: S105
#: Webhooks v3 management API (same host as REST, Bearer auth).
WEBHOOKS_PATH: Final = "/api/v1/webhooks"

#: API hosts per environment (reference §1).
HOSTS: Final[dict[str, str]] = {
    "production": "https://api.fieldnation.com",
    "sandbox": "https://api-sandbox.fndev.net",
}

#: Work-order status ids from the legacy status table. Work Done/Approved/Paid/Deleted ids are
#: unconfirmed in the docs (4/5/6/8 per the legacy numbering, but one page says f_status=10 is
#: Work Done), so none are hard-coded here.
STATUS_DRAFT: Final = 1
STATUS_PUBLISHED: Final = 2
STATUS_ASSIGNED: Final = 3
STATUS_CANCELLED: Final = 7
STATUS_ROUTED: Final = 9

#: Message audiences hidden from providers (reference §4, Messages).
INTERNAL_MESSAGE_TYPES: Final = frozenset({"INTERNAL", "STAFF_NOTE"})
#: Message audiences documented as reaching providers: the create ``type`` values addressed to
#: providers (ASSIGNEDTECH, REQUESTEDTECHS, SPECIFICTECH, ROUTEDTECHS) or written by one
#: (FROMTECH, TECHTOMANAGER). Only these make a message public; INTERNAL, STAFF_NOTE, any
#: other value and a missing audience are internal (an allow-list, never a deny-list).
PUBLIC_MESSAGE_AUDIENCES: Final = frozenset({
    "ASSIGNEDTECH", "REQUESTEDTECHS", "SPECIFICTECH", "ROUTEDTECHS", "FROMTECH",
    "TECHTOMANAGER"})
#: Audiences of a reply that follow their thread: public only when the parent message is.
THREAD_MESSAGE_AUDIENCES: Final = frozenset({"REPLY", "REPLYTOTHREAD"})
#: The ``list`` sent with every ``GET /workorders`` unless the caller names one. Without it the
#: API applies the user's last saved sticky list (REST basics page; lists playground page).
DEFAULT_WORK_ORDER_LIST: Final = "workorders_all"

#: Date-time form the REST API requires inside ``{"utc": ...}`` objects.
FN_DATETIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


@attrs.frozen
class WireFormat:
    """The documented-but-contradictory wire choices, with the most reliable form as default.

    Attributes:
        token_body: ``"form"`` (legacy docs: "form-data key/value pairs, not JSON") or
            ``"json"`` (playground and new docs). Conflict #3.
        token_placement: ``"query"`` puts the token in the ``access_token`` query parameter
            (legacy docs, apireference intro, playground security scheme, quick start) or
            ``"bearer"`` sends ``Authorization: Bearer`` (some new pages). Conflict #1.
        time_log_keys: ``("in", "out")`` (legacy object, canonical) or ``("start", "end")``
            (new narrative page). Used when *writing* time logs; reads accept both. Conflict #5.
        time_log_nested: write each end as ``{"created": {"utc": ...}}``, the shape time logs
            are read in (legacy check-in object), rather than a bare ``{"utc": ...}``. The
            reference does not document the write shape of ``in``/``out``.
        expense_status_new / expense_status_approved / expense_status_denied: the playground
            vocabulary ``new``/``approved``/``disapproved``; the narrative pages say
            ``pending``/``approved``/``rejected``. Reads normalise either to these. Conflict #6.
        expired_token_statuses: HTTP statuses that, together with a token-ish message (400)
            or on their own (401), mean "re-authenticate and repeat once". Legacy docs say
            400 "Expired token.", new docs say 401.
    """

    token_body: Literal["form", "json"] = "form"  # noqa: S105
    token_placement: Literal["query", "bearer"] = "query"  # noqa: S105
    time_log_keys: tuple[str, str] = ("in", "out")
    time_log_nested: bool = True
    expense_status_new: str = "new"
    expense_status_approved: str = "approved"
    expense_status_denied: str = "disapproved"
    expired_token_statuses: frozenset[int] = frozenset({400, 401})

    def normalise_expense_status(self, value: object) -> str | None:
        """Map either documented expense-status vocabulary onto this format's words."""
        if value is None:
            return None
        text = str(value).strip().lower()
        if text in {"new", "pending"}:
            return self.expense_status_new
        if text in {"approved", "verified"}:
            return self.expense_status_approved
        if text in {"disapproved", "rejected", "denied"}:
            return self.expense_status_denied
        return text


DEFAULT_WIRE: Final = WireFormat()

#: Message fragments (lower case) that mark a 400 answer as "your token expired".
EXPIRED_TOKEN_MARKERS: Final = ("expired token", "valid oauth token", "invalid token",
                                "access token")
