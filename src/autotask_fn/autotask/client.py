"""``AutotaskClient``: typed access to the Autotask PSA REST API (v1.0)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from autotask_fn._version import __version__
from autotask_fn.autotask._http import Requester, logger
from autotask_fn.autotask.errors import (
    AutotaskError,
    AutotaskNotFoundError,
    AutotaskPicklistError,
)
from autotask_fn.autotask.limits import Limiter, LocalLimiter
from autotask_fn.autotask.metadata import (
    EntityInfo,
    FieldInfo,
    Picklist,
    ThresholdInfo,
    TTLCache,
    _get,
)
from autotask_fn.autotask.paging import QueryPager
from autotask_fn.autotask.query import (
    Filter,
    check_udf_limit,
    normalize_filters,
    split_for_sending,
    to_wire,
)
from autotask_fn.autotask.routes import ROUTES as KNOWN_ROUTES
from autotask_fn.autotask.routes import require, route_for
from autotask_fn.autotask.stats import RequestStats
from autotask_fn.autotask.upload import StreamedBase64
from autotask_fn.autotask.zone import DEFAULT_ZONE_URL, ZoneInfo, discover_zone
from autotask_fn.errors import ConfigurationError

if TYPE_CHECKING:
    from autotask_fn.autotask.check import ConnectionReport
    from autotask_fn.autotask.models import Model

__all__ = ["INTEGRATION_CODE_ENV", "METADATA_CACHE_TTL", "PAGE_SIZE", "AutotaskClient"]

#: Environment variable holding the distributor's default integration code.
INTEGRATION_CODE_ENV = "AUTOTASK_FN_INTEGRATION_CODE"
#: How long field/UDF/entity metadata is cached (seconds), per tenant and API user.
METADATA_CACHE_TTL = 3600.0
#: Autotask's maximum page size.
PAGE_SIZE = 500

#: Keys: (tenant key, entity, kind); the tenant key is (base URL, zone ``ci``, username,
#: a keyed digest of the credentials): tenants sharing a zone never share metadata.
_METADATA_CACHE: TTLCache[tuple[tuple[str, ...], str, str], Any] = TTLCache(METADATA_CACHE_TTL)
#: Per-process key of the credential digest (the digest never leaves the process).
_CACHE_SALT = os.urandom(16)

M = TypeVar("M", bound="Model")

_MISSING_CODE = (
    "No Autotask integration code: pass integration_code=..., or have the distributor of this "
    f"host set the default in the {INTEGRATION_CODE_ENV} environment variable. A code is "
    "issued under Autotask Admin > Extensions & Integrations > Other Extensions & Tools > "
    "Integration Center, or by Autotask Support."
)


def clear_metadata_cache() -> None:
    """Forget all cached entity metadata (fields, UDFs, entity information) of every tenant.

    :meth:`AutotaskClient.forget_metadata` forgets one tenant's only.
    """
    _METADATA_CACHE.clear()


@contextlib.contextmanager
def _reading(entity: str, method: str) -> Iterator[None]:
    """Turn a malformed answer body (wrong JSON shape or types) into a typed AutotaskError.

    Only the reading of a body runs inside: argument checks made before a request keep their
    own exceptions.
    """
    try:
        yield
    except AutotaskError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        raise AutotaskError(
            f"Autotask answered {method} {entity} with a body of an unexpected shape "
            f"({type(exc).__name__})", entity=entity, method=method,
        ) from None


def _item_id(body: Any, entity: str, method: str) -> int:
    value = _get(body, "itemId") if isinstance(body, dict) else None
    if value is None:
        raise AutotaskError(
            f"Autotask answered {method} {entity} without an itemId", entity=entity,
            method=method,
        )
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = "not an id"
    with _reading(entity, method):
        return int(value)


class AutotaskClient:
    """A client for one Autotask API user.

    ``integration_code`` may be omitted: the distributor's default from the
    ``AUTOTASK_FN_INTEGRATION_CODE`` environment variable is used; without either,
    :class:`~autotask_fn.ConfigurationError` says where to get one.

    The REST base is discovered from the username on first use (``zone``) unless ``base_url`` is
    given. The tenant id (:attr:`tenant_id`, the zone's ``ci``; it scopes every link the sync
    keeps) is ``tenant_id`` when given, else it comes from zone discovery at ``zone_url``, also
    when ``base_url`` is given. With both ``base_url`` and ``tenant_id`` the client never asks
    zone discovery. Pass ``http_client`` (an ``httpx.Client`` you own) or ``transport`` to
    control pooling or to talk to a fake. ``limiter`` (default: a fresh :class:`LocalLimiter`
    for this process: 3 requests in flight per endpoint, the attachment byte budget, the hourly
    threshold read every 250 requests; pass a shared one for many workers, or ``NoLimiter()`` to
    switch limiting off) keeps requests within Autotask's limits;
    ``max_retries`` applies to requests that are safe to repeat. A discovered zone URL that
    is not ``https`` is refused unless ``allow_http`` (or zone lookup and zone are both on
    this machine, as with the served fakes).
    """

    def __init__(
        self,
        username: str,
        secret: str,
        integration_code: str | None = None,
        *,
        base_url: str | None = None,
        zone_url: str = DEFAULT_ZONE_URL,
        tenant_id: int | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        limiter: Limiter | None = None,
        impersonation_resource_id: int | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        allow_http: bool = False,
    ) -> None:
        if not username or not secret:
            raise ConfigurationError("AutotaskClient needs the API username and its secret")
        code = integration_code or os.environ.get(INTEGRATION_CODE_ENV, "").strip()
        if not code:
            raise ConfigurationError(_MISSING_CODE)
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass either http_client or transport, not both")
        self.username = username
        self._secret = secret
        self._code = code
        self._explicit_base = _with_slash(base_url) if base_url else None
        self.zone_url = _with_slash(zone_url)
        self._tenant_id = int(tenant_id) if tenant_id is not None else None
        self._allow_http = allow_http
        self.impersonation_resource_id = impersonation_resource_id
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=timeout)
        self._limiter: Limiter = limiter if limiter is not None else LocalLimiter()
        self.stats = RequestStats()
        headers = {
            "ApiIntegrationCode": code,
            "UserName": username,
            "Secret": secret,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": f"autotask-fn/{__version__}",
        }
        if impersonation_resource_id is not None:
            headers["ImpersonationResourceId"] = str(int(impersonation_resource_id))
        self._requester = Requester(
            self._http, headers=headers, secrets=(secret, code), limiter=self._limiter,
            stats=self.stats, max_retries=max_retries, timeout=timeout, sleep=sleep,
        )
        self._sleep = sleep
        self._zone: ZoneInfo | None = None
        self._zone_lock = threading.Lock()
        self._since_threshold = 0
        self._threshold_lock = threading.Lock()
        #: False once the tenant refused a paging link: later queries continue with id gt.
        self._follow_page_links = True
        #: ``ticketID`` until the tenant refuses it on TicketAttachments, then ``parentID``.
        self._ticket_attachment_field = "ticketID"

    # -- housekeeping -----------------------------------------------------------------
    def __repr__(self) -> str:
        where = self._explicit_base or (self._zone.url if self._zone else "zone not discovered")
        return f"AutotaskClient(username={self.username!r}, base_url={where!r})"

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> AutotaskClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def limiter(self) -> Limiter:
        """The limiter in use (a :class:`LocalLimiter` when none was given)."""
        return self._limiter

    # -- zone ---------------------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        """The tenant's zone (discovered on first use, cached per username)."""
        if self._zone is None:
            with self._zone_lock:
                if self._zone is None:
                    self._zone = discover_zone(
                        self.username, zone_url=self.zone_url, requester=self._requester,
                        allow_http=self._allow_http,
                    )
        return self._zone

    @property
    def tenant_id(self) -> int | None:
        """The tenant id (zone ``ci``): the configured ``tenant_id``, else from zone discovery."""
        if self._tenant_id is not None:
            return self._tenant_id
        return self.zone.ci

    @property
    def base_url(self) -> str:
        """The REST base URL (``.../ATServicesRest/``), discovering the zone when needed."""
        return self._explicit_base or self.zone.url

    def _url(self, path: str) -> str:
        return f"{self.base_url}V1.0/{path}"

    def _send(
        self, method: str, path: str, *, entity: str, json: Any = None,
        idempotent: bool | None = None, url: str | None = None,
    ) -> Any:
        body = self._requester.request(
            method, url or self._url(path), entity=entity, endpoint=thread_endpoints(path, entity),
            json=json, idempotent=idempotent,
        )
        self._maybe_poll_threshold()
        return body

    def _maybe_poll_threshold(self) -> None:
        every = int(getattr(self._limiter, "threshold_every", 0) or 0)
        if every <= 0:
            return
        with self._threshold_lock:
            self._since_threshold += 1
            due = self._since_threshold >= every
            if due:
                self._since_threshold = 0
        if due:
            try:
                self.threshold()
            except AutotaskError as exc:  # a failed poll must not fail the caller's request
                logger.warning("could not read ThresholdInformation: %s", exc)

    # -- CRUD ---------------------------------------------------------------------------
    def get(self, entity: str, id: int) -> dict[str, Any] | None:
        """The record ``id`` of ``entity``, or None when it does not exist.

        Autotask answers an unknown id with 200 ``{"item": null}``; some clients report a 404
        instead. Both mean "not found" for an entity this client knows (a 404 for an entity
        name it does not know still raises: the route itself may be wrong).
        """
        route = route_for(entity)
        try:
            body = self._send("GET", f"{route.entity}/{int(id)}", entity=route.entity)
        except AutotaskNotFoundError:
            if route.entity.lower() not in KNOWN_ROUTES:
                raise
            return None
        item = _get(body, "item") if isinstance(body, dict) else None
        return dict(item) if isinstance(item, dict) else None

    def create(
        self, entity: str, fields: Mapping[str, Any], parent_id: int | None = None,
        *, budget_cleared: bool = False,
    ) -> int:
        """Create a record and return its id.

        Child entities are posted to their parent's URL; ``parent_id`` defaults to the parent
        reference in ``fields`` (``ticketID``, ``expenseReportID``, ``companyID``...).
        Attachment bytes (``data``) are first cleared with the limiter's attachment budget,
        unless ``budget_cleared`` says the caller already did (the sync defers instead of
        waiting).
        """
        route = route_for(entity)
        require(route, "create")
        pid = parent_id if parent_id is not None else route.parent_id_from(fields)
        path = route.write_path(pid)
        if "attachment" in route.entity.lower() and not budget_cleared:
            self._wait_attachment_budget(fields)
        body = self._send("POST", path, entity=route.entity, json=to_wire(dict(fields)))
        return _item_id(body, route.entity, "POST")

    def update(
        self, entity: str, fields: Mapping[str, Any], parent_id: int | None = None
    ) -> int:
        """PATCH only the given fields of the record whose ``id`` is in ``fields``."""
        return self._write("PATCH", "update", entity, fields, parent_id)

    def replace(
        self, entity: str, fields: Mapping[str, Any], parent_id: int | None = None
    ) -> int:
        """PUT the whole record: Autotask sets omitted writable fields to null."""
        return self._write("PUT", "replace", entity, fields, parent_id)

    def _write(
        self, method: str, verb: str, entity: str, fields: Mapping[str, Any],
        parent_id: int | None,
    ) -> int:
        route = route_for(entity)
        require(route, verb)
        if _get(fields, "id") is None:
            raise ValueError(f"{verb} of {route.entity} needs the record id in the fields")
        pid = parent_id if parent_id is not None else route.parent_id_from(fields)
        if route.is_child and pid is None:
            pid = self._parent_of(route.entity, int(_get(fields, "id")))
        body = self._send(method, route.write_path(pid), entity=route.entity,
                          json=to_wire(dict(fields)))
        return _item_id(body, route.entity, method)

    def delete(self, entity: str, id: int, parent_id: int | None = None) -> None:
        """Delete a record where Autotask allows it (raises before any request otherwise)."""
        route = route_for(entity)
        require(route, "delete")
        pid = parent_id
        if route.is_child and pid is None:
            pid = self._parent_of(route.entity, int(id))
        self._send("DELETE", route.delete_path(int(id), pid), entity=route.entity)

    def _parent_of(self, entity: str, id: int) -> int:
        route = route_for(entity)
        record = self.get(entity, id)
        if record is None:
            raise AutotaskNotFoundError(f"{entity} {id} does not exist", entity=entity)
        pid = route.parent_id_from(record)
        if pid is None:
            raise AutotaskError(f"{entity} {id} names no parent", entity=entity)
        return pid

    def _wait_attachment_budget(self, fields: Mapping[str, Any]) -> None:
        data = _get(fields, "data")
        if isinstance(data, bytes):
            data = data.decode("ascii", "replace")
        if isinstance(data, StreamedBase64):
            nbytes = data.size
        elif isinstance(data, str):
            nbytes = len(data) * 3 // 4 - data[-2:].count("=")  # decoded size of the base64
        else:
            return
        while True:
            wait = self._limiter.attachment_budget(max(0, nbytes))
            if wait <= 0:
                return
            logger.info("attachment budget exhausted: waiting %.1f s", wait)
            self._sleep(wait)

    # -- queries ------------------------------------------------------------------------
    def query(
        self,
        entity: str,
        filter: Filter | Sequence[Filter] | None = None,
        include_fields: Iterable[str] | None = None,
        max_records: int | None = None,
        *,
        method: str = "POST",
    ) -> Iterator[dict[str, Any]]:
        """Records matching ``filter`` (one Filter, a sequence ANDed, or None for all).

        Pages are fetched lazily as the iterator advances. A POST query (the default) follows
        ``nextPageUrl`` with a POST of the same body, a ``method="GET"`` query
        (``query?search=``) with a GET. When a next page cannot be followed, the query is
        repeated with ``id gt <largest id received>`` (the vendor's alternative to paging
        links) and the total is checked against ``query/count``; a result that cannot be
        completed raises :class:`~autotask_fn.autotask.errors.AutotaskPagingError`, never
        ends short. Long ``in`` lists are split into several queries; records are yielded
        once per id.
        """
        method = method.upper()
        if method not in ("POST", "GET"):
            raise ValueError("a query is sent with POST or GET")
        route = route_for(entity)
        filters = normalize_filters(filter)
        check_udf_limit(filters, route.entity)
        include = list(include_fields) if include_fields is not None else None
        if include is not None and not any(f.lower() == "id" for f in include):
            include.insert(0, "id")  # needed for paging and de-duplication
        if max_records is not None and max_records < 1:
            raise ValueError("max_records must be at least 1")
        return self._iterate(
            route.entity, split_for_sending(filters), include, max_records, method
        )

    def _iterate(
        self, entity: str, batches: list[list[Filter]], include: list[str] | None,
        max_records: int | None, method: str,
    ) -> Iterator[dict[str, Any]]:
        seen: set[Any] = set()
        yielded = 0
        for batch in batches:
            body: dict[str, Any] = {"filter": [f.to_api() for f in batch]}
            if include is not None:
                body["IncludeFields"] = include
            if max_records is not None and max_records <= PAGE_SIZE:
                body["MaxRecords"] = max_records
            for item in QueryPager(self, entity, body, method):
                key = _get(item, "id")
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                yield item
                yielded += 1
                if max_records is not None and yielded >= max_records:
                    return

    def count(self, entity: str, filter: Filter | Sequence[Filter] | None = None) -> int:
        """How many records match ``filter`` (``query/count``; long ``in`` lists summed)."""
        route = route_for(entity)
        filters = normalize_filters(filter)
        check_udf_limit(filters, route.entity)
        total = 0
        for batch in split_for_sending(filters):
            body = self._send(
                "POST", f"{route.entity}/query/count", entity=route.entity,
                json={"filter": [f.to_api() for f in batch]}, idempotent=True,
            )
            with _reading(route.entity, "POST"):
                if not isinstance(body, dict):
                    raise TypeError("a count answer is not a JSON object")
                value = _get(body, "queryCount", 0) or 0
                if isinstance(value, bool) or not isinstance(value, int | str):
                    raise TypeError("queryCount is not a number")
                total += int(value)
        return total

    # -- metadata -------------------------------------------------------------------------
    def _tenant_key(self) -> tuple[str, ...]:
        """Whose metadata this is: base URL, zone ``ci``, username and a credential digest.

        Picklists, UDFs and the API user's access flags belong to one tenant and one user:
        two tenants on one zone (one base URL) must not share them.
        """
        ci = "" if self._explicit_base else str(self.zone.ci)
        digest = hashlib.blake2b(f"{self._secret}\0{self._code}".encode(), key=_CACHE_SALT,
                                 digest_size=16).hexdigest()
        return (self.base_url.lower(), ci, self.username.casefold(), digest)

    def _metadata(self, entity: str, kind: str, load: Callable[[], Any]) -> Any:
        key = (self._tenant_key(), entity.lower(), kind)
        return _METADATA_CACHE.get_or_load(key, load)

    def forget_metadata(self) -> None:
        """Forget this tenant's cached metadata: the next reads ask Autotask again."""
        tenant = self._tenant_key()
        _METADATA_CACHE.discard(lambda key: key[0] == tenant)

    def entity_information(self, entity: str) -> EntityInfo:
        """What ``entity`` supports and what this API user may do with it (cached)."""
        route = route_for(entity)

        def load() -> EntityInfo:
            body = self._send("GET", f"{route.entity}/entityInformation", entity=route.entity)
            with _reading(route.entity, "GET"):
                return EntityInfo.from_api(_object(body, "info"))

        info: EntityInfo = self._metadata(route.entity, "info", load)
        return info

    def fields(self, entity: str) -> list[FieldInfo]:
        """The field definitions of ``entity`` (cached for ``METADATA_CACHE_TTL``)."""
        route = route_for(entity)

        def load() -> tuple[FieldInfo, ...]:
            body = self._send(
                "GET", f"{route.entity}/entityInformation/fields", entity=route.entity
            )
            with _reading(route.entity, "GET"):
                return tuple(FieldInfo.from_api(f) for f in _objects(body, "fields"))

        return list(self._metadata(route.entity, "fields", load))

    def udfs(self, entity: str) -> list[FieldInfo]:
        """The user-defined field definitions of ``entity`` (cached)."""
        route = route_for(entity)

        def load() -> tuple[FieldInfo, ...]:
            body = self._send(
                "GET", f"{route.entity}/entityInformation/userDefinedFields",
                entity=route.entity,
            )
            with _reading(route.entity, "GET"):
                return tuple(FieldInfo.from_api(f, udf=True) for f in _objects(body, "fields"))

        return list(self._metadata(route.entity, "udfs", load))

    def field(self, entity: str, name: str) -> FieldInfo:
        """One field (or UDF) definition by case-insensitive name."""
        wanted = name.lower()
        for info in self.fields(entity):
            if info.name.lower() == wanted:
                return info
        for info in self.udfs(entity):
            if info.name.lower() == wanted:
                return info
        raise AutotaskPicklistError(f"{entity} has no field {name!r}", entity=entity)

    def picklist(self, entity: str, field: str) -> Picklist:
        """Label <-> value helpers for a picklist field (or picklist UDF)."""
        info = self.field(entity, field)
        if not info.is_picklist:
            raise AutotaskPicklistError(f"{entity}.{info.name} is not a picklist", entity=entity)
        return Picklist(route_for(entity).entity, info)

    def threshold(self) -> ThresholdInfo:
        """The tenant's hourly request budget and usage (also reported to the limiter)."""
        body = self._requester.request(
            "GET", self._url("ThresholdInformation"), entity="ThresholdInformation",
            endpoint="ThresholdInformation",
        )
        with _reading("ThresholdInformation", "GET"):
            if body is not None and not isinstance(body, dict):
                raise TypeError("ThresholdInformation is not a JSON object")
            info = ThresholdInfo.from_api(body or {})
        self._limiter.observe_threshold(info)
        return info

    def check_connection(
        self, entities: Mapping[str, Sequence[str]] | None = None, *, fresh: bool = True
    ) -> ConnectionReport:
        """Check zone, credentials, integration code, access and budget without writing.

        ``entities`` maps each entity to the actions needed on it (default
        :data:`~autotask_fn.autotask.check.DEFAULT_ENTITIES`; a connector passes
        ``ConnectorSettings.required_access()``). With ``fresh`` (default) this tenant's
        cached metadata is forgotten first, so access granted a minute ago is seen.
        """
        from autotask_fn.autotask.check import DEFAULT_ENTITIES, run_check

        return run_check(self, DEFAULT_ENTITIES if entities is None else entities, fresh=fresh)

    # -- typed models ---------------------------------------------------------------------
    def get_model(self, model: type[M], id: int) -> M | None:
        """``get`` returning a typed model (or None)."""
        data = self.get(model.ENTITY, id)
        return None if data is None else model.from_api(data)

    def create_model(self, model: M) -> M:
        """Create the record from the fields set on ``model``; returns a copy with its id."""
        import attrs

        new_id = self.create(model.ENTITY, model.to_api())
        return attrs.evolve(model, id=new_id)

    def update_model(self, model: M) -> int:
        """PATCH the fields set on ``model`` (its ``id`` must be set)."""
        return self.update(model.ENTITY, model.to_api())


def _object(body: Any, key: str) -> Mapping[str, Any]:
    """``body[key]`` as a JSON object (``{}`` when absent); TypeError for another shape."""
    if not isinstance(body, dict):
        raise TypeError("the answer is not a JSON object")
    value = _get(body, key) or {}
    if not isinstance(value, dict):
        raise TypeError(f"{key} is not a JSON object")
    return value


def _objects(body: Any, key: str) -> list[Mapping[str, Any]]:
    """``body[key]`` as a list of JSON objects (``[]`` when absent); TypeError otherwise."""
    if not isinstance(body, dict):
        raise TypeError("the answer is not a JSON object")
    value = _get(body, key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(f"{key} is not a list of JSON objects")
    return value


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def thread_endpoints(path: str, entity: str) -> tuple[str, ...]:
    """The thread-limit endpoints a request counts against.

    Autotask limits concurrent threads "per object endpoint"; whether a child URL such as
    ``Tickets/1/Notes`` counts against ``Tickets`` (its URL root) or ``TicketNotes`` (its
    entity) is not documented, so a request holds a slot on both when they differ (the
    stricter reading): ``("Tickets", "TicketNotes")``.
    """
    root = path.split("/", 1)[0]
    if not root or root.lower() == entity.lower():
        return (entity,)
    return (root, entity)
