"""The public surface is deliberate: typed (no ``Any`` standing in for a real type), listed in
docs/reference/api.md, and the docs never point into private modules."""

from __future__ import annotations

import collections.abc as cabc
import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import autotask_fn

ROOT = Path(__file__).resolve().parents[1]
#: The public packages (and modules) and their ``__all__``.
PUBLIC = ["autotask_fn", "autotask_fn.autotask", "autotask_fn.fieldnation", "autotask_fn.store",
          "autotask_fn.sync", "autotask_fn.testing", "autotask_fn.probe", "autotask_fn.config"]
#: ``Any`` kept on purpose, with why.
ALLOWED_ANY = {
    # a decoded JSON request body, which the fakes (and a host's own fake rules) index freely
    "autotask_fn.testing.FakeRequest.json",
}
_MAPPINGS = (dict, cabc.Mapping, cabc.MutableMapping)


def _namespace() -> dict[str, Any]:
    """Every class and alias the package defines, to resolve annotations written under
    ``TYPE_CHECKING``."""
    ns: dict[str, Any] = {}
    for info in pkgutil.walk_packages(autotask_fn.__path__, "autotask_fn."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        ns.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    from wsgiref.simple_server import WSGIServer  # testing.serve

    import redis  # RedisLimiter(client=redis.Redis)
    from opentelemetry.trace import Tracer, TracerProvider  # SyncService(tracer_provider=)

    ns.update(redis=redis, WSGIServer=WSGIServer, Tracer=Tracer, TracerProvider=TracerProvider)
    return ns


def hints_of(func: Callable[..., Any], ns: dict[str, Any]) -> dict[str, Any]:
    """The resolved annotations; names missing from the function's module (imported only
    for type checking) come from ``ns``."""
    extra = {k: v for k, v in ns.items() if k not in func.__globals__}
    return typing.get_type_hints(func, localns=extra)


def _callables(qualname: str, obj: object) -> Iterator[tuple[str, Callable[..., Any]]]:
    if inspect.isfunction(obj):
        yield qualname, obj
    elif inspect.isclass(obj):
        for name, member in vars(obj).items():
            if name.startswith("_") and name != "__init__":
                continue
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__
            if isinstance(member, property):
                member = member.fget
            if inspect.isfunction(member):
                yield f"{qualname}.{name}", member


def _has_any(tp: object) -> bool:
    """``Any`` anywhere but as the value type of a JSON object (``dict[str, Any]``)."""
    if tp is Any:
        return True
    args = typing.get_args(tp)
    if typing.get_origin(tp) in _MAPPINGS and args == (str, Any):
        return False
    return any(_has_any(a) for a in args if a is not Ellipsis)


def public_callables() -> list[tuple[str, Callable[..., Any]]]:
    out = []
    for package in PUBLIC:
        module = importlib.import_module(package)
        for name in module.__all__:
            out.extend(_callables(f"{package}.{name}", getattr(module, name)))
    return out


def test_no_public_signature_uses_any() -> None:
    ns = _namespace()
    found = []
    for qualname, func in public_callables():
        hints = hints_of(func, ns)
        params = inspect.signature(func).parameters
        for name, tp in hints.items():
            passed_on = name in params and params[name].kind in (
                inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
            if _has_any(tp) and not passed_on and qualname not in ALLOWED_ANY:
                found.append(f"{qualname}: {name}: {tp}")
    assert found == []


def test_the_walk_sees_the_signatures_it_checks() -> None:
    # The check above is only worth something if it reaches the methods that matter.
    names = {q for q, _ in public_callables()}
    assert {"autotask_fn.sync.SyncService.import_ticket", "autotask_fn.config.open_store",
            "autotask_fn.sync.SyncService.handle_autotask_webhook",
            "autotask_fn.sync.ConnectorSettings.validate"} <= names
    assert _has_any(list[Any])
    assert _has_any(Any | None)
    assert not _has_any(dict[str, Any])


@pytest.mark.parametrize(("qualname", "expected"), [
    ("autotask_fn.sync.SyncService.import_ticket", "ImportResult"),
    ("autotask_fn.sync.SyncService.handle_autotask_webhook", "WebhookAck"),
    ("autotask_fn.config.open_store", "Store"),
])
def test_the_entry_points_return_their_types(qualname: str, expected: str) -> None:
    func = dict(public_callables())[qualname]
    assert hints_of(func, _namespace())["return"].__name__ == expected


def test_every_public_name_is_listed_in_the_api_reference() -> None:
    text = (ROOT / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
    missing = [f"{package}.{name}" for package in PUBLIC
               for name in importlib.import_module(package).__all__ if f"`{name}`" not in text]
    assert missing == []


def test_docs_never_point_into_private_modules() -> None:
    private = re.compile(r"autotask_fn(?:\.[a-z]\w*)*\._[a-z]\w*")
    pages = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
    found = [f"{page.relative_to(ROOT)}:{n}: {m.group(0)}" for page in pages
             for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
             for m in private.finditer(line)]
    assert found == []
