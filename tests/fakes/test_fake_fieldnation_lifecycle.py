"""FakeFieldNation: the status machine as a property, sub-states and their events."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_fn.testing import FakeFieldNation
from autotask_fn.testing.fieldnation import KNOWN_EVENTS, FakeApiError

URL = "https://sync.example.com/fn"
#: The documented lifecycle (reference §3), written out independently of the fake's table.
ALLOWED = {
    "publish": ({"Draft"}, "Published"),
    "unpublish": ({"Published"}, "Draft"),
    "route": ({"Draft", "Published", "Routed"}, "Routed"),
    "assign": ({"Published", "Routed"}, "Assigned"),
    "complete_work": ({"Assigned"}, "Work Done"),
    "mark_incomplete": ({"Work Done"}, "Assigned"),
    "approve": ({"Work Done"}, "Approved"),
    "mark_paid": ({"Approved"}, "Paid"),
    "cancel": ({"Draft", "Published", "Routed", "Assigned"}, "Cancelled"),
    "delete_work_order": ({"Draft"}, "Deleted"),
}


def _act(fake: FakeFieldNation, wo: int, action: str) -> None:
    if action == "assign":
        fake.state.assign(wo, fake.seed.provider_id, fake.state.api_user())
    else:
        getattr(fake, action)(wo)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(sorted(ALLOWED)), max_size=10))
def test_every_action_sequence_follows_the_documented_lifecycle(actions: list[str]) -> None:
    fake = FakeFieldNation()
    fake.register_webhook(URL, sorted(KNOWN_EVENTS), secret="s3cret-value")
    wo = fake.create_work_order()
    fake.take_deliveries()
    for action in actions:
        before = fake.work_order(wo)["status"]
        sources, target = ALLOWED[action]
        if before["name"] in sources:
            _act(fake, wo, action)
            after = fake.work_order(wo)["status"]
            assert after["name"] == target
            events = [d.json()["event"] for d in fake.take_deliveries()]
            status_events = [e for e in events if e["name"].startswith("workorder.status.")]
            if before["id"] == after["id"]:
                assert status_events == []
            else:
                assert len(status_events) == 1
                assert status_events[0]["params"]["status_id"] == after["id"]
                assert status_events[0]["params"]["previous_status_id"] == before["id"]
        else:
            with pytest.raises(FakeApiError) as refused:
                _act(fake, wo, action)
            # The provider-side helper is refused as a stranger before any assignment.
            stranger = action == "complete_work" and fake.work_order(wo)["assignee"] is None
            assert refused.value.status == (403 if stranger else 400)
            assert fake.work_order(wo)["status"] == before
            assert fake.take_deliveries() == []


def test_status_ids_follow_the_table() -> None:
    fake = FakeFieldNation()
    wo = fake.create_work_order()
    seen = [fake.work_order(wo)["status"]["id"]]
    for step in (fake.publish, fake.assign, fake.complete_work, fake.approve, fake.mark_paid):
        step(wo)
        seen.append(fake.work_order(wo)["status"]["id"])
    assert seen == [1, 2, 3, 4, 5, 6]


def test_sub_states_emit_their_events_and_show_in_the_status() -> None:
    fake = FakeFieldNation()
    fake.register_webhook(URL, sorted(KNOWN_EVENTS))
    wo = fake.create_work_order()
    fake.assign(wo)
    fake.take_deliveries()
    fake.confirm(wo)
    assert fake.work_order(wo)["status"]["confirmed"] is True
    fake.on_my_way(wo)
    status = fake.work_order(wo)["status"]
    assert (status["id"], status["code"], status["display"]) == (3, "on_my_way",
                                                                 "Assigned: On my way")
    fake.set_sub_status(wo, "on_hold")
    assert [d.event for d in fake.take_deliveries()] == [
        "workorder.status.confirmed", "workorder.status.on_my_way"]
    with pytest.raises(FakeApiError):
        fake.set_sub_status(wo, "sleeping")


def test_provider_can_accept_a_route_but_not_take_an_unrouted_order() -> None:
    fake = FakeFieldNation()
    wo = fake.create_work_order()
    fake.publish(wo)
    tech = fake.http_client("tech")
    url = f"{fake.REST_PREFIX}/workorders/{wo}/assignee"
    body = {"user": {"id": fake.seed.provider_id}}
    assert tech.post(url, json=body).status_code == 403
    fake.route(wo)
    accepted = tech.post(url, json=body)
    assert accepted.status_code == 200
    assert accepted.json()["assignee"]["user"]["id"] == fake.seed.provider_id


def test_a_requested_order_is_visible_to_the_provider_until_someone_else_gets_it() -> None:
    fake = FakeFieldNation()
    fake.register_webhook(URL, ["workorder.requested", "workorder.status.assigned"])
    wo = fake.create_work_order()
    with pytest.raises(FakeApiError):
        fake.request_work_order(wo)  # a draft is not on the marketplace
    fake.publish(wo)
    tech = fake.http_client("tech")
    path = f"{fake.REST_PREFIX}/workorders/{wo}"
    assert tech.get(path).status_code == 403
    fake.request_work_order(wo)
    assert tech.get(path).status_code == 200
    fake.assign(wo, fake.seed.second_provider_id)
    assert tech.get(path).status_code == 403
    events = fake.take_deliveries()
    assert [(d.event, d.json()["triggered_by_user"]["id"]) for d in events] == [
        ("workorder.requested", fake.seed.provider_id),
        ("workorder.status.assigned", fake.seed.api_user_id)]
