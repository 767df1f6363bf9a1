"""Each fake hands out a real client already wired to it (for hosts' own tests)."""

from __future__ import annotations

from autotask_fn.autotask import AutotaskClient
from autotask_fn.autotask.query import eq
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.testing import FakeAutotask, FakeFieldNation


def test_fake_autotask_client_discovers_the_fake_zone_and_reads_records() -> None:
    fake = FakeAutotask()
    client = fake.client()
    assert isinstance(client, AutotaskClient)
    assert client.zone.ci == fake.ci
    rows = list(client.query("Companies", eq("id", fake.seed.company_id)))
    assert [r["id"] for r in rows] == [fake.seed.company_id]
    assert fake.count_requests("POST", r"/Companies/query") == 1


def test_fake_autotask_client_passes_options_through() -> None:
    client = FakeAutotask().client(max_retries=0)
    assert client.stats.total == 0


def test_fake_fieldnation_client_follows_the_fake_clock_for_tokens() -> None:
    fake = FakeFieldNation()
    client = fake.client()
    assert isinstance(client, FieldNationClient)
    wo_id = fake.create_work_order(title="Fix the door")
    assert client.get_work_order(wo_id).title == "Fix the door"
    fake.clock.advance(3700)  # past the token lifetime: the client renews before asking
    assert client.get_work_order(wo_id).id == wo_id
    assert fake.count_requests("POST", r"/oauth/token") == 2
