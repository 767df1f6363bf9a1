"""FakeAutotask's route table checked against the provider Swagger (skipped without it)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from autotask_fn.testing.autotask import ROUTES
from autotask_fn.testing.autotask.schema import ENTITIES


def _find_swagger() -> Path:
    """The provider Swagger: $AUTOTASK_FN_SWAGGER, or shared/reference/ beside the checkout."""
    if os.environ.get("AUTOTASK_FN_SWAGGER"):
        return Path(os.environ["AUTOTASK_FN_SWAGGER"])
    name = Path("reference") / "autotask-swagger-v1.json"
    for base in (Path(__file__).resolve().parents[2].parent / "shared", Path("/work/shared")):
        if (base / name).is_file():
            return base / name
    return Path("shared") / name


SWAGGER = _find_swagger()
WEBHOOK_ENTITIES = ("TicketWebhooks", "TicketWebhookFields", "TicketWebhookExcludedResources")


def _norm(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path).lower()


def _webhook_operations() -> set[tuple[str, str]]:
    """The TicketWebhooks family as reference §8 lists it (the Swagger copy lacks it)."""
    ops = {
        ("POST", "/V1.0/TicketWebhooks"), ("PUT", "/V1.0/TicketWebhooks"),
        ("PATCH", "/V1.0/TicketWebhooks"), ("GET", "/V1.0/TicketWebhooks/{id}"),
        ("DELETE", "/V1.0/TicketWebhooks/{id}"),
        *((m, "/V1.0/TicketWebhooks/{parentId}/Fields") for m in ("GET", "POST", "PUT", "PATCH")),
        ("DELETE", "/V1.0/TicketWebhooks/{parentId}/Fields/{id}"),
        ("GET", "/V1.0/TicketWebhooks/{parentId}/ExcludedResources"),
        ("POST", "/V1.0/TicketWebhooks/{parentId}/ExcludedResources"),
        ("DELETE", "/V1.0/TicketWebhooks/{parentId}/ExcludedResources/{id}"),
    }
    for root in WEBHOOK_ENTITIES:  # root URLs: query/get and the generic metadata (§3)
        ops |= {
            ("GET", f"/V1.0/{root}/{{id}}"), ("GET", f"/V1.0/{root}/query"),
            ("POST", f"/V1.0/{root}/query"), ("GET", f"/V1.0/{root}/query/count"),
            ("POST", f"/V1.0/{root}/query/count"), ("GET", f"/V1.0/{root}/entityInformation"),
            ("GET", f"/V1.0/{root}/entityInformation/fields"),
            ("GET", f"/V1.0/{root}/entityInformation/userDefinedFields"),
        }
    return {(m, _norm(p)) for m, p in ops}


@pytest.fixture(scope="module")
def swagger_ops() -> set[tuple[str, str]]:
    if not SWAGGER.exists():
        pytest.skip("the provider Swagger copy is not available")
    paths = json.loads(SWAGGER.read_text(encoding="utf-8"))["paths"]
    return {(verb.upper(), _norm(path)) for path, verbs in paths.items() for verb in verbs}


def test_every_served_route_exists_in_the_swagger_or_reference(
    swagger_ops: set[tuple[str, str]],
) -> None:
    webhook_ops = _webhook_operations()
    missing = [
        route for route in ROUTES
        if (route.method, _norm(route.template)) not in
        (webhook_ops if route.entity in WEBHOOK_ENTITIES else swagger_ops)
    ]
    assert missing == []


def test_no_swagger_verb_on_a_served_entity_path_is_missing(
    swagger_ops: set[tuple[str, str]],
) -> None:
    """Where the Swagger offers a verb on an entity's own URLs, the fake serves it too."""
    served = {(r.method, _norm(r.template)) for r in ROUTES}
    paths = set()
    for spec in ENTITIES.values():
        if spec.name in WEBHOOK_ENTITIES:
            continue
        paths |= {f"/V1.0/{spec.name}", f"/V1.0/{spec.name}/{{id}}"}
        if spec.parent is not None:
            child = f"/V1.0/{spec.parent.segment}/{{parentId}}/{spec.parent.child}"
            paths |= {child, f"{child}/{{id}}"}
    wanted = {(m, p) for m, p in swagger_ops if p in {_norm(x) for x in paths}}
    assert sorted(wanted - served) == []
