"""Read-only checks of the Field Nation rows: token flow, lists, a work order's shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autotask_fn.probe.checks import check
from autotask_fn.probe.context import Answer, Finding, NotChecked, ProbeContext, finding

#: Audiences the registry names (FN-MESSAGE-AUDIENCE, FN-MESSAGE-TYPES).
AUDIENCES = frozenset({"INTERNAL", "ASSIGNEDTECH", "REQUESTEDTECHS", "SPECIFICTECH",
                       "FROMTECH", "REPLY", "TECHTOMANAGER", "ROUTEDTECHS", "REPLYTOTHREAD",
                       "STAFF_NOTE"})
#: The embedded sub-collections FN-SUBCOLLECTION-EMBEDDED-PAGE names.
SUBCOLLECTIONS = ("time_logs", "attachments", "signatures", "contacts")
_META = ("total", "per_page", "pages", "page")


def _meta(body: Any) -> Mapping[str, Any]:
    meta = body.get("metadata") if isinstance(body, Mapping) else None
    return meta if isinstance(meta, Mapping) else {}


def _results(body: Any) -> list[Any]:
    rows = body.get("results") if isinstance(body, Mapping) else None
    return rows if isinstance(rows, list) else []


def _has_meta(body: Any) -> bool:
    meta = _meta(body)
    return all(k in meta for k in _META)


def _message_rows(p: ProbeContext) -> list[Mapping[str, Any]]:
    answer = p.messages()
    if answer.status != 200:
        raise NotChecked(f"messages not readable ({answer.brief()})")
    rows = [m for m in _results(answer.body) if isinstance(m, Mapping)]
    if not rows:
        raise NotChecked(f"work order {p.work_order()['id']} has no message to read "
                         "(name one that has with --work-order)")
    return rows


def _section(p: ProbeContext, name: str) -> Mapping[str, Any]:
    section = p.work_order().get(name)
    if not isinstance(section, Mapping):
        raise NotChecked(f"the work order has no {name} section")
    return section


@check("FN-TOKEN-PASSWORD-GRANT")
def password_grant(p: ProbeContext) -> Finding:
    """The password grant, form-encoded, answers a bearer token good for 3600 s."""
    fn = p.require_fieldnation()
    creds = fn._credentials
    answer = p.fn("POST", "/authentication/api/oauth/token", auth=False, data={
        "grant_type": "password", "client_id": creds.client_id,
        "client_secret": creds.client_secret, "username": creds.username,
        "password": creds.password})
    body = answer.body if isinstance(answer.body, Mapping) else {}
    keys = sorted(k for k in ("access_token", "expires_in", "token_type", "refresh_token")
                  if k in body)
    placement = fn.wire.token_placement
    p.tenant["fieldnation_token"] = {"grant": "password (form)", "placement": placement,
                                     "expires_in": body.get("expires_in")}
    observed = f"HTTP {answer.status}, fields {keys}, expires_in {body.get('expires_in')}"
    ok = answer.status == 200 and "access_token" in keys and body.get("expires_in") == 3600
    return finding("HTTP 200, access_token, expires_in 3600, token_type", observed, ok)


@check("FN-TOKEN-EXPIRED")
def unknown_token(p: ProbeContext) -> Finding:
    """An unknown token answers 401 (an expired one cannot be made on demand)."""
    answer = p.fn("GET", "/workorders", params={"list": "workorders_all", "sticky": "false",
                                                "per_page": 1},
                  token="autotask-fn-probe-unknown-token")  # noqa: S106
    return finding("unknown token: HTTP 401", p.redact(answer.brief()), answer.status == 401)


@check("FN-WO-LIST-PAGED")
def wo_list_paged(p: ProbeContext) -> Finding:
    """``GET /workorders`` is a paged list with ``metadata``."""
    answer = p.fn("GET", "/workorders", params={"list": "workorders_all", "sticky": "false",
                                                "per_page": 1})
    meta = _meta(answer.body)
    return finding("HTTP 200 with metadata {total, per_page, pages, page}",
                   f"HTTP {answer.status}, metadata {sorted(meta)}",
                   answer.status == 200 and _has_meta(answer.body))


@check("FN-WO-LIST-STICKY")
def wo_list_sticky(p: ProbeContext) -> Finding:
    """``list`` and ``sticky=false`` are accepted and honoured."""
    answer = p.fn("GET", "/workorders", params={"list": "workorders_all", "sticky": "false",
                                                "per_page": 1})
    other = p.fn("GET", "/workorders", params={"list": "autotask_fn_probe_no_such_list",
                                               "sticky": "false", "per_page": 1})
    observed = f"list=workorders_all&sticky=false: HTTP {answer.status}; an unknown list: " \
               f"HTTP {other.status}"
    return finding("HTTP 200; an unknown list refused", observed,
                   answer.status == 200 and other.status >= 400)


@check("FN-WO-COLUMNS")
def wo_columns(p: ProbeContext) -> Finding:
    """``columns`` limits the sections; ``id`` always comes back."""
    wo = p.work_order()
    answer = p.fn("GET", f"/workorders/{wo['id']}", params={"columns": "id"})
    body = answer.body if isinstance(answer.body, Mapping) else {}
    extra = sorted(k for k in SUBCOLLECTIONS if k in body)
    return finding("HTTP 200 with id and none of the sub-collections",
                   f"HTTP {answer.status}, id {'present' if 'id' in body else 'absent'}, "
                   f"sub-collections {extra or 'none'}",
                   answer.status == 200 and "id" in body and not extra)


@check("FN-WO-FILTER-INCIDENT")
def filter_incident(p: ProbeContext) -> Finding:
    """``f_incident_id`` is not a filter: refused (or silently ignored)."""
    answer = p.fn("GET", "/workorders", params={"list": "workorders_all", "sticky": "false",
                                                "per_page": 1,
                                                "f_incident_id": "autotask-fn-probe"})
    return finding("refused (HTTP 400)", p.redact(answer.brief()), answer.status == 400)


@check("FN-SUBCOLLECTION-EMBEDDED-PAGE")
def embedded_page(p: ProbeContext) -> Finding:
    """Embedded sub-collections carry ``metadata`` and ``results`` (maybe one page)."""
    wo = p.work_order()
    parts, ok = [], True
    for name in SUBCOLLECTIONS:
        section = wo.get(name)
        if not isinstance(section, Mapping):
            parts.append(f"{name} absent")
            continue
        total = _meta(section).get("total")
        parts.append(f"{name}: total {total}, {len(_results(section))} rows present")
        ok = ok and _has_meta(section) and "results" in section
    p.tenant["embedded"] = parts
    return finding("each with metadata {total, per_page, pages, page} and results",
                   "; ".join(parts), ok)


@check("FN-SUBCOLLECTION-PAGED")
def subcollection_paged(p: ProbeContext) -> Finding:
    """Sub-resource lists page with ``metadata``."""
    wo = p.work_order()
    answer = p.fn("GET", f"/workorders/{wo['id']}/time_logs", params={"per_page": 1})
    return finding("HTTP 200 with metadata {total, per_page, pages, page}",
                   f"HTTP {answer.status}, metadata {sorted(_meta(answer.body))}",
                   answer.status == 200 and _has_meta(answer.body))


@check("FN-MESSAGES-PAGED")
def messages_paged(p: ProbeContext) -> Finding:
    """``/messages`` is a paged list with ``metadata``."""
    answer: Answer = p.messages()
    return finding("HTTP 200 with metadata {total, per_page, pages, page}",
                   f"HTTP {answer.status}, metadata {sorted(_meta(answer.body))}",
                   answer.status == 200 and _has_meta(answer.body))


@check("FN-MESSAGES-COUNT-ONLY")
def messages_count_only(p: ProbeContext) -> Finding:
    """The work order's ``messages`` section holds the count, never the messages."""
    section = _section(p, "messages")
    rows = _results(section)
    return finding("metadata.total, no messages",
                   f"total {_meta(section).get('total')}, {len(rows)} messages embedded",
                   "total" in _meta(section) and not rows)


@check("FN-WO-MESSAGE-COUNT")
def message_count(p: ProbeContext) -> Finding:
    """``messages.metadata.total`` counts the messages ``/messages`` lists."""
    total = _meta(_section(p, "messages")).get("total")
    listed = _meta(p.messages().body).get("total")
    return finding("messages.metadata.total = /messages total",
                   f"section total {total}, /messages total {listed}",
                   total is not None and total == listed)


@check("FN-MESSAGE-AUDIENCE")
def message_audience(p: ProbeContext) -> Finding:
    """A message's audience is in ``type`` and/or ``role``; there is no ``internal``."""
    rows = _message_rows(p)
    seen = []
    ok = True
    for row in rows:
        fields = {k: row.get(k) for k in ("type", "role", "internal") if k in row}
        seen.append(fields)
        audience = [v for k, v in fields.items() if k in ("type", "role")
                    and str(v).upper() in AUDIENCES]
        ok = ok and bool(audience) and "internal" not in fields
    kinds = sorted({",".join(sorted(f)) for f in map(dict, seen)})
    return finding("an audience value in type and/or role; no 'internal' field",
                   f"{len(rows)} messages; fields present: {kinds}", ok)


@check("FN-MESSAGE-SHAPE")
def message_shape(p: ProbeContext) -> Finding:
    """``msg_id`` an integer (or a string of digits), ``replies`` an envelope or a list."""
    rows = _message_rows(p)
    ids = {type(r.get("msg_id")).__name__ for r in rows}
    replies = {"envelope" if isinstance(r.get("replies"), Mapping) else
               type(r.get("replies")).__name__ for r in rows}
    ok = ids <= {"int", "str"} and replies <= {"envelope", "list"}
    return finding("msg_id int (published) or str; replies envelope (published) or list",
                   f"msg_id {sorted(ids)}, replies {sorted(replies)}", ok)


@check("FN-CUSTOM-FIELD-SECTIONS")
def custom_field_sections(p: ProbeContext) -> Finding:
    """Custom fields come in sections with ``results``."""
    wo = p.work_order()
    answer = p.fn("GET", f"/workorders/{wo['id']}/custom_fields")
    sections = _results(answer.body)
    good = [s for s in sections if isinstance(s, Mapping) and "id" in s
            and isinstance(s.get("results"), list)]
    return finding("sections {id, name, results: [fields]}",
                   f"HTTP {answer.status}, {len(sections)} sections, {len(good)} well-formed",
                   answer.status == 200 and len(good) == len(sections))


@check("FN-PROVIDER-NO-EMAIL")
def provider_no_email(p: ProbeContext) -> Finding:
    """Providers in time logs carry no e-mail."""
    logs = _results(p.work_order().get("time_logs"))
    users = [log["logged_by"] for log in logs
             if isinstance(log, Mapping) and isinstance(log.get("logged_by"), Mapping)]
    if not users:
        raise NotChecked("the work order has no time log")
    with_email = sum("email" in u for u in users)
    return finding("no email on logged_by", f"{with_email} of {len(users)} carry an email",
                   with_email == 0)


@check("FN-EXPENSE-AMOUNT-NUMBER")
def expense_amount(p: ProbeContext) -> Finding:
    """Expense ``amount`` is a number on read."""
    wo = p.work_order()
    answer = p.fn("GET", f"/workorders/{wo['id']}/expenses")
    rows = [r for r in _results(answer.body) if isinstance(r, Mapping)]
    if not rows:
        raise NotChecked("the work order has no expense")
    kinds = sorted({type(r.get("amount")).__name__ for r in rows})
    return finding("amount a number", f"amount {kinds}", set(kinds) <= {"int", "float"})


@check("FN-SHAPE-LOCATION-DISPLAY-NAME")
def location_display_name(p: ProbeContext) -> Finding:
    """``location.display_name`` is a string when present (the SDK falls back to the
    address when it is missing)."""
    location = p.work_order().get("location")
    if not isinstance(location, Mapping):
        raise NotChecked("the work order has no location")
    if location.get("display_name") is None:
        return finding("a string, or absent", "absent", True)
    value = location["display_name"]
    return finding("a string, or absent", type(value).__name__, isinstance(value, str))


@check("FN-SHAPE-INCIDENT-ID")
def incident_id(p: ProbeContext) -> Finding:
    """``incident_id`` is read on the work order (a string, or absent when never set)."""
    wo = p.work_order()
    value = wo.get("incident_id")
    return finding("present (a string or null)",
                   "absent" if "incident_id" not in wo else type(value).__name__,
                   "incident_id" in wo and (value is None or isinstance(value, str)))


@check("FN-SHAPE-SCHEDULE-REQUIRE-ONTIME")
def require_ontime(p: ProbeContext) -> Finding:
    """``schedule.require_ontime`` is shown (a boolean)."""
    schedule = p.work_order().get("schedule")
    if not isinstance(schedule, Mapping):
        raise NotChecked("the work order has no schedule section")
    value = schedule.get("require_ontime", "absent")
    return finding("a boolean", "absent" if value == "absent" else type(value).__name__,
                   isinstance(value, bool))


@check("FN-SHAPE-SIGNATURE-TITLE")
def signature_title(p: ProbeContext) -> Finding:
    """A signature shows its ``title``."""
    rows = [s for s in _results(p.work_order().get("signatures")) if isinstance(s, Mapping)]
    if not rows:
        raise NotChecked("the work order has no signature")
    titled = sum("title" in s for s in rows)
    return finding("title on every signature", f"{titled} of {len(rows)} with title",
                   titled == len(rows))


@check("FN-SHAPE-ENVELOPE-CORRELATION-ID")
def correlation_id(p: ProbeContext) -> Finding:
    """Which sub-collection envelopes carry a ``correlation_id`` (the SDK ignores it)."""
    wo = p.work_order()
    carrying = sorted(name for name in (*SUBCOLLECTIONS, "messages", "custom_fields")
                      if isinstance(wo.get(name), Mapping) and "correlation_id" in wo[name])
    return finding("ignored by the SDK (any answer is fine)",
                   f"carried by: {carrying or 'none'}", True)
