"""autotask-fn: keep Autotask PSA and Field Nation in sync."""

from autotask_fn._version import __version__
from autotask_fn.errors import AutotaskFnError, ConfigurationError

__all__ = ["AutotaskFnError", "ConfigurationError", "__version__"]
