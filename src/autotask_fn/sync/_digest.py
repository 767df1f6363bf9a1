"""What the change digests of a work order cover beyond its Field Nation facts.

A sync is skipped (``skipped="unchanged"``) when the digest stored with the work order link
matches the one computed now. Facts alone are not enough: a deployed mapper change would
never reach work orders already synced. So the digest also covers what the mappers
**produce** for the work order (:func:`mapped_output`: each reconciler's ``mapped(ctx)``,
computed from the facts without any Autotask call). A mapper whose output changed re-syncs
the work order on the next sweep, whatever its class is called; a renamed class with the
same output re-syncs nothing.

A sweep with change signals on (:mod:`autotask_fn.sync.quiet`) skips before reading the
sub-resources the mappers need; its digest covers the code of the mappers and reconcilers
instead (:func:`code_digest`): any code change sends the work order to the full check, which
re-syncs only when the output changed.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from autotask_fn.sync.reconcile import content_hash

if TYPE_CHECKING:
    from autotask_fn.sync.reconcile import WorkOrderContext


def mapped_output(reconcilers: Iterable[Any], ctx: WorkOrderContext) -> list[Any]:
    """Each reconciler's mapped values for the work order (``None`` for a reconciler without
    a ``mapped`` method)."""
    out: list[Any] = []
    for reconciler in reconcilers:
        mapped = getattr(reconciler, "mapped", None)
        out.append(mapped(ctx) if callable(mapped) else None)
    return out


_PLAIN = (str, bytes, int, float, bool, type(None))


def _code(code: types.CodeType) -> list[Any]:
    consts = [_code(c) if isinstance(c, types.CodeType) else repr(c)
              for c in code.co_consts]
    return [code.co_code.hex(), consts, list(code.co_names)]


def _member(value: Any) -> Any:
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [_member(f) for f in (value.fget, value.fset, value.fdel)]
    if isinstance(value, types.FunctionType):
        return _code(value.__code__)
    if isinstance(value, _PLAIN):
        return repr(value)
    if isinstance(value, (tuple, frozenset)) and all(isinstance(v, _PLAIN) for v in value):
        return repr(sorted(value, key=repr) if isinstance(value, frozenset) else value)
    return None  # objects whose repr carries an address say nothing stable


def code_digest(objects: Iterable[Any]) -> str:
    """A digest of the code of the objects' classes (every class of their MRO except
    ``object``): the methods' bytecode and constants and the plain class attributes. Class
    and module names are left out, so renaming a class changes nothing."""
    parts: list[Any] = []
    for obj in objects:
        if obj is None:
            parts.append(None)
            continue
        for cls in type(obj).__mro__[:-1]:
            parts.append(sorted(
                [name, _member(value)] for name, value in vars(cls).items()
                if name not in ("__module__", "__qualname__", "__doc__", "__dict__",
                                "__weakref__", "__annotations__", "__firstlineno__",
                                "__static_attributes__")))
    return content_hash(parts)


__all__ = ["code_digest", "mapped_output"]
