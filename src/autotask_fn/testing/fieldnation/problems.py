"""The error the fake's domain operations raise; the routes turn it into an error body.

REST v2 answers in the legacy shape ``{"status": 400, "message": "..."}``; the webhooks v3
API answers ``{"metadata": {...}, "errors": [{"code": ..., "message": ...}], "result": {}}``.
Helpers on the fake object raise it directly, so a test sees the same refusal the API gives.
"""

from __future__ import annotations


class FakeApiError(Exception):
    """A refusal by the fake Field Nation: an HTTP status and a message without secrets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def bad_request(message: str) -> FakeApiError:
    """A 400 (REST v2 reports validation failures as 400 in the legacy docs)."""
    return FakeApiError(400, message)


def not_found(what: str) -> FakeApiError:
    """A 404 for a missing object."""
    return FakeApiError(404, f"{what} not found")


def forbidden(message: str = "You do not have permission to perform this action.") -> FakeApiError:
    """A 403 (the permission bit is missing or the actor may not do this)."""
    return FakeApiError(403, message)
