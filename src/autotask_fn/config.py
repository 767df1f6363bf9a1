"""Credentials and connector configuration from a TOML file and environment variables.

The command line and hosts that want file-based configuration use :func:`load_config`.
Secrets come only from the environment or from a file that only its owner can read; a
configuration file that is readable by others and holds a secret is refused.

Environment variables (each overrides the file):

=================================  =========================================================
``AUTOTASK_FN_CONFIG``             path of the TOML file (default ``autotask-fn.toml`` if present)
``AUTOTASK_FN_AT_USERNAME``        Autotask API user name (an email)
``AUTOTASK_FN_AT_SECRET``          Autotask API user secret (password) -- secret
``AUTOTASK_FN_INTEGRATION_CODE``   Autotask API tracking identifier; the distributor's default
``AUTOTASK_FN_AT_BASE_URL``        REST base URL (requests go there); needs a tenant id:
                                   ``AUTOTASK_FN_AT_ZONE_URL`` or ``AUTOTASK_FN_AT_TENANT_ID``
``AUTOTASK_FN_AT_ZONE_URL``        zone discovery base URL (default: the public one)
``AUTOTASK_FN_AT_TENANT_ID``       the tenant id (zone ``ci``) when zone discovery is not used
``AUTOTASK_FN_FN_CLIENT_ID``       Field Nation OAuth client id
``AUTOTASK_FN_FN_CLIENT_SECRET``   Field Nation OAuth client secret -- secret
``AUTOTASK_FN_FN_USERNAME``        Field Nation API user name
``AUTOTASK_FN_FN_PASSWORD``        Field Nation API user password -- secret
``AUTOTASK_FN_FN_ENVIRONMENT``     ``production`` or ``sandbox`` (default ``sandbox``)
``AUTOTASK_FN_FN_BASE_URL``        explicit Field Nation base URL
``AUTOTASK_FN_STORE``              SQLite file path or a ``postgresql://`` DSN
=================================  =========================================================

The TOML file has the tables ``[autotask]`` (``username``, ``secret``, ``integration_code``,
``base_url``, ``zone_url``, ``tenant_id``), ``[fieldnation]`` (``client_id``, ``client_secret``,
``username``, ``password``, ``environment``, ``base_url``), ``[store]`` (``url``) and
``[settings]`` (the connector settings, passed to :class:`autotask_fn.sync.ConnectorSettings`).
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from autotask_fn.errors import ConfigurationError

if TYPE_CHECKING:
    from autotask_fn.store.base import Store

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_STORE",
    "ENV_PREFIX",
    "AutotaskCredentials",
    "Config",
    "FieldNationCredentials",
    "load_config",
    "open_store",
]

ENV_PREFIX = "AUTOTASK_FN_"
DEFAULT_CONFIG_FILE = "autotask-fn.toml"
DEFAULT_STORE = "autotask_fn.sqlite3"

_SECRET_KEYS = {("autotask", "secret"), ("fieldnation", "client_secret"),
                ("fieldnation", "password")}

_ENV_MAP: dict[tuple[str, str], str] = {
    ("autotask", "username"): "AT_USERNAME",
    ("autotask", "secret"): "AT_SECRET",
    ("autotask", "integration_code"): "INTEGRATION_CODE",
    ("autotask", "base_url"): "AT_BASE_URL",
    ("autotask", "zone_url"): "AT_ZONE_URL",
    ("autotask", "tenant_id"): "AT_TENANT_ID",
    ("fieldnation", "client_id"): "FN_CLIENT_ID",
    ("fieldnation", "client_secret"): "FN_CLIENT_SECRET",
    ("fieldnation", "username"): "FN_USERNAME",
    ("fieldnation", "password"): "FN_PASSWORD",
    ("fieldnation", "environment"): "FN_ENVIRONMENT",
    ("fieldnation", "base_url"): "FN_BASE_URL",
    ("store", "url"): "STORE",
}


def _hidden(value: str | None) -> str:
    return "None" if value is None else "'***'"


@attrs.frozen
class AutotaskCredentials:
    """What :class:`autotask_fn.AutotaskClient` is built from."""

    username: str | None = None
    secret: str | None = attrs.field(default=None, repr=_hidden)
    integration_code: str | None = attrs.field(default=None, repr=_hidden)
    base_url: str | None = None
    zone_url: str | None = None
    tenant_id: int | None = None
    """The tenant id (zone ``ci``); links are scoped by it."""

    def require(self) -> tuple[str, str]:
        """Return (username, secret) or raise naming the missing environment variable."""
        missing = [
            f"{ENV_PREFIX}{_ENV_MAP[('autotask', k)]}"
            for k in ("username", "secret")
            if not getattr(self, k)
        ]
        if missing:
            raise ConfigurationError(
                "Autotask credentials are missing: set " + " and ".join(missing)
                + " (or [autotask] in the configuration file)."
            )
        return str(self.username), str(self.secret)

    def require_tenant(self) -> None:
        """With ``base_url``, the tenant id must come from somewhere explicit (and the URL
        must be the REST base, not the versioned one).

        Zone discovery gives both the REST base and the tenant id (which scopes every link).
        A configured ``base_url`` replaces only the first: the tenant id then comes from zone
        discovery at a configured ``zone_url``, or from ``tenant_id``. Without either the
        public zone host would be asked about a tenant that may live elsewhere, so this
        raises one :class:`~autotask_fn.errors.ConfigurationError` saying what to set.
        """
        if self.base_url and self.base_url.rstrip("/").lower().endswith("/v1.0"):
            raise ConfigurationError(
                f"{ENV_PREFIX}AT_BASE_URL ([autotask] base_url) {self.base_url!r} ends in "
                "V1.0: give the REST base ending in /ATServicesRest/ (the client adds V1.0/), "
                "e.g. the 'REST URL' that 'autotask-fn zone USERNAME' prints."
            )
        if self.base_url and not self.zone_url and self.tenant_id is None:
            raise ConfigurationError(
                f"{ENV_PREFIX}AT_BASE_URL ([autotask] base_url) is set, so the tenant id "
                f"needs a source: set {ENV_PREFIX}AT_TENANT_ID ([autotask] tenant_id, the "
                f"'tenant ci' that 'autotask-fn zone USERNAME' prints) or "
                f"{ENV_PREFIX}AT_ZONE_URL ([autotask] zone_url, the zone discovery host)."
            )


@attrs.frozen
class FieldNationCredentials:
    """What :class:`autotask_fn.FieldNationClient` is built from."""

    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=_hidden)
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=_hidden)
    environment: str = "sandbox"
    base_url: str | None = None

    def require(self) -> tuple[str, str, str, str]:
        """Return the four credentials or raise naming the missing environment variables."""
        keys = ("client_id", "client_secret", "username", "password")
        missing = [f"{ENV_PREFIX}{_ENV_MAP[('fieldnation', k)]}" for k in keys
                   if not getattr(self, k)]
        if missing:
            raise ConfigurationError(
                "Field Nation credentials are missing: set " + ", ".join(missing)
                + " (or [fieldnation] in the configuration file)."
            )
        return (str(self.client_id), str(self.client_secret), str(self.username),
                str(self.password))


@attrs.frozen
class Config:
    """Everything the command line needs, merged from file and environment."""

    autotask: AutotaskCredentials
    fieldnation: FieldNationCredentials
    store_url: str
    settings: Mapping[str, Any]
    source: Path | None
    store_configured: bool = False
    """True when ``[store] url`` or ``AUTOTASK_FN_STORE`` was set (else the default file)."""

    def require_store(self) -> None:
        """Raise unless a store is configured or the default SQLite file exists here."""
        if not self.store_configured and not Path(self.store_url).is_file():
            raise ConfigurationError(
                f"no store is configured and there is no {self.store_url} here: set "
                f"{ENV_PREFIX}STORE ([store] url in the configuration file) to the SQLite "
                "file or postgresql:// DSN the sync uses."
            )


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Load the configuration from ``path`` (or ``$AUTOTASK_FN_CONFIG``, or
    ``./autotask-fn.toml`` when present) and the environment.

    Raises :class:`~autotask_fn.errors.ConfigurationError` for an unreadable or invalid file,
    or a file readable by group/others that contains a secret.
    """
    env = os.environ if environ is None else environ
    file_path: Path | None = None
    if path is not None:
        file_path = Path(path)
    elif env.get(f"{ENV_PREFIX}CONFIG"):
        file_path = Path(env[f"{ENV_PREFIX}CONFIG"])
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        file_path = Path(DEFAULT_CONFIG_FILE)

    data: dict[str, Any] = {}
    if file_path is not None:
        data = _read_toml(file_path)

    def pick(section: str, key: str) -> Any:
        env_name = f"{ENV_PREFIX}{_ENV_MAP[(section, key)]}"
        if env.get(env_name):
            return env[env_name]
        table = data.get(section, {})
        return table.get(key) if isinstance(table, dict) else None

    at = AutotaskCredentials(
        username=pick("autotask", "username"),
        secret=pick("autotask", "secret"),
        integration_code=pick("autotask", "integration_code"),
        base_url=pick("autotask", "base_url"),
        zone_url=pick("autotask", "zone_url"),
        tenant_id=_tenant_id(pick("autotask", "tenant_id")),
    )
    fn = FieldNationCredentials(
        client_id=pick("fieldnation", "client_id"),
        client_secret=pick("fieldnation", "client_secret"),
        username=pick("fieldnation", "username"),
        password=pick("fieldnation", "password"),
        environment=pick("fieldnation", "environment") or "sandbox",
        base_url=pick("fieldnation", "base_url"),
    )
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigurationError(f"{file_path}: [settings] must be a table")
    return Config(
        autotask=at,
        fieldnation=fn,
        store_url=pick("store", "url") or DEFAULT_STORE,
        settings=settings,
        source=file_path,
        store_configured=bool(pick("store", "url")),
    )


def _tenant_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        tenant = int(value)
    except (TypeError, ValueError):
        tenant = -1
    if isinstance(value, bool) or tenant < 0:
        raise ConfigurationError(
            f"{ENV_PREFIX}AT_TENANT_ID ([autotask] tenant_id) must be a whole number "
            f"(the tenant ci), not {value!r}")
    return tenant


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read configuration file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from None
    holds_secret = any(
        isinstance(data.get(section), dict) and data[section].get(key)
        for section, key in _SECRET_KEYS
    )
    if holds_secret and os.name == "posix":
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            raise ConfigurationError(
                f"{path} holds a secret but can be read by other users; run "
                f"'chmod 600 {path}' or move the secret to an environment variable."
            )
    return data


def open_store(url: str) -> Store:
    """Open the store named by ``url``: a ``postgresql://`` DSN or a SQLite file path
    (``:memory:`` keeps it in memory)."""
    from autotask_fn.store import SqliteStore

    if url.startswith(("postgresql://", "postgres://")):
        from autotask_fn.store import PostgresStore

        return PostgresStore(url)
    return SqliteStore(None if url == ":memory:" else url)
