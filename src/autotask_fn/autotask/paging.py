"""Walking the pages of one Autotask query, and what to do when a page cannot be followed.

A POST query's ``nextPageUrl`` (``…/{Entity}/query/next?paging=…``) accepts only a POST of the
same JSON body as the first query; a GET there answers 405 (live report: autotask-mcp PR 170).
A GET query (``query?search=…``) is followed with GET. A relative link is resolved against the
zone's REST base; a link to another host is never sent the credentials.

When a next page cannot be followed (refused, another host, a loop), the query is repeated
with ``id gt <largest id received>``, the alternative the vendor's pagination documentation
recommends, until a page says there is no more; queries cannot be sorted, so the largest id
received is tracked, and the number of distinct records is then checked against
``query/count``. A result that cannot be completed raises
:class:`~autotask_fn.autotask.errors.AutotaskPagingError`: a query never ends short without
saying so. Failures that are not about paging (credentials, permissions, rate
limits, an outage or a lost connection, each already retried where that is safe) keep their own
type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from autotask_fn.autotask._http import logger
from autotask_fn.autotask.errors import (
    AutotaskAuthError,
    AutotaskError,
    AutotaskPagingError,
    AutotaskPermissionError,
    AutotaskRateLimitError,
    AutotaskServerError,
    AutotaskTransportError,
    AutotaskUnsupportedOperation,
)
from autotask_fn.autotask.metadata import _get
from autotask_fn.autotask.query import id_value

if TYPE_CHECKING:
    from autotask_fn.autotask.client import AutotaskClient

__all__ = ["QueryPager", "resolve_page_url"]


def resolve_page_url(base_url: str, next_url: str) -> str:
    """The absolute URL of a paging link, resolved against the REST base (``…/ATServicesRest/``).

    An absolute link is returned as it is; ``/ATServicesRest/V1.0/…`` is resolved against the
    base's origin, ``V1.0/…`` against the base, and anything else (``Tickets/query/next?…``)
    against the base's ``V1.0/``.
    """
    target = urlsplit(next_url)
    if target.scheme or target.netloc:
        return next_url
    base = urlsplit(base_url)
    if next_url.startswith("/"):
        return f"{base.scheme}://{base.netloc}{next_url}"
    if next_url.lower().startswith("v1.0/"):
        return base_url + next_url
    return f"{base_url}V1.0/{next_url}"


def _page_parts(entity: str, method: str, page: Any) -> tuple[list[dict[str, Any]], Any]:
    from autotask_fn.autotask.client import _reading

    with _reading(entity, method):
        if not isinstance(page, dict):
            raise TypeError("a query page is not a JSON object")
        items = _get(page, "items") or []
        details = _get(page, "pageDetails") or {}
        if not isinstance(items, list) or not isinstance(details, dict):
            raise TypeError("items/pageDetails of the wrong type")
        records = [dict(i) for i in items]  # TypeError/ValueError for non-objects
        return records, _get(details, "nextPageUrl")


#: Failures that say nothing about the paging link (credentials, limits, an outage): they keep
#: their own type, so the caller retries or reports them as usual.
_NOT_ABOUT_PAGING = (AutotaskAuthError, AutotaskPermissionError, AutotaskRateLimitError,
                     AutotaskServerError, AutotaskTransportError)


def _record_id(record: dict[str, Any]) -> int | None:
    return id_value(_get(record, "id"))


class QueryPager:
    """The records of one query body, page by page (iterate it once).

    ``method`` is how the first page was asked for (``POST`` with the body, or ``GET`` with
    ``?search=``); next pages are asked for the same way.
    """

    def __init__(
        self, client: AutotaskClient, entity: str, body: dict[str, Any], method: str = "POST"
    ) -> None:
        self.client = client
        self.entity = entity
        self.body = body
        self.method = method.upper()
        self.received: set[int] = set()
        self.largest: int | None = None

    # -- requests -----------------------------------------------------------------------
    def _query(self, body: dict[str, Any]) -> Any:
        path = f"{self.entity}/query"
        if self.method == "GET":
            search = json.dumps(body, separators=(",", ":"))
            url = self.client._url(path) + "?" + urlencode({"search": search})
            return self.client._send("GET", path, entity=self.entity, url=url)
        return self.client._send("POST", path, entity=self.entity, json=body, idempotent=True)

    def _follow(self, next_url: str, visited: set[str]) -> Any:
        base_url = self.client.base_url
        url = resolve_page_url(base_url, next_url)
        target, base = urlsplit(url), urlsplit(base_url)
        if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
            # Never send the credentials to a host other than the tenant's zone.
            raise AutotaskPagingError(
                "Autotask's nextPageUrl points to another host", entity=self.entity,
                method=self.method, url=f"{target.scheme}://{target.netloc}/",
            )
        if url in visited:
            raise AutotaskPagingError(
                "Autotask returned the same nextPageUrl twice (paging loop)",
                entity=self.entity, method=self.method, url=url,
            )
        visited.add(url)
        path = f"{self.entity}/query"
        if self.method == "GET":
            return self.client._send("GET", path, entity=self.entity, url=url)
        return self.client._send(
            "POST", path, entity=self.entity, url=url, json=self.body, idempotent=True
        )

    # -- iteration ----------------------------------------------------------------------
    def _take(self, page: Any) -> tuple[list[dict[str, Any]], Any]:
        records, next_url = _page_parts(self.entity, self.method, page)
        for record in records:
            rid = _record_id(record)
            if rid is not None:
                self.received.add(rid)
                if self.largest is None or rid > self.largest:
                    self.largest = rid
        return records, next_url

    def __iter__(self) -> Iterator[dict[str, Any]]:
        records, next_url = self._take(self._query(self.body))
        yield from records
        visited: set[str] = set()
        reason: str | None = None
        while next_url:
            if not self.client._follow_page_links:
                reason = "paging links were refused earlier on this tenant"
                break
            try:
                page = self._follow(str(next_url), visited)
            except _NOT_ABOUT_PAGING:
                raise
            except AutotaskError as exc:
                if isinstance(exc, AutotaskUnsupportedOperation):
                    self.client._follow_page_links = False  # the tenant refuses the verb
                reason = str(exc)
                break
            records, next_url = self._take(page)
            yield from records
        if reason is not None:
            yield from self._by_id(reason)

    def _by_id(self, reason: str) -> Iterator[dict[str, Any]]:
        """Repeat the query with ``id gt <largest id received>`` until no page says more."""
        entity = self.entity
        if self.largest is None:
            raise AutotaskPagingError(
                f"the {entity} query cannot be completed: {reason}; and its records carry no "
                "id to continue from", entity=entity, method=self.method,
            )
        logger.warning("%s query: a next page could not be followed (%s); continuing with "
                       "id gt %d", entity, reason, self.largest)
        while True:
            after = self.largest
            body = {**self.body, "filter": [
                *self.body["filter"], {"op": "gt", "field": "id", "value": after}]}
            try:
                records, next_url = self._take(self._query(body))
            except _NOT_ABOUT_PAGING:
                raise
            except AutotaskError as exc:
                raise AutotaskPagingError(
                    f"the {entity} query cannot be completed: {reason}; repeating it with "
                    f"id gt {after} failed too: {exc}", entity=entity, method=self.method,
                ) from exc
            fresh = [r for r in records if (_record_id(r) or 0) > after]
            if records and self.largest is not None and self.largest <= after:
                raise AutotaskPagingError(
                    f"the {entity} query cannot be completed: {reason}; repeating it with "
                    f"id gt {after} made no progress", entity=entity, method=self.method,
                )
            yield from fresh
            if not records or not next_url:
                break
        self._check_total(reason)

    def _check_total(self, reason: str) -> None:
        """Queries cannot be sorted: make sure ``id gt`` did not pass over any record."""
        entity = self.entity
        try:
            answer = self.client._send(
                "POST", f"{entity}/query/count", entity=entity,
                json={"filter": self.body["filter"]}, idempotent=True,
            )
            total = int(_get(answer, "queryCount", 0) or 0) if isinstance(answer, dict) else -1
        except (AutotaskError, TypeError, ValueError) as exc:
            raise AutotaskPagingError(
                f"the {entity} query was completed with id gt after {reason}, but its total "
                f"could not be checked: {exc}", entity=entity, method=self.method,
            ) from None
        if total < 0 or total > len(self.received):
            raise AutotaskPagingError(
                f"the {entity} query returned {len(self.received)} of {total} records "
                f"(after {reason}, continuing with id gt skipped some)",
                entity=entity, method=self.method,
            )
