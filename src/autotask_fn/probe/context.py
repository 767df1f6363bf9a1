"""What a probe check works with: raw requests to both services, with the configured
credentials, answers kept as they came (status and body), and a few shared look-ups."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpx

from autotask_fn._redact import redact_text

if TYPE_CHECKING:
    from autotask_fn.autotask import AutotaskClient
    from autotask_fn.fieldnation import FieldNationClient

__all__ = ["Answer", "Finding", "NotChecked", "ProbeContext", "finding"]

_T = TypeVar("_T")

#: A user name no Autotask tenant has (``.invalid`` is reserved by RFC 2606).
UNKNOWN_USER = "autotask-fn-probe-unknown-user@example.invalid"
#: The marker every record ``--write`` creates carries.
PROBE_MARKER = "autotask-fn probe"


class NotChecked(Exception):
    """Raised by a check that cannot run on this tenant (``why`` says why)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@attrs.frozen
class Finding:
    """What one check compared: the row's expectation, the tenant's answer, and whether
    they agree."""

    expected: str
    observed: str
    ok: bool


def finding(expected: str, observed: str, ok: bool) -> Finding:
    """Shorthand for :class:`Finding`."""
    return Finding(expected, observed, bool(ok))


@attrs.frozen
class Answer:
    """A raw answer: status and body (parsed JSON, else text)."""

    status: int
    body: Any

    def errors_text(self) -> str:
        """The ``errors`` (or ``Message``/``message``) text of the body, joined."""
        body = self.body
        if isinstance(body, Mapping):
            for key in ("errors", "Message", "message", "error_description", "error"):
                value = body.get(key)
                if isinstance(value, list):
                    return "; ".join(str(v) for v in value)
                if value:
                    return str(value)
        return str(body)[:200]

    def brief(self) -> str:
        """``HTTP <status>: <text>`` for the report."""
        return f"HTTP {self.status}: {self.errors_text()}"[:300]


def cached(method: Callable[[ProbeContext], _T]) -> Callable[[ProbeContext], _T]:
    """Memoise a look-up per context (exceptions, e.g. :class:`NotChecked`, too)."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: ProbeContext) -> _T:
        if name not in self._cache:
            try:
                self._cache[name] = (True, method(self))
            except NotChecked as exc:
                self._cache[name] = (False, exc)
        good, value = self._cache[name]
        if not good:
            raise value
        return value  # type: ignore[no-any-return]

    return wrapper


class ProbeContext:
    """Raw access to both services for the checks, and look-ups they share.

    Requests are sent once (no retries) with the clients' own credentials and HTTP clients,
    so every answer is the tenant's own.
    """

    def __init__(self, autotask: AutotaskClient, fieldnation: FieldNationClient | None, *,
                 work_order_id: int | None = None, ticket_id: int | None = None) -> None:
        self.autotask = autotask
        self.fieldnation = fieldnation
        self.work_order_id = work_order_id
        self.ticket_id = ticket_id
        self._cache: dict[str, tuple[bool, Any]] = {}
        secrets = [autotask._secret, autotask._code]
        if fieldnation is not None:
            secrets.extend(fieldnation._credentials.secrets())
        self.secrets: tuple[str, ...] = tuple(s for s in secrets if s)
        self.tenant: dict[str, Any] = {}

    # -- Autotask ------------------------------------------------------------------------
    def at_headers(self, **override: str) -> dict[str, str]:
        """The Autotask headers the client sends, with ``override`` replacing some."""
        at = self.autotask
        headers = {"ApiIntegrationCode": at._code, "UserName": at.username,
                   "Secret": at._secret, "Accept": "application/json",
                   "Content-Type": "application/json"}
        headers.update(override)
        return headers

    def at_url(self, path: str) -> str:
        """The URL of ``path`` under the tenant's ``V1.0/``."""
        return f"{self.autotask.base_url}V1.0/{path}"

    def at(self, method: str, path_or_url: str, *, json: Any = None,
           headers: Mapping[str, str] | None = None) -> Answer:
        """One raw Autotask request (``path_or_url``: a path under ``V1.0/`` or a URL)."""
        url = path_or_url if "://" in path_or_url else self.at_url(path_or_url)
        response = self.autotask._http.request(
            method, url, json=json, headers=dict(headers or self.at_headers()), timeout=60.0)
        return _answer(response)

    def at_query(self, entity: str, filters: list[dict[str, Any]], **extra: Any) -> Answer:
        """A raw ``POST {entity}/query``."""
        return self.at("POST", f"{entity}/query", json={"filter": filters, **extra})

    def at_fields(self, entity: str) -> list[Mapping[str, Any]]:
        """``entityInformation/fields`` of ``entity`` (raw field objects)."""
        key = f"fields:{entity}"
        if key not in self._cache:
            answer = self.at("GET", f"{entity}/entityInformation/fields")
            fields = answer.body.get("fields") if isinstance(answer.body, Mapping) else None
            if answer.status != 200 or not isinstance(fields, list):
                raise NotChecked(f"{entity} field metadata not readable ({answer.brief()})")
            self._cache[key] = (True, fields)
        return list(self._cache[key][1])

    def at_picklist(self, entity: str, field: str) -> dict[str, str]:
        """Label -> value of an active picklist field, as the tenant lists it."""
        for item in self.at_fields(entity):
            if str(item.get("name", "")).lower() == field.lower():
                values = item.get("picklistValues") or []
                picked = {str(v.get("label")): str(v.get("value")) for v in values
                          if isinstance(v, Mapping) and v.get("isActive", True) is not False}
                self.tenant[f"{entity}.{field}"] = picked
                return picked
        raise NotChecked(f"{entity} has no field {field}")

    @cached
    def big_query(self) -> tuple[str, int]:
        """An entity with more than 500 records (and its count), for the paging rows."""
        for entity in ("Tickets", "TicketNotes", "TimeEntries", "Contacts", "Companies",
                       "ConfigurationItems"):
            answer = self.at("POST", f"{entity}/query/count",
                             json={"filter": [{"op": "gte", "field": "id", "value": 0}]})
            count = answer.body.get("queryCount") if isinstance(answer.body, Mapping) else None
            if answer.status == 200 and isinstance(count, int) and count > 500:
                self.tenant["paging_entity"] = {"entity": entity, "count": count}
                return entity, count
        raise NotChecked("no entity of this tenant has more than 500 records")

    @cached
    def some_ticket(self) -> int:
        """A ticket id (``ticket_id`` when given, else the first ticket the query returns)."""
        if self.ticket_id is not None:
            return self.ticket_id
        answer = self.at_query("Tickets", [{"op": "gte", "field": "id", "value": 0}],
                               MaxRecords=1, IncludeFields=["id"])
        items = answer.body.get("items") if isinstance(answer.body, Mapping) else None
        if answer.status != 200 or not items:
            raise NotChecked("the tenant has no ticket to read")
        return int(items[0]["id"])

    # -- Field Nation -----------------------------------------------------------------------
    def require_fieldnation(self) -> FieldNationClient:
        """The Field Nation client, or :class:`NotChecked` when none is configured."""
        if self.fieldnation is None:
            raise NotChecked("Field Nation is not configured")
        return self.fieldnation

    def fn(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
           json: Any = None, token: str | None = None, data: Any = None,
           auth: bool = True) -> Answer:
        """One raw Field Nation request; ``path`` is under ``/api/rest/v2`` unless it starts
        with ``/authentication``. The token goes in the query string (``access_token``)."""
        fn = self.require_fieldnation()
        url = fn.base_url.rstrip("/") + (path if path.startswith("/authentication")
                                         else "/api/rest/v2" + path)
        query = dict(params or {})
        if auth:
            query["access_token"] = token if token is not None else fn.tokens.token()
        response = fn._http.request(method, url, params=query, json=json, data=data,
                                    timeout=60.0)
        return _answer(response)

    @cached
    def work_order(self) -> dict[str, Any]:
        """The work order the user named (else the first of ``workorders_all``), read whole."""
        wo_id = self.work_order_id
        if wo_id is None:
            listing = self.fn("GET", "/workorders", params={
                "list": "workorders_all", "sticky": "false", "per_page": 1})
            rows = listing.body.get("results") if isinstance(listing.body, Mapping) else None
            if listing.status != 200 or not rows:
                raise NotChecked("no work order to read (name one with --work-order)")
            wo_id = int(rows[0]["id"])
        answer = self.fn("GET", f"/workorders/{wo_id}")
        if answer.status != 200 or not isinstance(answer.body, Mapping):
            raise NotChecked(f"work order {wo_id} not readable ({answer.brief()})")
        self.tenant["work_order"] = wo_id
        return dict(answer.body)

    @cached
    def messages(self) -> Answer:
        """The first page of the work order's ``/messages``."""
        wo = self.work_order()
        return self.fn("GET", f"/workorders/{wo['id']}/messages", params={"per_page": 100})

    def redact(self, text: str) -> str:
        """``text`` without any configured secret."""
        return redact_text(text, self.secrets)


def _answer(response: httpx.Response) -> Answer:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:500]
    return Answer(response.status_code, body)
