"""FakeAutotask's route table checked against the provider Swagger (skipped without it)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autotask_fn.autotask.routes import ROUTES as SDK_ROUTES
from autotask_fn.testing.autotask import ROUTES
from autotask_fn.testing.autotask.schema import ENTITIES
from autotask_fn.testing.contract import CONTRACT_ID

from .test_fake_autotask_support import connect


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


#: What the fake serves although this Swagger copy lacks it, by the contract row that
#: sources it: a predicate over (VERB, normalised path) for routes, and (entity, field) pairs
#: for fields. Rows owned by other parts of the fake are listed here as data only (their
#: own tests carry the markers); the lead reconciles an id if its row is renamed.
ROUTE_EXCEPTIONS: dict[str, Callable[[str, str], bool]] = {
    "AT-ROUTES-WEBHOOKS": lambda verb, path: (verb, path) in _webhook_operations(),
    "AT-PAGING-POST": lambda verb, path: verb == "POST" and path.endswith("/query/next"),
}
FIELD_EXCEPTIONS: dict[str, set[tuple[str, str]]] = {
    "AT-ATTACH-TICKETID-QUERY": {("TicketAttachments", "ticketID"),
                                 ("TicketAttachments", "ticketNoteID"),
                                 ("TicketAttachments", "timeEntryID")},
}


def _excused(verb: str, path: str) -> str | None:
    return next((cid for cid, rule in ROUTE_EXCEPTIONS.items() if rule(verb, path)), None)


def _entity_paths(name: str) -> tuple[str, ...]:
    """The URL prefixes that address an entity: its root and, for a child, its parent URL."""
    spec = ENTITIES[name]
    roots = [f"/v1.0/{name.lower()}"]
    if spec.parent is not None:
        roots.append(f"/v1.0/{spec.parent.segment.lower()}/{{}}/{spec.parent.child.lower()}")
    return tuple(roots)


def _belongs(path: str, name: str) -> bool:
    for root in _entity_paths(name):
        rest = path[len(root):]
        if path == root or (path.startswith(root + "/")
                            and not (root.endswith(name.lower()) and rest.startswith("/{}/"))):
            return True  # ``/v1.0/tickets/{}/notes`` belongs to TicketNotes, not Tickets
    return False


@pytest.fixture(scope="module")
def swagger() -> dict[str, Any]:
    if not SWAGGER.exists():
        pytest.skip("the provider Swagger copy is not available")
    loaded: dict[str, Any] = json.loads(SWAGGER.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def swagger_ops(swagger: dict[str, Any]) -> set[tuple[str, str]]:
    return {(verb.upper(), _norm(path)) for path, verbs in swagger["paths"].items()
            for verb in verbs}


def test_the_fake_serves_every_entity_the_sdk_uses() -> None:
    used = {route.entity for route in SDK_ROUTES.values()} & set(ENTITIES)
    synced = {"Tickets", "TicketNotes", "TicketCharges", "TicketAttachments", "TimeEntries",
              "ExpenseReports", "ExpenseItems", "Companies", "CompanyLocations", "Contacts",
              "Resources", "Roles", "BillingCodes", "ServiceCalls", "ServiceCallTickets",
              "Projects", "Tasks"}
    assert synced <= used


@pytest.mark.contract("AT-ROUTES-SWAGGER", "AT-ROUTES-WEBHOOKS")
def test_every_served_route_exists_in_the_swagger_or_is_a_listed_exception(
    swagger_ops: set[tuple[str, str]],
) -> None:
    missing = [
        route for route in ROUTES
        if (route.method, _norm(route.template)) not in swagger_ops
        and _excused(route.method, _norm(route.template)) is None
    ]
    assert missing == []


@pytest.mark.contract("AT-ROUTES-SWAGGER", "AT-ROUTES-CHILD-METADATA")
def test_every_swagger_route_of_a_served_entity_is_served(
    swagger_ops: set[tuple[str, str]],
) -> None:
    """Both directions: what the Swagger offers on a served entity's URLs, the fake serves."""
    served = {(r.method, _norm(r.template)) for r in ROUTES}
    wanted = {(verb, path) for verb, path in swagger_ops
              for name in ENTITIES if name not in WEBHOOK_ENTITIES and _belongs(path, name)}
    assert sorted(wanted - served) == []


@pytest.mark.contract("AT-ROUTES-CHILD-METADATA")
@pytest.mark.parametrize("suffix", ["", "/fields", "/userDefinedFields"])
def test_child_metadata_routes_describe_the_child_entity(suffix: str) -> None:
    fake, client = connect()
    ticket = fake.insert("Tickets", {"title": "t", "companyID": fake.seed.company_id})
    child = client.get(f"Tickets/{ticket}/Notes/entityInformation{suffix}")
    root = client.get(f"TicketNotes/entityInformation{suffix}")
    assert child.status_code == 200
    assert child.json() == root.json()


def test_the_exceptions_are_what_the_swagger_lacks(
    swagger: dict[str, Any], swagger_ops: set[tuple[str, str]],
) -> None:
    """Each listed exception is still missing from the Swagger (else drop it) and has an id."""
    for cid in (*ROUTE_EXCEPTIONS, *FIELD_EXCEPTIONS):
        assert CONTRACT_ID.match(cid), cid
    assert not [op for op in swagger_ops if _excused(*op)]
    models = {name.lower(): model for name, model in swagger["definitions"].items()}
    for pairs in FIELD_EXCEPTIONS.values():
        for entity, field in pairs:
            model = models.get(f"{ENTITIES[entity].entity_type.lower()}model", {})
            assert field.lower() not in {p.lower() for p in model.get("properties", {})}


def test_every_field_of_the_fake_is_in_the_swagger_model(swagger: dict[str, Any]) -> None:
    models = {name.lower(): model for name, model in swagger["definitions"].items()}
    excused = set().union(*FIELD_EXCEPTIONS.values())
    missing = []
    for spec in ENTITIES.values():
        if spec.name in WEBHOOK_ENTITIES:
            continue  # no model in this Swagger copy (AT-ROUTES-WEBHOOKS)
        model = models[f"{(spec.entity_type or spec.name[:-1]).lower()}model"]
        props = {p.lower() for p in model.get("properties", {})}
        missing += [(spec.name, f.name) for f in spec.fields
                    if f.name.lower() not in props and (spec.name, f.name) not in excused]
    assert missing == []
