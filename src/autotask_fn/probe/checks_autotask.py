"""Read-only checks of the Autotask rows: zone, credentials, paging, queries, metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autotask_fn.probe.checks import check
from autotask_fn.probe.context import (
    UNKNOWN_USER,
    Answer,
    Finding,
    NotChecked,
    ProbeContext,
    finding,
)

_ALL = [{"op": "gte", "field": "id", "value": 0}]


def _items(answer: Answer) -> list[Mapping[str, Any]]:
    items = answer.body.get("items") if isinstance(answer.body, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _details(answer: Answer) -> Mapping[str, Any]:
    details = answer.body.get("pageDetails") if isinstance(answer.body, Mapping) else None
    return details if isinstance(details, Mapping) else {}


def _refused(answer: Answer) -> bool:
    return answer.status >= 400


# -- zone and credentials --------------------------------------------------------------
@check("AT-ZONE-ANSWER")
def zone_answer(p: ProbeContext) -> Finding:
    """Zone discovery answers the four fields; an unknown user answers 500 with a text."""
    base = p.autotask.zone_url
    known = p.autotask._http.get(f"{base}v1.0/zoneInformation",
                                 params={"user": p.autotask.username}, timeout=60.0)
    unknown = p.autotask._http.get(f"{base}v1.0/zoneInformation",
                                   params={"user": UNKNOWN_USER}, timeout=60.0)
    try:
        body = known.json()
    except ValueError:
        body = {}
    keys = sorted(k for k in ("zoneName", "url", "webUrl", "ci") if k in body)
    if isinstance(body, Mapping) and body.get("ci") is not None:
        p.tenant["zone"] = {k: body.get(k) for k in ("zoneName", "url", "webUrl", "ci")}
    observed = f"known user: HTTP {known.status_code} with {keys}; unknown user: " \
               f"HTTP {unknown.status_code} {unknown.text[:120]}"
    ok = known.status_code == 200 and len(keys) == 4 and unknown.status_code == 500 \
        and "errors" in unknown.text
    return finding("known user: 200 {zoneName, url, webUrl, ci}; unknown user: 500 with "
                   "errors", p.redact(observed), ok)


@check("AT-AUTH-BAD-SECRET")
def bad_secret(p: ProbeContext) -> Finding:
    """A deliberately wrong secret of the configured user answers 401."""
    answer = p.at("GET", "Companies/0",
                  headers=p.at_headers(Secret="autotask-fn-probe-wrong-secret"))  # noqa: S106
    return finding("HTTP 401", p.redact(answer.brief()), answer.status == 401)


@check("AT-AUTH-UNKNOWN-USER")
def unknown_user(p: ProbeContext) -> Finding:
    """An unknown user name answers 500 with an ``errors`` text (not 401)."""
    answer = p.at("GET", "Companies/0", headers=p.at_headers(UserName=UNKNOWN_USER))
    ok = answer.status == 500 and isinstance(answer.body, Mapping) and "errors" in answer.body
    return finding("HTTP 500 with an errors text", p.redact(answer.brief()), ok)


@check("AT-AUTH-BAD-CODE")
def bad_code(p: ProbeContext) -> Finding:
    """A wrong integration code with good credentials answers 500 "IntegrationCode is
    invalid"."""
    answer = p.at("GET", "Companies/0",
                  headers=p.at_headers(ApiIntegrationCode="AUTOTASK-FN-PROBE-WRONG-CODE"))
    ok = answer.status == 500 and "integrationcode" in answer.errors_text().lower()
    return finding("HTTP 500 'IntegrationCode is invalid.'", p.redact(answer.brief()), ok)


# -- paging ------------------------------------------------------------------------------
@check("AT-PAGING-SIZE")
def paging_size(p: ProbeContext) -> Finding:
    """A query with more than 500 matches answers 500 records and a next-page link."""
    entity, count = p.big_query()
    first = p.at_query(entity, _ALL)
    details = _details(first)
    observed = (f"{entity} ({count} matches): HTTP {first.status}, {len(_items(first))} "
                f"records, requestCount {details.get('requestCount')}, next page "
                f"{'given' if details.get('nextPageUrl') else 'absent'}")
    ok = first.status == 200 and len(_items(first)) == 500 \
        and bool(details.get("nextPageUrl"))
    return finding("500 records, requestCount 500, a nextPageUrl", observed, ok)


def _next_url(p: ProbeContext) -> tuple[str, str]:
    entity, _ = p.big_query()
    first = p.at_query(entity, _ALL)
    url = _details(first).get("nextPageUrl")
    if not url:
        raise NotChecked(f"{entity}: the first page gave no nextPageUrl")
    return entity, str(url)


@check("AT-PAGING-POST")
def paging_post(p: ProbeContext) -> Finding:
    """A POST query's ``nextPageUrl`` takes a POST with the same body; a GET answers 405."""
    _, url = _next_url(p)
    by_post = p.at("POST", url, json={"filter": _ALL})
    by_get = p.at("GET", url)
    observed = (f"POST with the body: HTTP {by_post.status} ({len(_items(by_post))} records); "
                f"GET: HTTP {by_get.status}")
    ok = by_post.status == 200 and bool(_items(by_post)) and by_get.status == 405
    return finding("POST: the next page; GET: HTTP 405", observed, ok)


@check("AT-PAGING-GET")
def paging_get(p: ProbeContext) -> Finding:
    """A GET ``query?search=`` query is paged with GET on its ``nextPageUrl``."""
    import json

    entity, _ = p.big_query()
    search = json.dumps({"filter": _ALL})
    first = p.at("GET", f"{entity}/query?search={search}")
    url = _details(first).get("nextPageUrl")
    if first.status != 200 or not url:
        return finding("GET query pages with GET", f"first page: {first.brief()}, next "
                       f"{'given' if url else 'absent'}", False)
    second = p.at("GET", str(url))
    ok = second.status == 200 and bool(_items(second))
    return finding("GET query pages with GET on nextPageUrl",
                   f"GET next page: HTTP {second.status} ({len(_items(second))} records)", ok)


@check("AT-PAGING-ID-GT")
def paging_id_gt(p: ProbeContext) -> Finding:
    """Repeating a query with ``id gt <largest id>`` continues where a page ended."""
    entity, count = p.big_query()
    first = p.at_query(entity, _ALL, IncludeFields=["id"])
    ids = [int(i["id"]) for i in _items(first)]
    if not ids:
        raise NotChecked(f"{entity}: the first page is empty")
    last = max(ids)
    rest = p.at("POST", f"{entity}/query/count",
                json={"filter": [{"op": "gt", "field": "id", "value": last}]})
    after = rest.body.get("queryCount") if isinstance(rest.body, Mapping) else None
    observed = f"{len(ids)} on page 1 + {after} with id gt {last}; query/count {count}"
    ok = isinstance(after, int) and len(ids) + after == count
    return finding("page 1 + id gt <largest id> = query/count", observed, ok)


# -- queries -----------------------------------------------------------------------------
@check("AT-QUERY-FILTER-REQUIRED")
def filter_required(p: ProbeContext) -> Finding:
    """A query without a filter is refused."""
    answer = p.at_query("Companies", [])
    return finding("refused", p.redact(answer.brief()), _refused(answer))


@check("AT-QUERY-OR-LIMIT")
def or_limit(p: ProbeContext) -> Finding:
    """More than 500 conditions under ``or`` are refused."""
    items = [{"op": "eq", "field": "id", "value": -1 - n} for n in range(501)]
    answer = p.at_query("Companies", [{"op": "or", "items": items}])
    return finding("501 'or' conditions refused", p.redact(answer.brief()), _refused(answer))


@check("AT-QUERY-UDF-ONE")
def udf_one(p: ProbeContext) -> Finding:
    """Two user-defined-field conditions in one query are refused."""
    answer = p.at("GET", "Tickets/entityInformation/userDefinedFields")
    fields = answer.body.get("fields") if isinstance(answer.body, Mapping) else None
    names = [str(f["name"]) for f in fields or [] if isinstance(f, Mapping) and f.get("name")]
    if len(names) < 2:
        raise NotChecked("the tenant has fewer than two ticket UDFs")
    conds = [{"op": "exist", "field": name, "udf": True} for name in names[:2]]
    refused = p.at_query("Tickets", conds)
    return finding("two UDF conditions refused", p.redact(refused.brief()), _refused(refused))


@check("AT-QUERY-INCLUDE-ID")
def include_id(p: ProbeContext) -> Finding:
    """More than 500 matches with ``IncludeFields`` that lack ``id`` are refused."""
    entity, _ = p.big_query()
    answer = p.at_query(entity, _ALL, IncludeFields=["lastActivityDate"])
    return finding("refused", p.redact(answer.brief()), _refused(answer))


@check("AT-QUERY-UNKNOWN-FIELD")
def unknown_field(p: ProbeContext) -> Finding:
    """A condition on a field the entity lacks answers 500 "Unable to find ..."."""
    answer = p.at_query("Companies", [{"op": "eq", "field": "autotaskFnProbeNoField",
                                       "value": 1}])
    ok = answer.status == 500 and "unable to find" in answer.errors_text().lower()
    return finding("HTTP 500 'Unable to find autotaskFnProbeNoField in the ... Entity.'",
                   p.redact(answer.brief()), ok)


@check("AT-QUERY-IGNORED-OPERATOR")
def ignored_operator(p: ProbeContext) -> Finding:
    """An operator Autotask does not honour (``ne``) is dropped without an error."""
    ticket = p.some_ticket()
    answer = p.at_query("Tickets", [{"op": "eq", "field": "id", "value": ticket},
                                    {"op": "ne", "field": "id", "value": ticket}])
    ids = [i.get("id") for i in _items(answer)]
    observed = (f"HTTP {answer.status}, ticket {ticket} "
                f"{'returned' if ticket in ids else 'not returned'}")
    return finding("HTTP 200, the ticket returned ('ne' ignored)", observed,
                   answer.status == 200 and ticket in ids)


# -- attachments --------------------------------------------------------------------------
@check("AT-ATTACH-TICKETID-QUERY")
def attach_ticketid(p: ProbeContext) -> Finding:
    """A TicketAttachments query without a ``ticketID`` value is refused."""
    names = {str(f.get("name", "")).lower() for f in p.at_fields("TicketAttachments")}
    answer = p.at_query("TicketAttachments", _ALL)
    has = {n for n in ("ticketid", "ticketnoteid", "timeentryid") if n in names}
    observed = f"fields {sorted(has) or 'none'} described; query without ticketID: " \
               f"{p.redact(answer.brief())}"
    return finding("ticketID/ticketNoteID/timeEntryID described; a query without ticketID "
                   "refused", observed, len(has) == 3 and _refused(answer))


@check("AT-ATTACH-SWAGGER-2024")
def attach_swagger_2024(p: ProbeContext) -> Finding:
    """Which form of TicketAttachments the tenant describes (both are handled)."""
    names = {str(f.get("name", "")).lower() for f in p.at_fields("TicketAttachments")}
    form = "with ticketID (current)" if "ticketid" in names else "without ticketID (2024)"
    return finding("either form (the SDK reads both)", form, True)


@check("AT-ATTACH-NO-UPDATE")
def attach_no_update(p: ProbeContext) -> Finding:
    """Attachments cannot be updated (``canUpdate`` false)."""
    answer = p.at("GET", "TicketAttachments/entityInformation")
    info = answer.body.get("info") if isinstance(answer.body, Mapping) else None
    if not isinstance(info, Mapping):
        raise NotChecked(f"TicketAttachments entityInformation not readable ({answer.brief()})")
    return finding("canUpdate false", f"canUpdate {info.get('canUpdate')}",
                   info.get("canUpdate") is False)


# -- metadata and records ----------------------------------------------------------------
@check("AT-ENTITY-ACCESS")
def entity_access(p: ProbeContext) -> Finding:
    """``entityInformation`` answers ``can*`` and ``userAccessFor*``."""
    answer = p.at("GET", "Tickets/entityInformation")
    info = answer.body.get("info") if isinstance(answer.body, Mapping) else None
    info = info if isinstance(info, Mapping) else {}
    can = sorted(k for k in info if k.startswith("can"))
    access = {k: info[k] for k in sorted(info) if k.startswith("userAccessFor")}
    p.tenant["Tickets.access"] = access
    return finding("can* and userAccessFor* fields", f"{can}; {access}",
                   bool(can) and bool(access))


@check("AT-FIELD-METADATA")
def field_metadata(p: ProbeContext) -> Finding:
    """Field metadata: the attributes the SDK reads; picklist ``value`` a string."""
    fields = p.at_fields("Tickets")
    wanted = ("dataType", "length", "isRequired", "isReadOnly", "isPickList", "picklistValues")
    missing = sorted({w for f in fields for w in wanted if w not in f})
    status = next((f for f in fields if str(f.get("name")).lower() == "status"), {})
    values = [v.get("value") for v in status.get("picklistValues") or []]
    strings = all(isinstance(v, str) for v in values) and bool(values)
    for entity, field in (("Tickets", "status"), ("Tickets", "priority"),
                          ("TicketNotes", "noteType"), ("TicketNotes", "publish"),
                          ("TicketAttachments", "publish")):
        try:
            p.at_picklist(entity, field)
        except NotChecked:
            p.tenant[f"{entity}.{field}"] = None
    observed = (f"missing attributes: {missing or 'none'}; status values "
                f"{'strings' if strings else 'not all strings'}")
    return finding("every attribute present; picklist values are strings", observed,
                   not missing and strings)


@check("AT-UDF-METADATA")
def udf_metadata(p: ProbeContext) -> Finding:
    """``userDefinedFields`` lists the tenant's UDFs with name, label, type, isPickList."""
    answer = p.at("GET", "Tickets/entityInformation/userDefinedFields")
    fields = answer.body.get("fields") if isinstance(answer.body, Mapping) else None
    if answer.status != 200 or not isinstance(fields, list):
        return finding("HTTP 200 with fields", answer.brief(), False)
    missing = sorted({k for f in fields for k in ("name", "label", "type", "isPickList")
                      if k not in f})
    p.tenant["Tickets.udfs"] = [f.get("name") for f in fields]
    return finding("each UDF with name, label, type, isPickList",
                   f"{len(fields)} UDFs; missing attributes: {missing or 'none'}", not missing)


@check("AT-COMPANY-ZERO")
def company_zero(p: ProbeContext) -> Finding:
    """The tenant's own company has id 0."""
    answer = p.at("GET", "Companies/0")
    item = answer.body.get("item") if isinstance(answer.body, Mapping) else None
    return finding("company 0 exists", f"HTTP {answer.status}, item "
                   f"{'present' if item else 'absent'}", answer.status == 200 and bool(item))


@check("AT-GET-UNKNOWN-ID")
def get_unknown_id(p: ProbeContext) -> Finding:
    """A GET of an id that does not exist answers 200 ``{"item": null}``."""
    answer = p.at("GET", "Companies/2147483000")
    null = isinstance(answer.body, Mapping) and answer.body.get("item", "absent") is None
    return finding("HTTP 200 {\"item\": null}",
                   f"HTTP {answer.status}, item {'null' if null else 'not null'}",
                   answer.status == 200 and null)


@check("AT-ROUTES-CHILD-METADATA")
def child_metadata(p: ProbeContext) -> Finding:
    """Child metadata is served under the parent URL."""
    ticket = p.some_ticket()
    answer = p.at("GET", f"Tickets/{ticket}/Notes/entityInformation/fields")
    ok = answer.status == 200 and isinstance(answer.body, Mapping) and "fields" in answer.body
    return finding("HTTP 200 with fields", f"HTTP {answer.status}", ok)


@check("AT-ROUTES-WEBHOOKS")
def webhook_routes(p: ProbeContext) -> Finding:
    """The TicketWebhooks family is served."""
    answer = p.at("GET", "TicketWebhooks/entityInformation")
    return finding("HTTP 200", f"HTTP {answer.status}", answer.status == 200)


# -- expenses, charges, limits -------------------------------------------------------------
#: The expense report statuses of AT-EXPENSE-REPORT-OPEN (ids as the fake numbers them).
REPORT_STATUSES = {"In Progress": "1", "Awaiting Approval": "2", "Approved for Payment": "3",
                   "Rejected": "4", "Paid": "5", "Transferred to Quickbooks": "6"}


@check("AT-EXPENSE-REPORT-OPEN")
def report_statuses(p: ProbeContext) -> Finding:
    """The expense report status labels, and the ids the fake gives them."""
    statuses = p.at_picklist("ExpenseReports", "status")
    observed = ", ".join(f"{label}={value}" for label, value in statuses.items())
    return finding(", ".join(f"{k}={v}" for k, v in REPORT_STATUSES.items()), observed,
                   statuses == REPORT_STATUSES)


@check("AT-CHARGE-MATERIAL-CODE")
def material_code(p: ProbeContext) -> Finding:
    """BillingCodes ``useType`` has a label with "material"."""
    labels = p.at_picklist("BillingCodes", "useType")
    hits = [label for label in labels if "material" in label.lower()]
    return finding("a useType label containing 'material'",
                   f"useType labels: {sorted(labels)}", bool(hits))


@check("AT-HOURLY-THRESHOLD")
def hourly_threshold(p: ProbeContext) -> Finding:
    """ThresholdInformation gives a budget of 10,000 requests an hour."""
    answer = p.at("GET", "ThresholdInformation")
    body = answer.body if isinstance(answer.body, Mapping) else {}
    limit = body.get("externalRequestThreshold")
    p.tenant["threshold"] = {k: body.get(k) for k in (
        "externalRequestThreshold", "requestThresholdTimeframe", "currentTimeframeRequestCount")}
    return finding("externalRequestThreshold 10000",
                   f"HTTP {answer.status}, externalRequestThreshold {limit}", limit == 10000)


@check("AT-ATTACH-QUERY-NO-DATA")
def attach_query_no_data(p: ProbeContext) -> Finding:
    """Attachment query rows carry ``data: null``."""
    ticket = p.some_ticket()
    answer = p.at_query("TicketAttachments", [{"op": "eq", "field": "ticketID",
                                               "value": ticket}])
    rows = _items(answer)
    if not rows:
        raise NotChecked(f"ticket {ticket} has no attachment (name one with --ticket)")
    with_data = sum(r.get("data") is not None for r in rows)
    return finding("data null on every row", f"{with_data} of {len(rows)} rows carry data",
                   with_data == 0)
