"""The exceptions the Autotask client raises, and the rules that classify an HTTP answer.

Every exception carries what a host needs to react without parsing text: the HTTP ``status``,
the ``errors`` strings Autotask returned, the ``entity``, the HTTP ``method`` and the ``url``
(never a secret: header values are not part of any error, and the text is redacted).

``ambiguous`` is True when a write may have been applied although it failed: a timeout or a
reset after the request was sent, or a non-validation 5xx answer to POST/PATCH/PUT/DELETE.
The sync layer then looks for its marker before trying again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from autotask_fn._redact import redact_text, redact_url
from autotask_fn.errors import AutotaskFnError

__all__ = [
    "AutotaskAttachmentLimitError",
    "AutotaskAuthError",
    "AutotaskError",
    "AutotaskNotFoundError",
    "AutotaskPagingError",
    "AutotaskPermissionError",
    "AutotaskPicklistError",
    "AutotaskQueryError",
    "AutotaskRateLimitError",
    "AutotaskServerError",
    "AutotaskThreadLimitError",
    "AutotaskThresholdError",
    "AutotaskTransportError",
    "AutotaskUnknownUserError",
    "AutotaskUnsupportedOperation",
    "AutotaskUploadSizeError",
    "AutotaskValidationError",
    "AutotaskZoneError",
    "classify_response",
]

#: A 500 whose text matches this is a server fault, not a validation message (docs/design.md).
SERVER_TEXT = re.compile(
    r"(?i)unexpected error|internal server error|try again|timed? ?out|unavailable"
)
#: The thread-limit error (``Itgenatr005``) may arrive with any status.
THREAD_LIMIT_TEXT = re.compile(r"(?i)itgenatr005|thread (threshold|limit)")
#: The hourly request threshold (the whole tenant is refused until its 60-minute window
#: moves). Its wording is not documented: these keywords match the ways it may be put, and a
#: match makes the answer a rate-limit error whatever its status.
HOURLY_THRESHOLD_TEXT = re.compile(
    r"(?i)\b(request|api|hourly|usage)\s+(threshold|limit|quota)\b"
    r"|requests?\s+per\s+(60\s+minutes|hour)|\bthreshold\b.{0,80}\b(exceeded|reached)\b")
#: The attachment byte budget (10,000,000 bytes per 5 minutes) refusal. Its wording is not
#: documented: an attachment or upload word near a limit word, either way round ...
ATTACHMENT_LIMIT_TEXT = re.compile(
    r"(?i)\b(attachment|upload)\w*\b.{0,80}\b(limit|budget|quota|exceeded)"
    r"|\b(limit|budget|quota)\b.{0,80}\b(attachment|upload)")
#: ... unless it speaks of one file's size, a permanent refusal (6-7 MB per file).
ATTACHMENT_FILE_SIZE_TEXT = re.compile(
    r"(?i)per file|file size|maximum (file )?size|too (large|big)|size limit")
#: How long Autotask refuses attachments once the budget is spent (seconds).
ATTACHMENT_WINDOW = 300.0
#: A bad integration code is an authentication problem whatever the status.
INTEGRATION_CODE_TEXT = re.compile(r"(?i)integration ?code")
#: An unknown user name arrives as a 500 whose text names the user (wording unconfirmed).
USERNAME_TEXT = re.compile(r"(?i)\buser ?name\b|\bunknown user\b")
#: Other wordings of a refused login (the 500 texts are undocumented; unconfirmed).
LOGIN_TEXT = re.compile(r"(?i)authenticat|credential")

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class AutotaskError(AutotaskFnError):
    """Base class of every error the Autotask client raises.

    Attributes: ``status`` (HTTP status or None), ``errors`` (the strings Autotask returned),
    ``entity``, ``method``, ``url`` (redacted) and ``ambiguous``.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        errors: Sequence[str] = (),
        entity: str | None = None,
        method: str | None = None,
        url: str | None = None,
        *,
        ambiguous: bool = False,
        secrets: Iterable[str] = (),
    ) -> None:
        secrets = tuple(secrets)
        self.message = redact_text(message, secrets)
        self.status = status
        self.errors = tuple(redact_text(str(e), secrets) for e in errors)
        self.entity = entity
        self.method = method
        self.url = redact_text(redact_url(url), secrets) if url is not None else None
        self.ambiguous = ambiguous
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        where = " ".join(p for p in (self.method, self.url) if p)
        if where:
            parts.append(f"({where}" + (f" -> {self.status})" if self.status else ")"))
        if self.errors and not all(e in self.message for e in self.errors):
            parts.append("errors: " + "; ".join(self.errors))
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"errors={list(self.errors)!r}, entity={self.entity!r}, method={self.method!r}, "
            f"url={self.url!r}, ambiguous={self.ambiguous!r})"
        )


#: What to check for each refused credential (``AutotaskAuthError.credential``).
CREDENTIAL_HINTS: dict[str | None, str] = {
    "username": (
        "Check the API username: Autotask does not know it. Use the exact username of the "
        "API-only user (Admin > Resources (Users), license type API User), in email format."
    ),
    "secret": (
        "Check the API user's secret (Admin > Resources (Users) > the API user > Security): "
        "Autotask knows the username but refused its secret."
    ),
    "integration_code": (
        "Check the integration code (Admin > Extensions & Integrations > Other Extensions & "
        "Tools > Integration Center, or Autotask Support), or leave it empty to use the "
        "distributor's default (AUTOTASK_FN_INTEGRATION_CODE)."
    ),
    None: "Check the API username, its secret and the integration code.",
}


class AutotaskAuthError(AutotaskError):
    """Autotask refused the credentials; ``credential`` says which one to check.

    Autotask answers an unknown ``UserName`` and a wrong ``ApiIntegrationCode`` with HTTP 500
    and an ``errors`` text, and only a wrong secret of a known user with 401: ``credential``
    is ``"username"``, ``"integration_code"``, ``"secret"`` or None (not told apart), and
    ``hint`` says what to check. Takes the arguments of :class:`AutotaskError` plus the
    keyword ``credential``.
    """

    def __init__(self, *args: Any, credential: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credential = credential
        self.hint: str = CREDENTIAL_HINTS.get(credential, CREDENTIAL_HINTS[None])


_PERMISSION_VERBS = {"POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}


class AutotaskPermissionError(AutotaskError):
    """403: the API user's security level does not allow this.

    ``permission`` names what is missing (``"create TimeEntries"``) and ``fix`` where to grant
    it; retrying does not help until an administrator changes the security level.
    """

    @property
    def permission(self) -> str:
        """The refused action and entity, e.g. ``"update TicketCharges"``."""
        url = (self.url or "").split("?", 1)[0].rstrip("/").lower()
        is_query = url.endswith(("/query", "/query/count"))
        action = "query" if is_query else _PERMISSION_VERBS.get(self.method or "", "query")
        return f"{action} {self.entity or 'this entity'}"

    @property
    def fix(self) -> str:
        """Where to grant the missing permission."""
        return (f"In Admin > Security Levels, allow the API user's security level to "
                f"{self.permission}.")

    def __str__(self) -> str:
        return f"{super().__str__()} Missing permission: {self.permission}. Fix: {self.fix}"


class AutotaskNotFoundError(AutotaskError):
    """404: the route, entity or record does not exist."""


class AutotaskValidationError(AutotaskError):
    """Autotask refused the data (400, or a 500 whose ``errors`` text is a validation message)."""


class AutotaskUploadSizeError(AutotaskValidationError):
    """A streamed upload stopped because the bytes downloaded differ from the size announced
    in ``Content-Length``: the body was never sent in full, so Autotask did not act."""


class AutotaskRateLimitError(AutotaskError):
    """429: the hourly request threshold is exhausted. ``retry_after`` is in seconds, if given.

    Takes the arguments of :class:`AutotaskError` plus the keyword ``retry_after``.
    """

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class AutotaskThreadLimitError(AutotaskRateLimitError):
    """``Itgenatr005``: too many concurrent requests on one endpoint (3 per endpoint).
    Retried within seconds."""


class AutotaskThresholdError(AutotaskRateLimitError):
    """The hourly request threshold is exhausted: Autotask refuses every request of the
    tenant until its rolling 60-minute window moves. Not retried within the request: the
    client pauses the whole tenant (``retry_after`` seconds) and raises this at once for every
    request until then; the sync layer reschedules its work after that pause."""


class AutotaskAttachmentLimitError(AutotaskRateLimitError):
    """The attachment byte budget is spent; ``retry_after`` is the 5-minute window.

    Not retried automatically (the wait is long): a :class:`LocalLimiter` avoids it.
    """


class AutotaskServerError(AutotaskError):
    """A 5xx that is not a validation message."""


class AutotaskTransportError(AutotaskError):
    """The request never got an HTTP answer (connection refused, timeout, reset)."""


class AutotaskZoneError(AutotaskError):
    """Zone discovery failed. ``hint`` says what to check (see the troubleshooting table).

    Takes the arguments of :class:`AutotaskError` plus the required keyword ``hint``.
    """

    def __init__(self, *args: Any, hint: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hint = hint

    def __str__(self) -> str:
        return f"{super().__str__()} Hint: {self.hint}"


class AutotaskUnknownUserError(AutotaskZoneError, AutotaskAuthError):
    """Zone discovery does not know the API username: a zone error and a refused login.

    ``credential`` is ``"username"``; ``hint`` says what to check.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("hint", CREDENTIAL_HINTS["username"])
        super().__init__(*args, credential="username", **kwargs)


class AutotaskUnsupportedOperation(AutotaskError):
    """The operation does not exist for this entity in Autotask (raised before any request)."""


class AutotaskQueryError(AutotaskError, ValueError):
    """A query cannot be sent as built (e.g. more than one UDF condition)."""


class AutotaskPagingError(AutotaskError):
    """Autotask's paging went wrong (a ``nextPageUrl`` repeated, or pointing to another host)."""


class AutotaskPicklistError(AutotaskError, LookupError):
    """A picklist label or value does not exist for the named field."""


def is_attachment_budget_text(text: str) -> bool:
    """Whether an error text says the attachment byte budget is spent (a wait of minutes),
    not that one file is too large (permanent)."""
    return bool(ATTACHMENT_LIMIT_TEXT.search(text)) and not ATTACHMENT_FILE_SIZE_TEXT.search(text)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        # HTTP-date form: Autotask is not documented to use it; parse it if it appears.
        from email.utils import parsedate_to_datetime

        try:
            import time

            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _refused_credential(status: int, text: str) -> str | None:
    """Which credential a refused login points at (see :class:`AutotaskAuthError`)."""
    if INTEGRATION_CODE_TEXT.search(text):
        return "integration_code"
    if status == 401:
        return "secret"  # Autotask answers 401 only for a known user with a wrong secret
    if USERNAME_TEXT.search(text):
        return "username"
    return None


def classify_response(
    status: int,
    errors: Sequence[str] | None,
    *,
    method: str,
    url: str,
    entity: str | None,
    retry_after: str | None = None,
    secrets: Iterable[str] = (),
) -> AutotaskError:
    """Turn a non-2xx answer into the matching :class:`AutotaskError` subclass.

    ``errors`` is the ``errors`` array of the body, or None when the body had none.
    """
    texts = list(errors or ())
    joined = " ".join(texts)
    method = method.upper()
    summary = joined or f"HTTP {status}"
    cls: type[AutotaskError]
    ambiguous = False
    if THREAD_LIMIT_TEXT.search(joined):
        cls, message = AutotaskThreadLimitError, f"Autotask thread limit exceeded: {summary}"
    elif is_attachment_budget_text(joined) and status in (400, 429, 500):
        cls = AutotaskAttachmentLimitError
        message = f"Autotask attachment upload budget exceeded: {summary}"
        retry_after = retry_after or str(ATTACHMENT_WINDOW)
    elif HOURLY_THRESHOLD_TEXT.search(joined):
        cls = AutotaskThresholdError
        message = f"Autotask hourly request threshold exceeded: {summary}"
    elif status == 429:
        cls, message = AutotaskRateLimitError, f"Autotask request threshold exceeded: {summary}"
    elif status == 401 or (
        INTEGRATION_CODE_TEXT.search(joined) and status in (400, 403, 500)
    ) or (status in (400, 500) and (USERNAME_TEXT.search(joined) or LOGIN_TEXT.search(joined))):
        credential = _refused_credential(status, joined)
        what = {"username": "the API username", "secret": "the secret",
                "integration_code": "the integration code"}.get(credential or "", "")
        return AutotaskAuthError(
            f"Autotask rejected the credentials ({what or 'username, secret or integration code'}"
            f"): {summary} {CREDENTIAL_HINTS[credential]}", status, texts, entity, method, url,
            credential=credential, secrets=secrets,
        )
    elif status == 403:
        cls, message = AutotaskPermissionError, f"Autotask permission denied: {summary}"
    elif status == 404:
        cls, message = AutotaskNotFoundError, f"Autotask: not found: {summary}"
    elif status == 405:
        cls = AutotaskUnsupportedOperation
        message = f"Autotask does not support {method} here: {summary}"
    elif status in (400, 409, 422) or (
        status == 500 and texts and not SERVER_TEXT.search(joined)
    ):
        cls, message = AutotaskValidationError, f"Autotask refused the request: {summary}"
    elif status >= 500:
        cls, message = AutotaskServerError, f"Autotask server error: {summary}"
        ambiguous = method in WRITE_METHODS
    else:
        cls, message = AutotaskError, f"Autotask answered HTTP {status}: {summary}"
    error = cls(
        message, status, texts, entity, method, url, ambiguous=ambiguous, secrets=secrets
    )
    if isinstance(error, AutotaskRateLimitError):
        error.retry_after = _retry_after(retry_after)
    return error
