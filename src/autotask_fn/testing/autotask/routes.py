"""The route table: every (verb, path template) the fake serves, and path matching.

Templates use the Swagger's spelling (``/V1.0/Tickets/{parentId}/Notes``); matching is
case-insensitive and ``{id}``/``{parentId}`` match decimal ids. :data:`ROUTES` is a plain tuple
so tests can enumerate it: the Swagger check compares it with the provider Swagger in both
directions for every entity the fake serves (contract rows AT-ROUTES-SWAGGER,
AT-ROUTES-CHILD-METADATA, AT-ROUTES-WEBHOOKS).
"""

from __future__ import annotations

import re

import attrs

from autotask_fn.testing.autotask.schema import ENTITIES, EntitySpec
from autotask_fn.testing.contract import contract_rule, contract_value

PREFIX = "/V1.0"
#: The webhook family: served as the REST webhook pages describe it (reference section 8);
#: the Swagger copy lacks these entities. Their child URLs have no metadata routes.
WEBHOOK_FAMILY = contract_value(
    "AT-ROUTES-WEBHOOKS",
    frozenset({"TicketWebhooks", "TicketWebhookFields", "TicketWebhookExcludedResources"}),
    name="routes.WEBHOOK_FAMILY",
)


@attrs.frozen
class Route:
    """One served operation: ``action`` names the handler, ``entity`` the entity root."""

    method: str
    template: str
    action: str
    entity: str | None = None

    @property
    def segments(self) -> tuple[str, ...]:
        """The template split into path segments."""
        return tuple(self.template.strip("/").split("/"))


@contract_rule("AT-ROUTES-CHILD-METADATA")
def _child_metadata_routes(spec: EntitySpec, base: str) -> list[Route]:
    """``GET {parent}/{parentId}/{child}/entityInformation[/fields|/userDefinedFields]``.

    The Swagger lists them for every child entity that has entity information (attachments
    have none); they describe the child entity, whatever the parent id.
    """
    if not spec.udf_endpoint or spec.name in WEBHOOK_FAMILY:
        return []
    info = f"{base}/entityInformation"
    return [Route("GET", info, "child_info", spec.name),
            Route("GET", f"{info}/fields", "child_fields", spec.name),
            Route("GET", f"{info}/userDefinedFields", "child_udfs", spec.name)]


@contract_rule("AT-ROUTES-SWAGGER")
def _entity_routes(spec: EntitySpec) -> list[Route]:
    name = spec.name
    root = f"{PREFIX}/{name}"
    out = [
        Route("GET", f"{root}/{{id}}", "get", name),
        Route("GET", f"{root}/query", "query", name),
        Route("POST", f"{root}/query", "query", name),
        # The next page of a POST query: POST only, with the same body (not in the Swagger).
        Route("POST", f"{root}/query/next", "query_next", name),
        Route("GET", f"{root}/query/count", "count", name),
        Route("POST", f"{root}/query/count", "count", name),
        Route("GET", f"{root}/entityInformation", "info", name),
        Route("GET", f"{root}/entityInformation/fields", "fields", name),
    ]
    if spec.udf_endpoint:
        out.append(Route("GET", f"{root}/entityInformation/userDefinedFields", "udfs", name))
    base = root
    if spec.parent is not None:
        base = f"{PREFIX}/{spec.parent.segment}/{{parentId}}/{spec.parent.child}"
        out.append(Route("GET", base, "child_list", name))
        out += _child_metadata_routes(spec, base)
        if spec.child_get_by_id:
            out.append(Route("GET", f"{base}/{{id}}", "child_get", name))
    if spec.can_create:
        out.append(Route("POST", base, "create", name))
    if spec.can_update:
        out += [Route("PUT", base, "put", name), Route("PATCH", base, "patch", name)]
    if spec.can_delete:
        out.append(Route("DELETE", f"{base}/{{id}}", "delete", name))
    return out


ROUTES: tuple[Route, ...] = (
    Route("GET", f"{PREFIX}/ZoneInformation", "zone"),
    Route("GET", f"{PREFIX}/ThresholdInformation", "threshold"),
    Route("GET", "/VersionInformation", "version"),
    *(route for spec in ENTITIES.values() for route in _entity_routes(spec)),
)

# Paths that exist for some verb on the real API shape; other verbs get 405, not 404.
_KNOWN: tuple[tuple[str, ...], ...] = tuple(
    {
        *(r.segments for r in ROUTES),
        *(
            tuple(template.strip("/").split("/"))
            for spec in ENTITIES.values()
            for base in (
                f"{PREFIX}/{spec.name}",
                *(
                    (f"{PREFIX}/{spec.parent.segment}/{{parentId}}/{spec.parent.child}",)
                    if spec.parent else ()
                ),
            )
            for template in (base, f"{base}/{{id}}")
        ),
    }
)

_ID = re.compile(r"^\d+$")


def _match(template: tuple[str, ...], parts: list[str]) -> dict[str, int] | None:
    if len(template) != len(parts):
        return None
    params: dict[str, int] = {}
    for want, got in zip(template, parts, strict=True):
        if want.startswith("{"):
            if not _ID.match(got):
                return None
            params[want.strip("{}")] = int(got)
        elif want.lower() != got.lower():
            return None
    return params


def split_path(path: str) -> list[str] | None:
    """Path segments after ``/ATServicesRest`` (case-insensitive), or ``None``."""
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0].lower() != "atservicesrest":
        return None
    return parts[1:]


def resolve(method: str, parts: list[str]) -> tuple[Route, dict[str, int]] | str:
    """Find the route for a request: the route and its ids, or ``"404"``/``"405"``."""
    found_path = False
    for route in ROUTES:
        params = _match(route.segments, parts)
        if params is None:
            continue
        if route.method == method:
            return route, params
        found_path = True
    if found_path or any(_match(t, parts) is not None for t in _KNOWN):
        return "405"
    return "404"
