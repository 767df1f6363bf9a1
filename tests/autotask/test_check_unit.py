"""The connection test reads only, and reports each problem with a fix."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.autotask import AutotaskZoneError
from autotask_fn.autotask.check import DEFAULT_ENTITIES

from .conftest import reply

THRESHOLD = {"externalRequestThreshold": 10000, "requestThresholdTimeframe": 60,
             "currentTimeframeRequestCount": 120}


def info(name: str, *, deny: tuple[str, ...] = ()) -> dict:
    flags = {f"can{a}": True for a in ("Create", "Update", "Query", "Delete")}
    access = {f"userAccessFor{a}": a.lower() not in deny
              for a in ("Create", "Update", "Query", "Delete")}
    return {"info": {"name": name, **flags, **access}}


def tenant(deny: dict[str, tuple[str, ...]] | None = None, threshold=THRESHOLD):
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("ThresholdInformation"):
            return reply(threshold)
        if path.endswith("entityInformation"):
            entity = path.split("/")[-2]
            return reply(info(entity, deny=(deny or {}).get(entity, ())))
        return reply({"errors": ["unexpected"]}, 500)

    return handler


def test_a_healthy_tenant_passes_every_check_without_writing(make_client) -> None:
    client, mock = make_client(tenant())
    report = client.check_connection()
    assert report.ok, str(report)
    names = [r.name for r in report.results]
    assert names[:4] == ["zone", "credentials", "integration code", "hourly budget"]
    assert {n.removeprefix("access ") for n in names[4:]} == set(DEFAULT_ENTITIES)
    assert {r.method for r in mock.requests} == {"GET"}


def test_missing_permissions_fail_with_a_fix(make_client) -> None:
    client, _ = make_client(tenant({"TimeEntries": ("delete",), "TicketNotes": ("create",)}))
    report = client.check_connection()
    assert not report.ok
    failed = {r.name: r for r in report.failures}
    assert set(failed) == {"access TimeEntries", "access TicketNotes"}
    assert "delete" in failed["access TimeEntries"].detail
    assert "Security Levels" in (failed["access TicketNotes"].fix or "")


def test_a_nearly_spent_budget_is_reported(make_client) -> None:
    spent = {**THRESHOLD, "currentTimeframeRequestCount": 9000}
    client, _ = make_client(tenant(threshold=spent))
    report = client.check_connection({"Tickets": ("query",)})
    assert [r.name for r in report.failures] == ["hourly budget"]


@pytest.mark.parametrize(("status", "errors", "line", "names"), [
    (401, ["Unauthorized"], "credentials", "secret"),
    (500, ["IntegrationCode is invalid."], "integration code", "integration code"),
    (500, ["The UserName is not valid."], "credentials", "username"),
    (500, ["Some wording nobody documented."], "credentials",
     "username, its secret and the integration"),
])
def test_a_refused_login_is_one_failed_line_naming_the_credential(
        make_client, status, errors, line, names) -> None:
    client, mock = make_client(lambda r: reply({"errors": errors}, status))
    report = client.check_connection()
    assert [r.name for r in report.failures] == [line]  # the other line is skipped
    assert {r.status for r in report.results if r.name in ("credentials", "integration code")
            } == {"fail", "skip"}
    assert names in (report.failures[0].fix or "")
    assert len(mock.requests) == 1  # nothing else can be checked, nothing retried


def test_an_unknown_zone_raises_because_nothing_can_be_checked() -> None:
    from autotask_fn.autotask import AutotaskClient

    from .conftest import CODE, SECRET, USER, Mock

    mock = Mock(lambda r: reply(None, 404))
    client = AutotaskClient(USER, SECRET, CODE, transport=mock.transport)
    with pytest.raises(AutotaskZoneError):
        client.check_connection()


@pytest.mark.parametrize("answer", [
    reply({"errors": ["An unexpected error has occurred. Please try again later."]}, 503),
    reply(["not", "an", "object"]),
])
def test_a_threshold_read_that_fails_otherwise_is_a_failed_check_not_an_exception(
        make_client, answer: httpx.Response) -> None:
    client, mock = make_client(lambda request: answer, max_retries=0)
    report = client.check_connection()
    assert not report.ok
    (failed,) = report.failures
    assert failed.name == "credentials"
    assert "could not be checked" in failed.detail
    assert failed.fix
    assert {r.method for r in mock.requests} == {"GET"}


def test_refused_credentials_mark_the_integration_code_skipped_not_passed(make_client) -> None:
    client, _ = make_client(lambda r: reply({"errors": ["Unauthorized"]}, 401))
    report = client.check_connection()
    statuses = {r.name: r.status for r in report.results}
    assert statuses["credentials"] == "fail"
    assert statuses["integration code"] == "skip"
    assert "[ok] integration code" not in str(report)


def test_a_404_on_the_threshold_route_says_to_fix_the_base_url(make_client) -> None:
    client, _ = make_client(lambda r: reply({"errors": ["not found"]}, 404), max_retries=0)
    (failed,) = client.check_connection().failures
    assert "404" in failed.detail
    assert "base_url" in (failed.fix or "")
    assert "Support" not in (failed.fix or "")
