"""Build a :class:`~autotask_fn.SyncService` from autotask-fn's configuration, with public
names only (the same TOML file and ``AUTOTASK_FN_*`` variables as the ``autotask-fn``
command; see docs/reference/cli.md).

Every example host calls :func:`build_service` in its ``main()``; their tests build the
service themselves, pointed at fakes served on local ports.
"""

from __future__ import annotations

from typing import Literal

from autotask_fn import AutotaskClient, ConnectorSettings, FieldNationClient, SyncService
from autotask_fn.config import load_config, open_store


def build_service(config_path: str | None = None) -> SyncService:
    """The service the configuration describes: both clients, the store and the settings
    (validated against the Autotask tenant when the service is built)."""
    config = load_config(config_path)
    username, secret = config.autotask.require()
    zone = {"zone_url": config.autotask.zone_url} if config.autotask.zone_url else {}
    autotask = AutotaskClient(username, secret, config.autotask.integration_code,
                              base_url=config.autotask.base_url, **zone)
    environment: Literal["sandbox", "production"] = (
        "production" if config.fieldnation.environment == "production" else "sandbox")
    fieldnation = FieldNationClient(*config.fieldnation.require(), environment=environment,
                                    base_url=config.fieldnation.base_url)
    return SyncService(autotask=autotask, fieldnation=fieldnation,
                       store=open_store(config.store_url),
                       settings=ConnectorSettings.from_mapping(config.settings))
