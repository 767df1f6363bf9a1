"""The root of every exception autotask-fn raises on purpose.

Each half of the SDK has its own hierarchy (:mod:`autotask_fn.autotask.errors`,
:mod:`autotask_fn.fieldnation.errors`, :mod:`autotask_fn.sync.errors`), all rooted in
:class:`AutotaskFnError`, so a host can catch everything with one ``except`` clause.
"""

from __future__ import annotations


class AutotaskFnError(Exception):
    """Base class of all errors raised by autotask-fn."""


class ConfigurationError(AutotaskFnError):
    """The SDK was configured in a way that cannot work (missing code, bad settings).

    The message always says what to change and where to get the missing value.
    """
