"""OpenTelemetry spans: one per reconcile and per import, the HTTP requests beneath them.

The tracer provider is passed to the service (``tracer_provider=``): no global state is set.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from scenario import T0, Scenario, leaks

from autotask_fn import _otel
from autotask_fn.autotask.errors import AutotaskError


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


def children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    return [s for s in spans if s.parent is not None
            and s.parent.span_id == parent.context.span_id]


def test_a_span_per_reconcile_and_import_with_the_requests_beneath(
        provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    scenario = Scenario(tracer_provider=provider)
    made = scenario.run()
    spans = exporter.get_finished_spans()
    [reconcile] = [s for s in spans if s.name == "autotask_fn.reconcile"]
    assert reconcile.attributes is not None
    assert reconcile.attributes["autotask_fn.work_order_id"] == made["wo"]
    assert reconcile.attributes["autotask_fn.ticket_id"] == made["ticket"]
    assert reconcile.attributes["autotask_fn.writes"] == 3
    requests = children(spans, reconcile)
    by_name = {s.name for s in requests}
    assert {"Field Nation GET workorders", "Autotask PATCH Tickets",
            "Autotask POST TimeEntries", "Autotask POST TicketNotes"} <= by_name
    # The 429 answered first is its own request span, then the retry.
    creates = [s for s in requests if s.name == "Autotask POST TimeEntries" and s.attributes
               and str(s.attributes["url.template"]).endswith("/TimeEntries")]
    assert [s.attributes["http.response.status_code"] for s in creates  # type: ignore[index]
            ] == [429, 200]
    queries = [s for s in requests if s.attributes
               and str(s.attributes["url.template"]).endswith("/TimeEntries/query")]
    assert len(queries) == 1  # the scan for marked records before the first create
    [get_wo] = [s for s in requests if s.name == "Field Nation GET workorders"
                and s.attributes and s.attributes["http.response.status_code"] == 200]
    assert get_wo.attributes is not None
    assert get_wo.attributes["url.template"] == "/api/rest/v2/workorders/{id}"

    [imported] = [s for s in spans if s.name == "autotask_fn.import"]
    assert imported.attributes is not None
    assert imported.attributes["autotask_fn.ticket_id"] == made["imported_ticket"]
    assert imported.attributes["autotask_fn.work_order_id"] == made["imported"].work_order_id
    names = {s.name for s in children(spans, imported)}
    assert {"Autotask GET Tickets", "Field Nation POST workorders"} <= names


def test_span_attributes_hold_no_url_query_secret_or_personal_data(
        provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    scenario = Scenario(tracer_provider=provider)
    made = scenario.run()
    spans = exporter.get_finished_spans()
    assert len(spans) >= 15
    texts = [s.name for s in spans]
    texts += [str(v) for s in spans for v in (s.attributes or {}).values()]
    assert not [t for t in texts if "?" in t or "://" in t]  # no query string, no full URL
    assert leaks(texts, scenario.secrets()) == []
    assert leaks(texts, scenario.personal(made["wo"], made["imported"].work_order_id)) == []


def test_a_failed_reconcile_span_names_the_error_type_only(
        provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    scenario = Scenario(tracer_provider=provider)
    seed = scenario.at_fake.seed
    wo = scenario.fn_fake.create_work_order()
    scenario.fn_fake.assign(wo)
    ticket = scenario.ticket(assignedResourceID=seed.tech_resource_id,
                             assignedResourceRoleID=seed.tech_role_id)
    scenario.svc.link_work_order(wo, ticket)
    scenario.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    scenario.at_fake.fail_next("TimeEntries", status=500, method="POST", count=20,
                               body={"errors": ["database said no for tech@example.com"]})
    with pytest.raises(AutotaskError) as raised:
        scenario.svc.sync_work_order(wo)
    assert "tech@example.com" in str(raised.value)
    [reconcile] = [s for s in exporter.get_finished_spans()
                   if s.name == "autotask_fn.reconcile"]
    assert reconcile.attributes is not None
    assert reconcile.attributes["error.type"] == type(raised.value).__name__
    assert reconcile.status.status_code is StatusCode.ERROR
    assert reconcile.status.description is None  # the error text stays out of the span
    assert not reconcile.events
    assert "tech@example.com" not in str(reconcile.to_json())


def test_without_opentelemetry_nothing_changes(
        monkeypatch: pytest.MonkeyPatch, provider: TracerProvider,
        exporter: InMemorySpanExporter) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)
    try:
        importlib.reload(_otel)
        assert _otel.AVAILABLE is False
        made = Scenario(tracer_provider=provider).run()
        assert made["processed"].reports[0].writes == 3
        assert made["imported"].created
    finally:
        monkeypatch.undo()
        importlib.reload(_otel)
    assert _otel.AVAILABLE is True
    assert exporter.get_finished_spans() == ()
