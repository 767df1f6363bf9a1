"""What the command line builds from configuration: clients, store, settings, service.

Kept apart from :mod:`autotask_fn.cli` so the argument parsing stays small and this part can
be tested on its own.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any, Literal, TextIO

import attrs
import httpx

from autotask_fn._redact import redact_url
from autotask_fn.config import Config, load_config, open_store
from autotask_fn.errors import ConfigurationError

#: Paths that are reads even though they are sent as POST.
_READ_POSTS = ("/query", "/query/count", "/oauth/token")


@attrs.define
class PlannedWrite:
    """A write the dry-run transport intercepted."""

    method: str
    url: str
    body: str


class DryRunTransport(httpx.BaseTransport):
    """Passes reads through and answers writes itself, recording them.

    Autotask writes are answered ``{"itemId": 0}``; Field Nation writes echo the request body
    with ``id: 0``. Nothing is changed on either service.
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.planned: list[PlannedWrite] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.lower()
        is_write = request.method in {"POST", "PUT", "PATCH", "DELETE"} and not path.endswith(
            _READ_POSTS
        )
        if not is_write:
            return self.inner.handle_request(request)
        body = request.read().decode("utf-8", "replace")
        self.planned.append(PlannedWrite(request.method, redact_url(request.url), body))
        if "/atservicesrest/" in path:
            return httpx.Response(200, json={"itemId": 0}, request=request)
        try:
            echo = json.loads(body) if body else {}
        except ValueError:
            echo = {}
        if not isinstance(echo, dict):
            echo = {}
        echo.setdefault("id", 0)
        return httpx.Response(200, json=echo, request=request)

    def close(self) -> None:
        self.inner.close()


class _ReadOnlyStore:
    """Store proxy for dry runs: reads go to the real store, writes are dropped."""

    _WRITES = frozenset({
        "save_link", "delete_link", "enqueue", "complete", "retry_later", "dead_letter",
        "replay", "discard", "put_intent", "delete_intent",
    })

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name in self._WRITES:
            def _dropped(*args: Any, **kwargs: Any) -> Any:
                if name == "save_link":
                    return args[0] if args else kwargs.get("link")
                return True
            return _dropped
        return attr


@attrs.define
class Runtime:
    """Clients, store and service built from a :class:`~autotask_fn.config.Config`."""

    config: Config
    store: Any
    autotask: Any = None
    fieldnation: Any = None
    transport: DryRunTransport | None = None

    @classmethod
    def from_args(
        cls,
        args: argparse.Namespace,
        *,
        need_autotask: bool = True,
        need_fieldnation: bool = False,
        dry_run: bool = False,
        existing_store: bool = False,
    ) -> Runtime:
        """Load configuration, open the store and build the clients a command needs.

        ``existing_store`` (the commands that only inspect the store): refuse, rather than
        create an empty store, when no store is configured and the default file is absent.
        """
        config = load_config(getattr(args, "config", None))
        if existing_store:
            config.require_store()
        store = open_store(config.store_url)
        transport = DryRunTransport(httpx.HTTPTransport(retries=0)) if dry_run else None
        runtime = cls(config=config, store=_ReadOnlyStore(store) if dry_run else store,
                      transport=transport)
        if need_autotask:
            runtime.autotask = runtime._autotask_client()
        if need_fieldnation:
            runtime.fieldnation = runtime._fieldnation_client()
        return runtime

    def _http(self) -> httpx.Client | None:
        return httpx.Client(transport=self.transport, timeout=30.0) if self.transport else None

    def _autotask_client(self) -> Any:
        from autotask_fn.autotask import AutotaskClient

        creds = self.config.autotask
        username, secret = creds.require()
        creds.require_tenant()
        extra: dict[str, Any] = {"zone_url": creds.zone_url} if creds.zone_url else {}
        return AutotaskClient(
            username, secret, creds.integration_code, base_url=creds.base_url,
            tenant_id=creds.tenant_id, http_client=self._http(), **extra,
        )

    def _fieldnation_client(self) -> Any:
        from autotask_fn.fieldnation import FieldNationClient

        creds = self.config.fieldnation
        client_id, client_secret, username, password = creds.require()
        return FieldNationClient(
            client_id, client_secret, username, password,
            environment=_environment(creds.environment), base_url=creds.base_url,
            http_client=self._http(),
        )

    def connector_settings(self) -> Any:
        """The connector settings from the ``[settings]`` table (not yet validated)."""
        from autotask_fn.sync import ConnectorSettings

        raw: Mapping[str, Any] = self.config.settings
        try:
            return ConnectorSettings.from_mapping(raw)
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigurationError(f"[settings]: {exc}") from None

    def settings(self) -> Any:
        """The connector settings from the ``[settings]`` table, validated against Autotask.

        A refused login raises :class:`~autotask_fn.autotask.AutotaskAuthError` (one error
        naming the credential to check), never a list of settings that "do not fit".
        """
        return self.connector_settings().validate(self.autotask)

    def service(self) -> Any:
        """A :class:`~autotask_fn.sync.SyncService` over the configured clients and store."""
        from autotask_fn.sync import SyncService

        return SyncService(
            autotask=self.autotask, fieldnation=self.fieldnation, store=self.store,
            settings=self.settings(),
        )

    def check(self) -> list[CheckLine]:
        """Run the connection test and the settings validation: one line per check.

        A check that cannot run because an earlier one failed is ``skip``, never ``ok``; an
        ``ok`` line never carries a fix (advice that is not a failure is a ``warn`` line).
        """
        from autotask_fn.autotask.check import CheckResult

        lines: list[CheckLine] = []
        # With base_url the check would not need the zone; the sync does (the tenant id
        # scopes every link), so it is looked up here: a failure stops the check as an
        # unknown zone does (exit 1 with the zone hint), not the first import.
        _ = self.autotask.tenant_id
        try:
            settings, unreadable = self.connector_settings(), None
        except ConfigurationError as exc:
            settings, unreadable = None, exc
        # Ask only for the access the configured features need (None: the defaults).
        report = self.autotask.check_connection(
            settings.required_access() if settings is not None else None)
        for result in report.results:
            status = result.status if isinstance(result, CheckResult) else (
                "ok" if result.ok else "fail")
            lines.append(CheckLine(result.name, status, result.detail,
                                   result.fix if status == "fail" else None))
        configured, zone = self.config.autotask.tenant_id, self.autotask._zone
        if configured is not None and zone is not None and zone.ci != configured:
            lines.append(CheckLine(
                "tenant id", "warn",
                f"configured {configured}, but zone discovery says {zone.ci}",
                "Links are kept under the configured id: set tenant_id to the 'tenant ci' "
                "that 'autotask-fn zone USERNAME' prints, unless this is deliberate."))
        if unreadable is not None:
            lines.append(CheckLine("connector settings", "fail", str(unreadable)))
        elif not report.ok:
            lines.append(CheckLine("connector settings", "skip",
                                   "not checked (the Autotask connection failed)"))
        else:
            try:
                settings.validate(self.autotask)
                lines.append(CheckLine("connector settings", "ok",
                                       "every label and id resolves in the tenant"))
            except ConfigurationError as exc:
                lines.append(CheckLine("connector settings", "fail", str(exc)))
        if self.fieldnation is not None:
            lines.extend(self._check_fieldnation())
        return lines

    def _check_fieldnation(self) -> list[CheckLine]:
        try:
            hooks = self.fieldnation.webhooks.list()
        except Exception as exc:  # reported as a failed line, never a traceback
            return [CheckLine("Field Nation credentials", "fail", f"{type(exc).__name__}: {exc}",
                              "Check the Field Nation client id and secret, user name and "
                              "password, and the environment or base URL."),
                    CheckLine("Field Nation webhooks", "skip",
                              "not checked (credentials refused)")]
        lines = [CheckLine("Field Nation credentials", "ok", "accepted")]
        if hooks:
            lines.append(CheckLine("Field Nation webhooks", "ok", f"{len(hooks)} registered"))
        else:
            lines.append(CheckLine(
                "Field Nation webhooks", "warn", "none registered",
                "Register a webhook (Integrations > Webhooks) so changes arrive in near real "
                "time; sweeps still work without one."))
        return lines

    @property
    def planned_writes(self) -> list[PlannedWrite] | None:
        """The writes a ``--dry-run`` intercepted (``None`` when not a dry run)."""
        return None if self.transport is None else list(self.transport.planned)

    def print_dry_run(self, out: TextIO) -> None:
        """List the writes a ``--dry-run`` intercepted."""
        if self.transport is None:
            return
        if not self.transport.planned:
            print("dry run: no writes would be made", file=out)
        for w in self.transport.planned:
            print(f"dry run: would {w.method} {w.url} {w.body}", file=out)


@attrs.frozen
class CheckLine:
    """One line of ``autotask-fn check``: ``status`` is ``ok``, ``warn``, ``fail`` or
    ``skip``; ``fix`` (on ``fail`` and ``warn`` lines only) says what to change."""

    name: str
    status: str
    detail: str
    fix: str | None = None


def _environment(name: str) -> Literal["sandbox", "production"]:
    if name not in ("sandbox", "production"):
        raise ConfigurationError(
            f"Field Nation environment {name!r} is not 'sandbox' or 'production' "
            "(set AUTOTASK_FN_FN_BASE_URL for any other host)")
    return "production" if name == "production" else "sandbox"
