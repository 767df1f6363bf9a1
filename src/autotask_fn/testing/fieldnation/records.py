"""What the fake stores: users, the company, work orders and their sub-objects, seeded ids.

Records are plain mutable attrs classes; :mod:`.render` turns them into Field Nation JSON.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs


@attrs.define
class User:
    """A Field Nation user: the API user, a manager, or a provider (technician)."""

    id: int
    first_name: str
    last_name: str
    email: str
    role: str  # "buyer" (company side) or "provider"
    username: str
    password: str = attrs.field(repr=False)

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


@attrs.frozen
class Seed:
    """The ids a fresh :class:`FakeFieldNation` is seeded with."""

    company_id: int
    api_user_id: int
    manager_id: int
    provider_id: int
    provider_email: str
    provider_username: str
    provider_password: str = attrs.field(repr=False)
    second_provider_id: int = 0
    types_of_work: dict[str, int] = attrs.field(factory=dict)
    expense_categories: dict[str, int] = attrs.field(factory=dict)
    custom_fields: dict[str, int] = attrs.field(factory=dict)
    project_id: int = 0
    template_id: int = 0


@attrs.define
class TimeLog:
    """A time log: ``in``/``out`` instants, open while the provider is checked in."""

    id: int
    start: datetime
    end: datetime | None
    logged_by: int
    verified: bool = False


@attrs.define
class Expense:
    """A provider expense; status is ``new`` | ``approved`` | ``disapproved``."""

    id: int
    description: str
    amount: Decimal
    quantity: int
    category_id: int
    author_id: int
    added: datetime
    status: str = "new"
    status_description: str | None = None
    receipt: StoredFile | None = None
    """The receipt image (rendered as ``receipt: {id, file: {name, link, size_bytes}}``)."""


@attrs.define
class Message:
    """A message (or a reply) on a work order; ``type`` is the create type (INTERNAL, ...)."""

    msg_id: str
    author_id: int
    text: str
    created: datetime
    type: str
    replies: list[Message] = attrs.field(factory=list)


@attrs.define
class StoredFile:
    """An uploaded file in a folder."""

    id: int
    folder_id: int
    name: str
    content: bytes = attrs.field(repr=False)
    token: str  # the token-free path component of the download link
    created: datetime
    author_id: int
    notes: str | None = None
    status: str = "PENDING"
    status_description: str | None = None
    show_before_assignment: bool = False
    visible_to_provider: bool = True


@attrs.define
class Folder:
    """An attachment folder (``document`` or ``slot``)."""

    id: int
    name: str
    type: str
    files: list[StoredFile] = attrs.field(factory=list)


@attrs.define
class Signature:
    """A captured signature; ``data`` is a ``data:image/png;base64,...`` URI."""

    id: int
    name: str
    title: str | None
    data: str = attrs.field(repr=False)
    created: datetime


@attrs.define
class Contact:
    """A work order contact (shape unconfirmed: name/phone/email/role/notes)."""

    id: int
    name: str
    phone: str | None = None
    email: str | None = None
    role: str | None = None
    notes: str | None = None


@attrs.define
class WorkOrder:
    """One work order and everything that hangs off it."""

    id: int
    title: str
    created: datetime
    updated: datetime
    created_by: int
    manager_id: int
    status: str = "draft"
    sub_status: str | None = None
    description_html: str = ""
    confidential_html: str = ""
    incident_id: str | None = None
    location: dict[str, Any] = attrs.field(factory=dict)
    schedule: dict[str, Any] = attrs.field(factory=dict)
    types_of_work: list[dict[str, Any]] = attrs.field(factory=list)
    pay: dict[str, Any] = attrs.field(factory=dict)
    project_id: int | None = None
    template_id: int | None = None
    custom_values: dict[int, str] = attrs.field(factory=dict)
    assignee_id: int | None = None
    routed_ids: list[int] = attrs.field(factory=list)
    requested_ids: list[int] = attrs.field(factory=list)
    job_status: str | None = None
    cancel_reason: str | None = None
    incomplete_reason: str | None = None
    paid: bool = False
    time_logs: list[TimeLog] = attrs.field(factory=list)
    expenses: list[Expense] = attrs.field(factory=list)
    messages: list[Message] = attrs.field(factory=list)
    folders: list[Folder] = attrs.field(factory=list)
    signatures: list[Signature] = attrs.field(factory=list)
    contacts: list[Contact] = attrs.field(factory=list)

    def open_time_log(self) -> TimeLog | None:
        """The time log of the current check-in, if any."""
        return next((t for t in self.time_logs if t.end is None), None)
