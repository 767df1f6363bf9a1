"""autotask-fn: keep Autotask PSA and Field Nation in sync.

The names a host needs are importable from here::

    from autotask_fn import AutotaskClient, FieldNationClient, SyncService, ConnectorSettings

They are imported lazily, so ``import autotask_fn`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autotask_fn._version import __version__
from autotask_fn.errors import AutotaskFnError, ConfigurationError

if TYPE_CHECKING:
    from autotask_fn.autotask import AutotaskClient
    from autotask_fn.fieldnation import FieldNationClient
    from autotask_fn.sync import ConnectorSettings, SyncService

__all__ = [
    "AutotaskClient",
    "AutotaskFnError",
    "ConfigurationError",
    "ConnectorSettings",
    "FieldNationClient",
    "SyncService",
    "__version__",
]

_LAZY = {
    "AutotaskClient": "autotask_fn.autotask",
    "FieldNationClient": "autotask_fn.fieldnation",
    "SyncService": "autotask_fn.sync",
    "ConnectorSettings": "autotask_fn.sync",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'autotask_fn' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
