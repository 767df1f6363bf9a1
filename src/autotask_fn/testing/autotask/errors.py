"""The exception the fake's internals raise to answer with the Autotask error envelope."""

from __future__ import annotations


class ApiError(Exception):
    """Answer the current request with ``status`` and ``{"errors": messages}``."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = list(messages)


def validation(*messages: str) -> ApiError:
    """A business-rule or validation failure: Autotask answers these with HTTP 500."""
    return ApiError(500, *messages)
