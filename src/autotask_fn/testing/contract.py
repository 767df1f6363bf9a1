"""Contract ids: which behaviour of the real services each rule of the fakes reproduces.

Every rule of :class:`~autotask_fn.testing.FakeAutotask` and
:class:`~autotask_fn.testing.FakeFieldNation` that the SDK relies on names the row of
``docs/reference/contract.md`` it reproduces, so a rule cannot exist without a stated source
(vendor page, public report of live behaviour, or "unconfirmed")::

    @contract_rule("AT-PAGING-POST")
    def next_page(...): ...

    PAGE_SIZE = contract_value("AT-PAGING-SIZE", 500)

Tests that pin a row carry ``@pytest.mark.contract("AT-PAGING-POST")``. A test of the
project checks both directions: every id used here or in a test has a row, and every row
names a registered fake rule and a test carrying its marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["CONTRACT_ID", "contract_rule", "contract_value", "registered_rules"]

#: The shape of a contract id: the service (``AT`` or ``FN``), then upper-case words.
CONTRACT_ID = re.compile(r"^(AT|FN)(-[A-Z0-9]+)+$")

_F = TypeVar("_F", bound=Callable[..., object])
_T = TypeVar("_T")

_RULES: dict[str, list[str]] = {}


def _register(contract_id: str, where: str) -> None:
    if not CONTRACT_ID.match(contract_id):
        raise ValueError(f"not a contract id: {contract_id!r} (expected e.g. 'AT-PAGING-POST')")
    places = _RULES.setdefault(contract_id, [])
    if where not in places:
        places.append(where)


def contract_rule(*contract_ids: str) -> Callable[[_F], _F]:
    """Mark a function of a fake as the rule reproducing the given contract rows."""

    def mark(func: _F) -> _F:
        where = f"{func.__module__}.{getattr(func, '__qualname__', repr(func))}"
        for contract_id in contract_ids:
            _register(contract_id, where)
        return func

    return mark


def contract_value(contract_id: str, value: _T, *, name: str | None = None) -> _T:
    """Mark a constant (a limit, a text, a table) of a fake as reproducing a contract row.

    Returns ``value`` unchanged. ``name`` is where it lives, for the registry's report; the
    caller's module is used when it is not given.
    """
    if name is None:
        import sys

        frame = sys._getframe(1)
        name = f"{frame.f_globals.get('__name__', '?')}:{frame.f_lineno}"
    _register(contract_id, name)
    return value


def registered_rules() -> dict[str, tuple[str, ...]]:
    """Every contract id a loaded fake module registered, with where each rule lives.

    Only modules already imported have registered: import the fakes first
    (:func:`load_all` does).
    """
    return {key: tuple(places) for key, places in sorted(_RULES.items())}


def load_all() -> None:
    """Import every module of the fakes, so that all their rules are registered."""
    import importlib
    import pkgutil

    import autotask_fn.testing as package

    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        importlib.import_module(info.name)
