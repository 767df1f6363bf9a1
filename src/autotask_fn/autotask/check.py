"""The connection test run when a connector is saved: it reads, it never writes.

It checks, in order: the zone lookup, the credentials and integration code (one cheap read),
the hourly request budget, and for each entity the connector uses whether the entity allows
the needed actions and the API user's security level grants them (``entityInformation``, read
fresh: access granted a minute ago is seen). Ask only for what the configuration needs:
``ConnectorSettings.required_access()`` lists it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from autotask_fn.autotask.errors import (
    CREDENTIAL_HINTS,
    AutotaskAuthError,
    AutotaskError,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskValidationError,
)

if TYPE_CHECKING:
    from autotask_fn.autotask.client import AutotaskClient

__all__ = ["DEFAULT_ENTITIES", "CheckResult", "ConnectionReport", "run_check"]

#: What the connector needs with its default settings (``ConnectorSettings()``): expenses go
#: to expense reports, files sync, no outbound create. ``ConnectorSettings.required_access()``
#: gives the list for other settings.
DEFAULT_ENTITIES: Mapping[str, tuple[str, ...]] = {
    "Tickets": ("query", "update"),
    "TimeEntries": ("query", "create", "update", "delete"),
    "TicketNotes": ("query", "create", "update"),
    "Resources": ("query",),
    "ExpenseReports": ("query", "create"),
    "ExpenseItems": ("query", "create", "update"),
    "TicketAttachments": ("query", "create", "delete"),
    "Companies": ("query",),
    "CompanyLocations": ("query",),
    "Contacts": ("query",),
}

#: Above this share of the hourly budget the check warns.
BUDGET_WARNING = 0.8

FIX_CREDENTIALS = CREDENTIAL_HINTS[None]
FIX_CODE = CREDENTIAL_HINTS["integration_code"]


@attrs.frozen
class CheckResult:
    """One line of the report: ``fix`` says what to change when ``ok`` is False.

    ``skipped`` marks a check that could not run because an earlier one failed (it is
    neither passed nor failed; ``ok`` stays True so only the cause counts as a failure).
    """

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    skipped: bool = False

    @property
    def status(self) -> str:
        """``ok``, ``fail`` or ``skip``: the one status this line shows."""
        return "skip" if self.skipped else ("ok" if self.ok else "fail")


@attrs.frozen
class ConnectionReport:
    """The outcome of :meth:`AutotaskClient.check_connection`; ``ok`` when every check passed."""

    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        """The checks that failed (not those skipped because an earlier one failed)."""
        return [r for r in self.results if not r.ok and not r.skipped]

    def __str__(self) -> str:
        lines = [f"[{r.status if r.ok else 'FAIL'}] {r.name}: {r.detail}"
                 + ("" if r.ok or not r.fix else f" -> {r.fix}") for r in self.results]
        return "\n".join(lines)


def run_check(
    client: AutotaskClient, entities: Mapping[str, Sequence[str]], *, fresh: bool = True
) -> ConnectionReport:
    """Run the checks (see the module docstring); ``fresh`` forgets cached metadata first.

    Raises :class:`~autotask_fn.autotask.errors.AutotaskZoneError` when the zone cannot be
    found (nothing else can be checked; an unknown username raises its subclass
    :class:`~autotask_fn.autotask.errors.AutotaskUnknownUserError`, also an
    :class:`~autotask_fn.autotask.errors.AutotaskAuthError`); every later problem is a failed
    :class:`CheckResult`. A refused login is one failed line (``credentials``, or
    ``integration code`` when the code is refused; the other is skipped) whose ``fix`` names
    the credential to check, and nothing else is checked.
    """
    results: list[CheckResult] = []
    zone = client.zone if client._explicit_base is None else client._zone
    where = (f"{zone.zone_name} at {zone.url}" if client._explicit_base is None and zone
             else f"base URL given: {client.base_url}")
    if client._tenant_id is not None:
        where += f"; tenant id {client._tenant_id} (configured)"
    elif zone is not None:
        where += f"; tenant id {zone.ci} (zone discovery at {client.zone_url})"
    results.append(CheckResult("zone", True, where))
    try:
        info = client.threshold()
    except (AutotaskAuthError, AutotaskValidationError) as exc:
        # A GET of ThresholdInformation has no data to refuse: a 500 with a text we do not
        # recognise is a refused login too (Autotask answers those with 500, not 401).
        credential = exc.credential if isinstance(exc, AutotaskAuthError) else None
        # One failed line naming the refused credential; the other is skipped, never "ok".
        code = credential == "integration_code"
        results.append(CheckResult(
            "credentials", False,
            "not checked (integration code refused)" if code else f"refused: {exc.message}",
            None if code else CREDENTIAL_HINTS.get(credential, FIX_CREDENTIALS), skipped=code,
        ))
        results.append(CheckResult(
            "integration code", False,
            f"refused: {exc.message}" if code else "not checked (credentials refused)",
            FIX_CODE if code else None, skipped=not code,
        ))
        return ConnectionReport(tuple(results))
    except AutotaskNotFoundError as exc:  # the threshold route always exists: the URL is wrong
        results.append(CheckResult(
            "credentials", False, f"could not be checked: HTTP 404 at {exc.url}",
            _fix_base_url(client),
        ))
        return ConnectionReport(tuple(results))
    except AutotaskError as exc:  # 5xx, transport, thread limit...: a failed check, not a raise
        results.append(CheckResult(
            "credentials", False, f"could not be checked: {exc.message}",
            "Retry later; if it persists, check the network path to the zone and the "
            "Autotask status page, or contact Autotask Support.",
        ))
        return ConnectionReport(tuple(results))
    results.append(CheckResult("credentials", True, "accepted"))
    results.append(CheckResult("integration code", True, "accepted"))
    results.append(CheckResult(
        "hourly budget", info.usage < BUDGET_WARNING,
        f"{info.current_timeframe_request_count} of {info.external_request_threshold} requests "
        f"used in the last {info.request_threshold_timeframe} min",
        None if info.usage < BUDGET_WARNING else
        "Another integration uses most of the tenant's hourly budget: see Admin > Extensions "
        "& Integrations > API Activity by Hour.",
    ))
    if fresh:
        client.forget_metadata()
    for entity, actions in entities.items():
        results.append(_check_entity(client, entity, actions))
    return ConnectionReport(tuple(results))


def _fix_base_url(client: AutotaskClient) -> str:
    """The fix line for a 404 on a route that always exists: the REST base URL is wrong."""
    if client._explicit_base is None:
        return (f"The zone lookup at {client.zone_url} gave the REST base {client.base_url}, "
                "which has no such route: check zone_url (AUTOTASK_FN_AT_ZONE_URL).")
    return (f"Check base_url (AUTOTASK_FN_AT_BASE_URL, now {client.base_url}): it is the REST "
            "base ending in /ATServicesRest/, without V1.0, e.g. the 'REST URL' that "
            "'autotask-fn zone USERNAME' prints.")


def _check_entity(client: AutotaskClient, entity: str, actions: Sequence[str]) -> CheckResult:
    name = f"access {entity}"
    try:
        info = client.entity_information(entity)
    except AutotaskPermissionError as exc:
        return CheckResult(name, False, f"no access: {exc.message}",
                           f"Grant the API user's security level access to {entity}.")
    except AutotaskError as exc:
        return CheckResult(name, False, f"could not read entityInformation: {exc.message}",
                           "Retry later; if it persists contact Autotask Support.")
    missing_entity = [a for a in actions if not getattr(info, f"can_{a}", False)]
    missing_user = [a for a in actions
                    if a not in missing_entity and not getattr(info, f"user_access_for_{a}", False)]
    if missing_entity:
        return CheckResult(name, False, f"Autotask does not offer {', '.join(missing_entity)}",
                           "This Autotask version lacks a feature the connector needs.")
    if missing_user:
        return CheckResult(
            name, False, f"the API user may not {', '.join(missing_user)} {entity}",
            f"In Admin > Security Levels, allow the API user's level to "
            f"{', '.join(missing_user)} {entity}.",
        )
    return CheckResult(name, True, f"may {', '.join(actions)}")
