"""Webhook registration through /api/v1/webhooks (Bearer auth, v3 envelope)."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.fieldnation import Events, FieldNationValidationError

from .conftest import StubFN, body, make_client

HOOK = {"webhookId": "wh-1", "url": "https://hooks.example.com/fn", "method": "post",
        "status": "active", "events": ["workorder.created"], "secret": "s3cr3t-hook"}


def v3(result: object) -> dict:
    return {"metadata": {"timestamp": "2026-01-20T08:55:58Z"}, "result": result}


class Hooks:
    """A tiny webhooks v3 server."""

    def __init__(self) -> None:
        self.hooks: dict[str, dict] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path == "/api/v1/webhooks":
            data = body(request)
            hook = {**data, "webhookId": f"wh-{len(self.hooks) + 1}"}
            self.hooks[hook["webhookId"]] = hook
            return httpx.Response(201, json=v3(hook))
        if request.method == "GET" and path == "/api/v1/webhooks":
            return httpx.Response(200, json=v3(list(self.hooks.values())))
        if request.method == "DELETE" and path.startswith("/api/v1/webhooks/"):
            if self.hooks.pop(path.rsplit("/", 1)[1], None) is None:
                return httpx.Response(404, json={"metadata": {}, "errors": [
                    {"code": 404, "message": "webhook not found"}], "result": {}})
            return httpx.Response(200, json=v3({}))
        return httpx.Response(404, json={"message": "no route"})


def test_register_list_delete_round_trip_with_bearer_token() -> None:
    hooks = Hooks()
    stub = StubFN(hooks)
    fn = make_client(stub)

    reg = fn.webhooks.register("https://hooks.example.com/fn",
                               [Events.WORK_ORDER_CREATED, Events.STATUS_WORK_DONE],
                               secret="s3cr3t-hook")
    assert reg.webhook_id == "wh-1"
    assert reg.events == ("workorder.created", "workorder.status.work_done")
    assert "s3cr3t-hook" not in repr(reg)

    post = stub.api_requests()[0]
    assert post.headers["authorization"] == f"Bearer {stub.issued[0]}"
    assert "access_token" not in post.url.params
    assert body(post) == {"url": "https://hooks.example.com/fn", "method": "post",
                          "status": "active",
                          "events": ["workorder.created", "workorder.status.work_done"],
                          "secret": "s3cr3t-hook"}

    assert [h.webhook_id for h in fn.webhooks.list()] == ["wh-1"]
    fn.webhooks.delete("wh-1")
    assert fn.webhooks.list() == []


def test_deleting_an_unknown_webhook_is_not_found_with_v3_message() -> None:
    fn = make_client(StubFN(Hooks()))
    with pytest.raises(Exception, match="webhook not found") as info:
        fn.webhooks.delete("nope")
    assert info.value.status == 404


def test_register_refuses_plain_http_and_empty_events_before_any_request() -> None:
    stub = StubFN(Hooks())
    fn = make_client(stub)
    with pytest.raises(ValueError, match="https"):
        fn.webhooks.register("http://hooks.example.com/fn", [Events.WORK_ORDER_CREATED])
    with pytest.raises(ValueError, match="event"):
        fn.webhooks.register("https://hooks.example.com/fn", [])
    assert stub.requests == []


def test_server_side_validation_error_is_typed() -> None:
    refusal = {"metadata": {}, "errors": [{"code": 422, "message": "unknown event"}],
               "result": {}}
    fn = make_client(StubFN(lambda r: httpx.Response(422, json=refusal)))
    with pytest.raises(FieldNationValidationError, match="unknown event"):
        fn.webhooks.register("https://hooks.example.com/fn", ["workorder.nope"])


def test_every_event_constant_is_a_dotted_workorder_name() -> None:
    names = Events.all()
    assert len(names) == len(set(names)) == 30
    assert all(n.startswith("workorder.") for n in names)
