"""The live suite: end-to-end scenarios against the tenants ``AUTOTASK_FN_LIVE_*`` names.

``AUTOTASK_FN_LIVE_CONFIG`` is a configuration file in the CLI's format, and every
``AUTOTASK_FN_LIVE_<NAME>`` stands for ``AUTOTASK_FN_<NAME>`` (``AUTOTASK_FN_LIVE_AT_SECRET``
...). Without them every test here is skipped with that reason. The configuration must mark
both services ``sandbox = true`` and record the Autotask ``tenant_id`` that zone discovery
confirms: anything else fails the run before a write.

"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import attrs
import pytest

from autotask_fn.config import Config, load_config
from autotask_fn.errors import ConfigurationError

PREFIX = "AUTOTASK_FN_LIVE_"


def live_environ() -> dict[str, str]:
    """``AUTOTASK_FN_LIVE_X`` as ``AUTOTASK_FN_X`` (the configuration loader's names)."""
    return {"AUTOTASK_FN_" + key[len(PREFIX):]: value for key, value in os.environ.items()
            if key.startswith(PREFIX) and value}


@attrs.define
class Live:
    """What every live scenario shares: the configuration, clients, service and marker."""

    config: Config
    autotask: Any
    fieldnation: Any
    service: Any
    store: Any
    marker: str
    created: list[tuple[str, str, int]] = attrs.Factory(list)
    state: dict[str, int] = attrs.Factory(dict)
    outcome: dict[str, Any] = attrs.Factory(dict)


def build(tmp: Path) -> Live:
    env = live_environ()
    if not env:
        pytest.skip("live suite: set AUTOTASK_FN_LIVE_CONFIG (or AUTOTASK_FN_LIVE_* "
                    "credentials) to point it at sandboxes or the served fakes")
    from autotask_fn._cli_runtime import Runtime
    from autotask_fn.probe.write import write_options
    from autotask_fn.store import SqliteStore

    try:
        config = load_config(env.get("AUTOTASK_FN_CONFIG"), environ=env)
        runtime = Runtime(config=config, store=SqliteStore(str(tmp / "live.sqlite3")))
        runtime.autotask = runtime._autotask_client()
        runtime.fieldnation = runtime._fieldnation_client()
        write_options(config, runtime.autotask, environ=env)
        service = runtime.service()
    except ConfigurationError as exc:
        pytest.fail(f"live suite refused: {exc}", pytrace=False)
    return Live(config, runtime.autotask, runtime.fieldnation, service, runtime.store,
                f"autotask-fn live {uuid.uuid4().hex[:10]}")


def clean_up(world: Live) -> None:
    """Delete what the APIs let us delete; close the ticket and cancel the work order."""
    from autotask_fn.autotask.errors import AutotaskError
    from autotask_fn.fieldnation.errors import FieldNationError

    for service, entity, rid in reversed(world.created):
        try:
            if service == "fieldnation" and entity == "workorders":
                world.fieldnation.cancel_work_order(rid, f"{world.marker}: live test done")
            elif entity == "Tickets":
                labels = {str(v.label).lower(): v.value
                          for v in world.autotask.picklist("Tickets", "status").values}
                done = next((v for k, v in labels.items() if "complete" in k), None)
                if done is not None:
                    world.autotask.update("Tickets", {"id": rid, "status": done})
            else:
                world.autotask.delete(entity, rid)
        except (AutotaskError, FieldNationError, ValueError):
            pass  # left behind: named with the run's marker
