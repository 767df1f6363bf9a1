"""Wire-format golden tests: each client operation replayed from a vcrpy cassette.

The cassettes under ``tests/cassettes/autotask/`` were recorded against a fresh
``FakeAutotask`` served on a local socket (``autotask_fn.testing.serve``). A missing cassette
is recorded once; then every run replays with ``record_mode="none"`` and matches on method,
URI and body, plus the non-secret headers (``safe_headers``), so any change to what the client
sends fails here. Delete a cassette to re-record it after an intended change.

The local port changes between recordings, so URIs and response bodies are rewritten to the
canonical host ``fake-autotask.test`` while recording; replays use that host directly.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autotask_fn.autotask import AutotaskClient, AutotaskValidationError
from autotask_fn.autotask.cassettes import FILTERED_HEADERS, recorder
from autotask_fn.autotask.query import begins_with, eq, in_
from autotask_fn.testing import FakeAutotask, serve
from autotask_fn.testing.autotask.clock import FakeClock

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "autotask"
CANON = "fake-autotask.test"
PINNED_HEADERS = ("accept", "content-type", "impersonationresourceid")
DAY = dt.date(2024, 5, 6)


def _safe_headers(r1: Any, r2: Any) -> None:
    def pick(request: Any) -> dict[str, str]:
        headers = {k.lower(): v for k, v in request.headers.items()}
        return {k: headers.get(k, "") for k in PINNED_HEADERS}

    assert pick(r1) == pick(r2), f"headers differ: {pick(r1)} != {pick(r2)}"


def _canonical(port: int) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    live = f"127.0.0.1:{port}"

    def request(req: Any) -> Any:
        req.uri = req.uri.replace(live, CANON)
        for name in list(req.headers):
            if name.lower() == "host":
                req.headers[name] = CANON
        return req

    def response(resp: Any) -> Any:
        for name in list(resp["headers"]):
            if name.lower() in ("date", "server"):  # vary per run; say nothing about the client
                del resp["headers"][name]
        body = resp["body"]["string"]
        if isinstance(body, bytes) and live.encode() in body:
            body = body.replace(live.encode(), CANON.encode())
            resp["body"]["string"] = body
            for name in list(resp["headers"]):
                if name.lower() == "content-length":
                    resp["headers"][name] = [str(len(body))]
        return resp

    return request, response


def _client(fake: FakeAutotask, host: str, **kwargs: Any) -> AutotaskClient:
    return AutotaskClient(
        fake.USERNAME, fake.SECRET, fake.INTEGRATION_CODE,
        zone_url=f"http://{host}/atservicesrest/", sleep=lambda s: None, allow_http=True,
        **kwargs,
    )


# -- scenarios: each runs the same way when recording and when replaying ----------------------
def _ticket(client: AutotaskClient, fake: FakeAutotask, **extra: Any) -> int:
    return client.create("Tickets", {
        "title": "Printer jam", "companyID": fake.seed.company_id, "status": 1, "priority": 2,
        "queueID": fake.seed.queue_id, **extra})


def zone_and_get(client: AutotaskClient, fake: FakeAutotask) -> None:
    assert client.zone.zone_name
    assert client.get("Tickets", 424242) is None


def ticket_crud(client: AutotaskClient, fake: FakeAutotask) -> None:
    ticket_id = _ticket(client, fake, externalID="[FN:sandbox:wo:1]",
                        dueDateTime=dt.datetime(2024, 5, 7, 17, tzinfo=dt.UTC))
    assert client.get("Tickets", ticket_id)["externalID"] == "[FN:sandbox:wo:1]"
    client.update("Tickets", {"id": ticket_id, "status": 5})
    client.replace("Tickets", {"id": ticket_id, "title": "Printer fixed",
                               "companyID": fake.seed.company_id, "status": 5, "priority": 2,
                               "queueID": fake.seed.queue_id})


def child_writes(client: AutotaskClient, fake: FakeAutotask) -> None:
    ticket_id = _ticket(client, fake, assignedResourceID=fake.seed.tech_resource_id,
                        assignedResourceRoleID=fake.seed.tech_role_id)
    client.create("TicketNotes", {"ticketID": ticket_id, "title": "[FN:sandbox:msg:1]",
                                  "description": "On site", "noteType": 1, "publish": 1})
    charge = client.create("TicketCharges", {
        "ticketID": ticket_id, "name": "Parking", "unitQuantity": 1, "unitPrice": 12.5,
        "chargeType": 1, "datePurchased": DAY, "isBillableToCompany": True})
    client.update("TicketCharges", {"id": charge, "ticketID": ticket_id, "notes": "receipt"})
    client.delete("TicketCharges", charge)
    attachment = client.create("TicketAttachments", {
        "parentID": ticket_id, "title": "[FN:sandbox:file:3]", "fullPath": "r.txt",
        "attachmentType": "FILE_ATTACHMENT", "publish": 1,
        "data": base64.b64encode(b"hello").decode()})
    client.delete("TicketAttachments", attachment, parent_id=ticket_id)
    start = dt.datetime(2024, 5, 6, 10, tzinfo=dt.UTC)
    entry = client.create("TimeEntries", {
        "ticketID": ticket_id, "resourceID": fake.seed.tech_resource_id,
        "roleID": fake.seed.tech_role_id, "dateWorked": DAY, "startDateTime": start,
        "endDateTime": start + dt.timedelta(hours=1), "hoursWorked": 1})
    client.update("TimeEntries", {"id": entry, "summaryNotes": "done"})
    client.delete("TimeEntries", entry)
    report = client.create("ExpenseReports", {"name": "[FN:sandbox:exp:9]",
                                              "submitterID": fake.seed.tech_resource_id,
                                              "weekEnding": dt.date(2024, 5, 11)})
    client.create("ExpenseItems", {
        "expenseReportID": report, "expenseDate": DAY, "description": "Parking",
        "expenseCategory": 1, "expenseCurrencyExpenseAmount": 12.5,
        "isBillableToCompany": True, "isReimbursable": True, "haveReceipt": False})


def queries(client: AutotaskClient, fake: FakeAutotask) -> None:
    ids = [fake.insert("ServiceCalls", {"companyID": fake.seed.company_id,
                                        "description": f"bulk {i}"}) for i in range(520)]
    rows = list(client.query("ServiceCalls", begins_with("description", "bulk"),
                             include_fields=["description"]))
    assert len(rows) == 520
    assert client.count("ServiceCalls", in_("id", ids)) == 520
    assert len(list(client.query("ServiceCalls", in_("id", ids), max_records=3))) == 3
    assert list(client.query("Tickets", eq("FN Work Order ID", "none", udf=True))) == []


def metadata(client: AutotaskClient, fake: FakeAutotask) -> None:
    assert client.picklist("Tickets", "priority").value_for("High")
    assert client.udfs("Tickets")
    assert client.entity_information("TimeEntries").can_delete
    assert client.threshold().external_request_threshold > 0


def failures(client: AutotaskClient, fake: FakeAutotask) -> None:
    with pytest.raises(AutotaskValidationError):
        client.create("Tickets", {"companyID": fake.seed.company_id})


def connection_check(client: AutotaskClient, fake: FakeAutotask) -> None:
    assert client.check_connection().ok


SCENARIOS = {f.__name__: f for f in (zone_and_get, ticket_crud, child_writes, queries,
                                     metadata, failures, connection_check)}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_requests_match_the_golden_cassette(name: str) -> None:
    from autotask_fn.autotask.client import clear_metadata_cache
    from autotask_fn.autotask.zone import clear_zone_cache

    scenario = SCENARIOS[name]
    path = CASSETTES / f"{name}.yaml"
    if not path.exists():  # record once, against the fake on a real socket
        fake = FakeAutotask(clock=FakeClock(dt.datetime(2024, 5, 6, 12, tzinfo=dt.UTC)))
        server = serve(fake)
        port = server.server_address[1]
        on_request, on_response = _canonical(port)
        vcr = recorder(CASSETTES, record_mode="once", before_record_request=on_request,
                       before_record_response=on_response)
        try:
            with vcr.use_cassette(path.name), _client(fake, f"127.0.0.1:{port}") as client:
                scenario(client, fake)
        finally:
            server.shutdown()
        clear_zone_cache()
        clear_metadata_cache()
    vcr = recorder(CASSETTES, record_mode="none")
    vcr.register_matcher("safe_headers", _safe_headers)
    fake = FakeAutotask()  # not served: only its deterministic seed ids are used
    with (
        vcr.use_cassette(path.name, match_on=("method", "uri", "body", "safe_headers")) as tape,
        _client(fake, CANON) as client,
    ):
        scenario(client, fake)
    assert tape.all_played, "the client sent fewer requests than the cassette holds"


def test_cassettes_hold_no_credentials() -> None:
    texts = [p.read_text() for p in sorted(CASSETTES.glob("*.yaml"))]
    assert texts
    for text in texts:
        for header in FILTERED_HEADERS:
            assert f"{header}:" not in text
        assert FakeAutotask.INTEGRATION_CODE not in text
        assert FakeAutotask.USERNAME not in text


def test_recorder_filters_credentials_and_matches_on_body(tmp_path: Path) -> None:
    vcr = recorder(tmp_path)
    assert vcr.record_mode == "once"
    assert set(vcr.match_on) == {"method", "uri", "body"}
    for header in ("Secret", "ApiIntegrationCode", "UserName"):
        assert header in vcr.filter_headers
    assert json.dumps(vcr.filter_query_parameters)


def test_extra_filters_are_added_to_the_credential_filters_not_put_in_their_place(
        tmp_path: Path) -> None:
    vcr = recorder(tmp_path, filter_headers=["X-Trace"], filter_query_parameters=["sig"])
    for header in ("Secret", "ApiIntegrationCode", "UserName", "X-Trace"):
        assert header in vcr.filter_headers
    assert "sig" in vcr.filter_query_parameters
    assert ("user", "[FILTERED]") in vcr.filter_query_parameters
