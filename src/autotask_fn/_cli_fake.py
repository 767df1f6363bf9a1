"""The ready configuration ``autotask-fn fake-server`` prints (and writes with
``--write-config``): every URL and credential of both served fakes, as TOML and as
``AUTOTASK_FN_*`` environment lines."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import attrs

from autotask_fn.config import ENV_PREFIX

__all__ = ["FakeConfig", "fake_config", "write_private"]

#: The connector settings a served pair of fakes accepts (type of work and pay of the
#: seeded Field Nation company), so ``import-ticket`` works out of the box.
_SETTINGS = {"type_of_work_id": 11, "pay": '{type = "fixed", base = {amount = 150, units = 1}}'}


@attrs.frozen
class FakeConfig:
    """The configuration of two served fakes: ``values`` as ``{table: {key: value}}``."""

    values: dict[str, dict[str, Any]]

    def toml(self) -> str:
        """The configuration file text (it holds the fakes' secrets: keep it ``chmod 600``)."""
        lines = ["# autotask-fn configuration for the local fakes (autotask-fn fake-server)",
                 "# Holds the fakes' credentials: keep it readable by its owner only."]
        for table, values in self.values.items():
            lines.append(f"\n[{table}]")
            lines.extend(f"{key} = {_toml(value)}" for key, value in values.items())
        lines.append("\n[settings.inbound]")
        lines.extend(f"{key} = {value}" for key, value in _SETTINGS.items())
        # Field Nation providers carry no e-mail: the seeded technician is mapped by user id.
        provider, resource = _seeded_technician()
        lines.append("\n[settings.resource_map]")
        lines.append(f'"{provider}" = {resource}')
        return "\n".join(lines) + "\n"

    def env(self) -> dict[str, str]:
        """The same values as ``AUTOTASK_FN_*`` environment variables."""
        from autotask_fn.config import _ENV_MAP

        return {f"{ENV_PREFIX}{_ENV_MAP[(table, key)]}": str(value)
                for table, values in self.values.items() for key, value in values.items()}

    def env_lines(self) -> str:
        """``export AUTOTASK_FN_...=...`` lines for a POSIX shell."""
        return "\n".join(f"export {k}={_shell(v)}" for k, v in self.env().items())


def _seeded_technician() -> tuple[int, int]:
    """The seeded Field Nation provider's user id and the Autotask technician's resource id."""
    from autotask_fn.testing import FakeAutotask, FakeFieldNation

    return FakeFieldNation().seed.provider_id, FakeAutotask().seed.tech_resource_id


def fake_config(at_origin: str, fn_origin: str, store: Path) -> FakeConfig:
    """The configuration pointing at FakeAutotask served at ``at_origin`` and
    FakeFieldNation at ``fn_origin`` (``http://host:port``), with links in ``store``."""
    from autotask_fn.testing import FakeAutotask, FakeFieldNation

    return FakeConfig({
        "autotask": {
            "username": FakeAutotask.USERNAME,
            "secret": FakeAutotask.SECRET,
            "integration_code": FakeAutotask.INTEGRATION_CODE,
            "base_url": f"{at_origin}/ATServicesRest/",
            "zone_url": f"{at_origin}/atservicesrest/",
        },
        "fieldnation": {
            "client_id": FakeFieldNation.CLIENT_ID,
            "client_secret": FakeFieldNation.CLIENT_SECRET,
            "username": FakeFieldNation.USERNAME,
            "password": FakeFieldNation.PASSWORD,
            "base_url": fn_origin,
        },
        "store": {"url": str(store)},
    })


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by its owner only (``0600``), also
    when the file already existed with wider permissions."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def _toml(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def _shell(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"
