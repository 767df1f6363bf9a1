"""The Field Nation REST v2 client.

Example::

    from autotask_fn.fieldnation import FieldNationClient

    fn = FieldNationClient(client_id, client_secret, username, password, environment="sandbox")
    wo = fn.get_work_order(1234)
    for log in wo.time_logs:
        print(log.start, log.end, log.hours)

Every path below is relative to ``/api/rest/v2`` on the environment's API host (reference §1,
§3, §4). The token travels per :class:`~autotask_fn.fieldnation.wire.WireFormat` (the
``access_token`` query parameter by default) and is redacted wherever a URL is rendered.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, Literal, TypeVar

import attrs
import httpx

from autotask_fn.errors import ConfigurationError
from autotask_fn.fieldnation._http import Auth, HttpCore, RequestStats, RetryPolicy
from autotask_fn.fieldnation.errors import FieldNationError
from autotask_fn.fieldnation.models import (
    Attachment,
    Contact,
    CustomField,
    Expense,
    Folder,
    Message,
    Schedule,
    Signature,
    TimeLog,
    WorkOrder,
    fn_datetime,
    results,
    structure,
    to_int,
)
from autotask_fn.fieldnation.tokens import Credentials, TokenManager
from autotask_fn.fieldnation.webhooks import WebhookAPI
from autotask_fn.fieldnation.wire import (
    DEFAULT_WIRE,
    DEFAULT_WORK_ORDER_LIST,
    HOSTS,
    REST_PREFIX,
    TOKEN_PATH,
    WireFormat,
)

T = TypeVar("T")

#: List parameters that are not filters (everything else given to ``iter_work_orders`` is
#: sent with the ``f_`` prefix).
_LIST_PARAMS = frozenset({"sort_by", "sort_direction", "columns", "view", "list", "sticky"})


class Listing(list[T]):
    """The rows of a list read page by page, and whether the read is known to be complete.

    ``complete`` is True only when every page's ``metadata`` gave the same ``total``, the last
    page was reached and that many distinct rows arrived. A list that changed while it was
    read, or came without metadata, is not complete: nothing may be deleted, zeroed or
    unlinked because a row is missing from it.
    """

    def __init__(self, items: Iterable[T] = (), *, complete: bool = False) -> None:
        super().__init__(items)
        self.complete = complete


def decimal_text(value: Decimal | str | int) -> str:
    """A money/quantity value as the plain decimal string Field Nation takes (``"50.00"``).

    Never in exponent form (``str(Decimal("1E+2"))`` is ``"1E+2"``); ``ValueError`` for text
    that is not a number and for NaN/Infinity.
    """
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite decimal number: {value!r}")
    return format(number, "f")


def to_wire(value: Any) -> Any:
    """Make a payload JSON-ready: datetimes as ``{"utc": ...}``, Decimals as plain strings."""
    if isinstance(value, datetime):
        return fn_datetime(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Mapping):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    return value


def _file_name(item: Mapping[str, Any]) -> Any:
    """The name of a file object (``file.name``, else ``name``), whatever ``file`` holds."""
    inner = item.get("file")
    return inner.get("name", item.get("name")) if isinstance(inner, Mapping) else item.get("name")


class FieldNationClient:
    """Typed client of the Field Nation REST v2 API (buyer side).

    Args:
        client_id, client_secret, username, password: password-grant credentials of the
            Field Nation API user (never rendered in logs, reprs or errors).
        environment: ``"sandbox"`` or ``"production"``; picks the API host.
        base_url: an explicit API host (e.g. a fake's ``base_url``); makes
            :attr:`environment_name` ``"custom"``.
        http_client: an ``httpx.Client`` to use (not closed by :meth:`close`).
        transport: an ``httpx.BaseTransport`` for a client we create (e.g. ``WSGITransport``).
        clock: seconds since the epoch; drives token expiry.
        timeout: seconds per request for a client we create.
        max_retries, backoff, max_retry_after, sleep: retry policy for safe requests.
        wire: the documented-form choices (:class:`~autotask_fn.fieldnation.wire.WireFormat`).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        username: str,
        password: str,
        *,
        environment: Literal["sandbox", "production"] = "sandbox",
        base_url: str | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        wire: WireFormat = DEFAULT_WIRE,
    ) -> None:
        if environment not in HOSTS:
            raise ConfigurationError(
                f"environment must be 'sandbox' or 'production', not {environment!r}")
        if not all((client_id, client_secret, username, password)):
            raise ConfigurationError(
                "Field Nation needs client_id, client_secret (from Field Nation onboarding) and "
                "the API user's username and password")
        self._environment = "custom" if base_url else environment
        host = (base_url or HOSTS[environment]).rstrip("/")
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=timeout)
        self._credentials = Credentials(client_id, client_secret, username, password)
        self.stats = RequestStats()
        """Requests sent, in total and by method (token requests included)."""
        self.wire = wire
        self.tokens = TokenManager(self._http, host + TOKEN_PATH, self._credentials,
                                   clock=clock, wire=wire, on_request=self.stats.record)
        self._core = HttpCore(
            self._http, host, self.tokens, wire=wire, stats=self.stats,
            retry=RetryPolicy(max_retries=max_retries, backoff=backoff,
                              max_retry_after=max_retry_after, sleep=sleep),
            secrets=self._credentials.secrets(),
        )
        self.webhooks = WebhookAPI(self._core)
        """Register, list and delete webhooks (``/api/v1/webhooks``)."""

    def __repr__(self) -> str:
        return (f"FieldNationClient(environment={self._environment!r}, "
                f"base_url={self._core.base_url!r}, username={self._credentials.username!r})")

    @property
    def environment_name(self) -> str:
        """``"production"``, ``"sandbox"``, or ``"custom"`` for an explicit base URL."""
        return self._environment

    @property
    def base_url(self) -> str:
        """The API host requests go to."""
        return self._core.base_url

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> FieldNationClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if "json" in kwargs:
            kwargs["json"] = to_wire(kwargs["json"])
        return self._core.json(method, REST_PREFIX + path, **kwargs)

    def _read(self, body: Any, cls: type[T], method: str, path: str) -> T:
        obj = body
        if isinstance(obj, Mapping) and "id" not in obj and "msg_id" not in obj:
            for key in ("result", "data"):
                if isinstance(obj.get(key), Mapping):
                    obj = obj[key]
                    break
        try:
            return structure(obj, cls)
        except ValueError as exc:
            raise FieldNationError(f"unexpected answer shape: {exc}", method=method,
                                   url=self._core.url(REST_PREFIX + path)) from None

    def _pages(self, path: str, params: Mapping[str, Any] | None = None,
               per_page: int = 100) -> Iterator[Any]:
        """Yield the raw items of every page of a paginated list (``metadata.pages``)."""
        page = 1
        while True:
            body = self._call("GET", path,
                              params={**(params or {}), "page": page, "per_page": per_page})
            items = results(body)
            yield from items
            meta = body.get("metadata") if isinstance(body, Mapping) else None
            pages = to_int(meta.get("pages")) if isinstance(meta, Mapping) else None
            if not items or pages is None or page >= pages:
                return
            page += 1

    def _collect(self, path: str, per_page: int = 100) -> tuple[list[Any], bool]:
        """Every row of a paged list (first sighting of each id kept) and whether the read is
        known to be complete (see :class:`Listing`)."""
        rows: list[Any] = []
        seen: set[int] = set()
        totals: set[int | None] = set()
        page, pages = 1, None
        while True:
            body = self._call("GET", path, params={"page": page, "per_page": per_page})
            items = results(body)
            for item in items:
                key = to_int(item.get("id", item.get("msg_id")))
                if key is None or key not in seen:
                    rows.append(item)
                if key is not None:
                    seen.add(key)
            meta = body.get("metadata") if isinstance(body, Mapping) else None
            meta = meta if isinstance(meta, Mapping) else {}
            pages = to_int(meta.get("pages"))
            totals.add(to_int(meta.get("total")))
            if not items or pages is None or page >= pages:
                break
            page += 1
        total = next(iter(totals)) if len(totals) == 1 else None
        complete = (total is not None and pages is not None and len(rows) == total
                    and (page >= pages or total == 0))
        return rows, complete

    def _list(self, path: str, cls: type[T]) -> Listing[T]:
        rows, complete = self._collect(path)
        return Listing((self._read(item, cls, "GET", path) for item in rows), complete=complete)

    def _complete(self, wo: WorkOrder) -> WorkOrder:
        """Read page by page each sub-collection the work order embeds only in part (its
        ``metadata.total`` exceeds the rows present). One that came without a total stays in
        ``incomplete`` unread: nothing says more rows exist, but nothing says none do."""
        readers: dict[str, tuple[str, Callable[[int], Listing[Any]]]] = {
            "time_logs": ("time_logs", self.list_time_logs),
            "attachments": ("folders", self.list_folders),
            "signatures": ("signatures", self.list_signatures),
            "contacts": ("contacts", self.list_contacts),
        }
        changes: dict[str, Any] = {}
        incomplete = set(wo.incomplete)
        for name in sorted(wo.incomplete & readers.keys()):
            field, read = readers[name]
            meta = wo.raw.get(name)
            meta = meta.get("metadata") if isinstance(meta, Mapping) else None
            if not isinstance(meta, Mapping) or to_int(meta.get("total")) is None:
                continue
            listing = read(wo.id)
            if listing.complete:
                incomplete.discard(name)
                changes[field] = list(listing)
            else:  # keep every row either read saw; deletions wait for a complete list
                ids = {getattr(row, "id", None) for row in listing}
                changes[field] = [*listing, *(row for row in getattr(wo, field)
                                              if row.id is None or row.id not in ids)]
        return attrs.evolve(wo, incomplete=frozenset(incomplete), **changes)

    @staticmethod
    def _wo(work_order_id: int | str) -> str:
        wo_id = to_int(work_order_id)
        if wo_id is None or wo_id <= 0:
            raise ValueError(f"not a work order id: {work_order_id!r}")
        return f"/workorders/{wo_id}"

    # ------------------------------------------------------------------ work orders

    def get_work_order(self, work_order_id: int | str,
                       columns: Sequence[str] | str | None = None) -> WorkOrder:
        """Fetch one work order; without ``columns`` the full object with its sub-collections.

        Field Nation embeds one page of each sub-collection (with ``metadata.total``); a full
        read fetches the rest of any that came in part from its own endpoint, page by page.
        Whatever is still not known to be complete is named in ``WorkOrder.incomplete``.
        """
        path = self._wo(work_order_id)
        params = {}
        if columns:
            params["columns"] = columns if isinstance(columns, str) else ",".join(columns)
        wo = self._read(self._call("GET", path, params=params), WorkOrder, "GET", path)
        return self._complete(wo) if not columns and wo.incomplete else wo

    def iter_work_orders(self, filters: Mapping[str, Any] | None = None,
                         per_page: int = 100) -> Iterator[WorkOrder]:
        """Iterate over every work order matching ``filters``, page by page.

        Filter names are sent with the ``f_`` prefix (``{"status": 3}`` -> ``f_status=3``);
        ``sort_by``/``sort_direction``/``columns``/``view``/``list``/``sticky`` pass through
        unchanged. ``list`` defaults to ``workorders_all`` and ``sticky`` to ``false``: without
        them Field Nation applies the user's last saved list, which silently changes results.
        """
        params: dict[str, Any] = {"list": DEFAULT_WORK_ORDER_LIST, "sticky": "false"}
        for key, value in (filters or {}).items():
            if value is None:
                continue
            name = key if key.startswith("f_") or key in _LIST_PARAMS else f"f_{key}"
            if isinstance(value, list | tuple | set):
                value = ",".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            params[name] = value
        for item in self._pages("/workorders", params, per_page):
            yield self._read(item, WorkOrder, "GET", "/workorders")

    def create_work_order(self, payload: Mapping[str, Any]) -> WorkOrder:
        """Create a work order (only ``title`` is strictly required; the result is a Draft)."""
        if not payload.get("title"):
            raise ValueError("a work order needs a title")
        return self._read(self._call("POST", "/workorders", json=payload), WorkOrder, "POST",
                          "/workorders")

    def update_work_order(self, work_order_id: int | str,
                          payload: Mapping[str, Any]) -> WorkOrder:
        """Partially update a work order (PUT; only the fields sent change)."""
        path = self._wo(work_order_id)
        body = self._call("PUT", path, json=payload)
        if isinstance(body, Mapping) and ("id" in body or "result" in body):
            return self._read(body, WorkOrder, "PUT", path)
        return self.get_work_order(work_order_id)

    def set_incident_id(self, work_order_id: int | str, incident_id: str) -> WorkOrder:
        """Set the free-text "Incident/Site ID" (where a PSA ticket number naturally goes)."""
        return self.update_work_order(work_order_id, {"incident_id": str(incident_id)})

    def update_location(self, work_order_id: int | str,
                        location: Mapping[str, Any]) -> WorkOrder:
        """Replace the location fields given (``mode``, ``address1``, ``city``, ...)."""
        return self.update_work_order(work_order_id, {"location": dict(location)})

    def cancel_work_order(self, work_order_id: int | str, reason: str) -> None:
        """Cancel (DELETE) a work order; Field Nation requires a ``cancel_reason``."""
        if not reason or not reason.strip():
            raise ValueError("Field Nation requires a cancel reason")
        # Where DELETE takes the reason is not documented; it is sent as a query parameter
        # and, for servers that read the body, as JSON too.
        self._call("DELETE", self._wo(work_order_id), params={"cancel_reason": reason},
                   json={"cancel_reason": reason})

    def publish(self, work_order_id: int | str) -> None:
        """Publish a draft to the marketplace."""
        self._call("POST", self._wo(work_order_id) + "/publish")

    def unpublish(self, work_order_id: int | str) -> None:
        """Take a published work order back to draft."""
        self._call("DELETE", self._wo(work_order_id) + "/publish")

    def route(self, work_order_id: int | str, provider_id: int) -> None:
        """Route the work order to one provider (body ``{technician: {id}}`` per the docs)."""
        self._call("POST", self._wo(work_order_id) + "/route",
                   json={"technician": {"id": int(provider_id)}})

    def assign(self, work_order_id: int | str, provider_id: int) -> None:
        """Assign a provider (``POST /assignee``; body ``{user: {id}}``, shape unconfirmed)."""
        self._call("POST", self._wo(work_order_id) + "/assignee",
                   json={"user": {"id": int(provider_id)}})

    def approve(self, work_order_id: int | str) -> None:
        """Approve a work order whose work is done."""
        self._call("POST", self._wo(work_order_id) + "/approve")

    # ------------------------------------------------------------------ schedule, contacts

    def get_schedule(self, work_order_id: int | str) -> Schedule:
        """Read the service window."""
        path = self._wo(work_order_id) + "/schedule"
        return self._read(self._call("GET", path), Schedule, "GET", path)

    def update_schedule(self, work_order_id: int | str,
                        schedule: Schedule | Mapping[str, Any]) -> Schedule:
        """Change the service window; datetimes are sent as ``{"utc": "YYYY-MM-DD HH:mm:ss"}``.

        ``schedule`` is a :class:`Schedule` or a payload such as
        ``{"service_window": {"mode": "exact", "start": datetime(...)}}``.
        """
        if isinstance(schedule, Schedule):
            if schedule.start is None:
                raise ValueError("a schedule needs a start")
            window: dict[str, Any] = {"mode": schedule.mode or "exact", "start": schedule.start}
            if schedule.end is not None:
                window["end"] = schedule.end
            payload: dict[str, Any] = {"service_window": window}
            if schedule.require_ontime is not None:
                payload["require_ontime"] = schedule.require_ontime
        else:
            payload = dict(schedule)
        path = self._wo(work_order_id) + "/schedule"
        body = self._call("PUT", path, json=payload)
        if isinstance(body, Mapping) and body:
            return self._read(body, Schedule, "PUT", path)
        return self.get_schedule(work_order_id)

    def list_contacts(self, work_order_id: int | str) -> Listing[Contact]:
        """Contacts on the work order."""
        return self._list(self._wo(work_order_id) + "/contacts", Contact)

    def add_contact(self, work_order_id: int | str, contact: Mapping[str, Any]) -> Contact:
        """Add a contact (``name``, ``phone``, ``email``, ``role``)."""
        path = self._wo(work_order_id) + "/contacts"
        return self._read(self._call("POST", path, json=contact), Contact, "POST", path)

    # ------------------------------------------------------------------ custom fields

    def list_custom_fields(self, work_order_id: int | str) -> list[CustomField]:
        """Custom fields of the work order with their values."""
        path = self._wo(work_order_id) + "/custom_fields"
        wo_like = {"id": to_int(work_order_id), "custom_fields": list(self._pages(path))}
        return structure(wo_like, WorkOrder).custom_fields

    def get_custom_field(self, work_order_id: int | str, custom_field_id: int) -> CustomField:
        """One custom field of the work order."""
        path = f"{self._wo(work_order_id)}/custom_fields/{int(custom_field_id)}"
        return self._read(self._call("GET", path), CustomField, "GET", path)

    def set_custom_field(self, work_order_id: int | str, custom_field_id: int,
                         value: object) -> CustomField:
        """Set a custom field's value (values travel as strings)."""
        path = f"{self._wo(work_order_id)}/custom_fields/{int(custom_field_id)}"
        body = self._call("PUT", path, json={"value": "" if value is None else str(value)})
        if isinstance(body, Mapping) and ("id" in body or "result" in body):
            return self._read(body, CustomField, "PUT", path)
        return self.get_custom_field(work_order_id, custom_field_id)

    # ------------------------------------------------------------------ time logs

    def list_time_logs(self, work_order_id: int | str) -> Listing[TimeLog]:
        """Time logs of the work order."""
        return self._list(self._wo(work_order_id) + "/time_logs", TimeLog)

    def _time_log_body(self, start: datetime | None, end: datetime | None,
                       extra: Mapping[str, Any]) -> dict[str, Any]:
        start_key, end_key = self.wire.time_log_keys
        body: dict[str, Any] = dict(extra)
        for key, when in ((start_key, start), (end_key, end)):
            if when is not None:
                stamp = fn_datetime(when)
                body[key] = {"created": stamp} if self.wire.time_log_nested else stamp
        return body

    def create_time_log(self, work_order_id: int | str, start: datetime,
                        end: datetime | None = None, **extra: Any) -> TimeLog:
        """Log time on the work order (``in``/``out`` by default, see ``WireFormat``)."""
        if end is not None and end < start:
            raise ValueError("a time log cannot end before it starts")
        path = self._wo(work_order_id) + "/time_logs"
        body = self._call("POST", path, json=self._time_log_body(start, end, extra))
        return self._pick(body, TimeLog, "POST", path)

    def update_time_log(self, work_order_id: int | str, time_log_id: int, *,
                        start: datetime | None = None, end: datetime | None = None,
                        **extra: Any) -> TimeLog:
        """Change a time log's start and/or end."""
        path = f"{self._wo(work_order_id)}/time_logs/{int(time_log_id)}"
        body = self._call("PUT", path, json=self._time_log_body(start, end, extra))
        return self._pick(body, TimeLog, "PUT", path, want_id=int(time_log_id))

    def delete_time_log(self, work_order_id: int | str, time_log_id: int) -> None:
        """Delete a time log."""
        self._call("DELETE", f"{self._wo(work_order_id)}/time_logs/{int(time_log_id)}")

    def _pick(self, body: Any, cls: type[T], method: str, path: str,
              want_id: int | None = None) -> T:
        """Read a write's answer, which is the object itself or its whole collection."""
        items = results(body)
        if items and not (isinstance(body, Mapping) and "id" in body):
            chosen = next((i for i in items if to_int(i.get("id")) == want_id), items[-1])
            return self._read(chosen, cls, method, path)
        return self._read(body, cls, method, path)

    # ------------------------------------------------------------------ expenses

    def list_expenses(self, work_order_id: int | str) -> Listing[Expense]:
        """Expenses of the work order."""
        return self._list(self._wo(work_order_id) + "/expenses", Expense)

    def create_expense(self, work_order_id: int | str, amount: Decimal | str | int,
                       description: str, *, category_id: int | None = None,
                       quantity: int | None = None, **extra: Any) -> Expense:
        """Add an expense; ``amount`` is sent as a string such as ``"50.00"``."""
        if not description:
            raise ValueError("an expense needs a description")
        body: dict[str, Any] = {"amount": decimal_text(amount), "description": description,
                                **extra}
        if category_id is not None:
            body["category"] = {"id": int(category_id)}
        if quantity is not None:
            body["quantity"] = quantity
        path = self._wo(work_order_id) + "/expenses"
        return self._pick(self._call("POST", path, json=body), Expense, "POST", path)

    def update_expense(self, work_order_id: int | str, expense_id: int,
                       **fields: Any) -> Expense:
        """Change an expense (e.g. ``status="approved"``, ``amount=Decimal("12.50")``).

        ``status`` may be given in either documented vocabulary (``rejected`` or
        ``disapproved``...); it is sent in this client's ``WireFormat`` words.
        """
        if "status" in fields:
            fields["status"] = self.wire.normalise_expense_status(fields["status"])
        path = f"{self._wo(work_order_id)}/expenses/{int(expense_id)}"
        body = self._call("PUT", path, json=fields)
        return self._pick(body, Expense, "PUT", path, want_id=int(expense_id))

    # ------------------------------------------------------------------ messages

    def list_messages(self, work_order_id: int | str) -> Listing[Message]:
        """Messages (with their replies) on the work order, read page by page (``/messages`` is
        paged; the work order itself carries only their count)."""
        return self._list(self._wo(work_order_id) + "/messages", Message)

    def post_message(self, work_order_id: int | str, text: str, type: str = "INTERNAL",
                     **extra: Any) -> Message:
        """Post a message. The default ``INTERNAL`` is hidden from providers; pass
        ``type="ASSIGNEDTECH"`` to address the assigned technician."""
        if not text:
            raise ValueError("a message needs text")
        path = self._wo(work_order_id) + "/messages"
        body = self._call("POST", path, json={"message": text, "type": type, **extra})
        return self._read(body, Message, "POST", path)

    def reply_message(self, work_order_id: int | str, message_id: str, text: str,
                      **extra: Any) -> Message:
        """Reply to a message thread."""
        if not text:
            raise ValueError("a reply needs text")
        path = f"{self._wo(work_order_id)}/messages/{message_id}"
        body = self._call("POST", path, json={"message": text, **extra})
        return self._read(body, Message, "POST", path)

    # ------------------------------------------------------------------ attachments

    def list_folders(self, work_order_id: int | str) -> Listing[Folder]:
        """Attachment folders with their files."""
        return self._list(self._wo(work_order_id) + "/attachments", Folder)

    def create_folder(self, work_order_id: int | str, name: str) -> Folder:
        """Create an attachment folder."""
        path = self._wo(work_order_id) + "/attachments"
        body = self._call("POST", path, json={"name": name})
        if isinstance(body, Mapping) and "id" not in body and results(body):
            named = [f for f in results(body) if f.get("name") == name]
            body = named[-1] if named else body
        return self._read(body, Folder, "POST", path)

    def delete_folder(self, work_order_id: int | str, folder_id: int) -> None:
        """Delete an attachment folder."""
        self._call("DELETE", f"{self._wo(work_order_id)}/attachments/{int(folder_id)}")

    def upload_file(self, work_order_id: int | str, folder_id: int, name: str,
                    content: bytes | IO[bytes], notes: str | None = None) -> Attachment:
        """Upload a file (multipart field ``file``, optional ``notes``) into a folder."""
        path = f"{self._wo(work_order_id)}/attachments/{int(folder_id)}"
        data = {"notes": notes} if notes is not None else None
        body = self._call("POST", path, files={"file": (name, content)}, data=data)
        if isinstance(body, Mapping) and "id" not in body:
            files = results(body) or results(body.get("files"))
            named = [f for f in files if _file_name(f) == name]
            if named:
                body = max(named, key=lambda f: to_int(f.get("id")) or 0)
        att = self._read(body, Attachment, "POST", path)
        return att if att.folder_id is not None else structure(
            {**att.raw, "folder_id": int(folder_id)}, Attachment)

    def update_attachment(self, work_order_id: int | str, folder_id: int, attachment_id: int,
                          **fields: Any) -> Attachment:
        """Change a file's review ``status`` (PENDING/APPROVED/DENIED), ``notes``, visibility."""
        path = f"{self._wo(work_order_id)}/attachments/{int(folder_id)}/{int(attachment_id)}"
        body = self._call("PUT", path, json=fields)
        att = self._pick(body, Attachment, "PUT", path, want_id=int(attachment_id))
        return att if att.folder_id is not None else structure(
            {**att.raw, "folder_id": int(folder_id)}, Attachment)

    def delete_attachment(self, work_order_id: int | str, folder_id: int,
                          attachment_id: int) -> None:
        """Delete a file."""
        self._call("DELETE",
                   f"{self._wo(work_order_id)}/attachments/{int(folder_id)}/{int(attachment_id)}")

    def download(self, link: str) -> bytes:
        """Fetch a file's bytes from its ``link``.

        The token is attached only when the link points at the API host; links elsewhere
        (signed storage URLs) are fetched without it, so the token never leaves Field Nation.
        """
        auth: Auth = "wire" if self._core.is_api_url(self._core.url(link)) else "none"
        return self._core.request("GET", link, auth=auth).content

    @contextlib.contextmanager
    def stream(self, link: str, chunk_size: int = 65536) -> Iterator[Iterator[bytes]]:
        """Stream a large file: ``with fn.stream(link) as chunks: for chunk in chunks: ...``."""
        auth: Auth = "wire" if self._core.is_api_url(self._core.url(link)) else "none"
        with self._core.stream("GET", link, auth=auth, chunk_size=chunk_size) as chunks:
            yield chunks

    # ------------------------------------------------------------------ signatures

    def list_signatures(self, work_order_id: int | str) -> Listing[Signature]:
        """Signatures captured on the work order."""
        return self._list(self._wo(work_order_id) + "/signatures", Signature)

    def create_signature(self, work_order_id: int | str, name: str, data: str,
                         title: str | None = None) -> Signature:
        """Add a signature; ``data`` is a ``data:image/png;base64,...`` URI."""
        body: dict[str, Any] = {"name": name, "signature": data}
        if title is not None:
            body["title"] = title
        path = self._wo(work_order_id) + "/signatures"
        return self._pick(self._call("POST", path, json=body), Signature, "POST", path)

    def delete_signature(self, work_order_id: int | str, signature_id: int) -> None:
        """Delete a signature."""
        self._call("DELETE", f"{self._wo(work_order_id)}/signatures/{int(signature_id)}")
