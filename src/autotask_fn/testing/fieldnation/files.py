"""Attachment folders, uploaded files and signatures.

Every work order starts with the folders "Documents" (type ``document``) and "Misc" (type
``slot``). A provider's upload emits ``workorder.provider_upload``; buyer uploads, review
changes and signatures emit nothing (Field Nation has no such events).

The docs disagree on the size limit (100 MB legacy, "typically 10 MB" new) and give an
unconfirmed list of allowed types; the fake takes the stricter reading of both
(:data:`MAX_FILE_BYTES`, :data:`ALLOWED_EXTENSIONS`; a test may change them on the fake).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.company import CompanyState
from autotask_fn.testing.fieldnation.problems import FakeApiError, bad_request, not_found
from autotask_fn.testing.fieldnation.records import (
    Folder,
    Signature,
    StoredFile,
    User,
    WorkOrder,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "png", "gif", "pdf", "doc", "docx", "xls", "xlsx", "csv"}
)
FILE_STATUSES = frozenset({"PENDING", "APPROVED", "DENIED"})
#: While these hold, a provider may upload (it is doing or has done the work).
UPLOAD_STATES = frozenset({lc.ASSIGNED, lc.WORK_DONE})


class FileOps(CompanyState):
    """Folders, files and signatures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_file_bytes = MAX_FILE_BYTES
        self.allowed_extensions = set(ALLOWED_EXTENSIONS)
        #: download token -> stored file
        self.files_by_token: dict[str, StoredFile] = {}

    # -- folders ---------------------------------------------------------------------
    def folder(self, wo: WorkOrder, folder_id: int) -> Folder:
        """A folder of the work order (404 when unknown)."""
        found = next((f for f in wo.folders if f.id == folder_id), None)
        if found is None:
            raise not_found(f"Folder {folder_id}")
        return found

    def folder_named(self, wo: WorkOrder, name: str) -> Folder:
        """A folder by name (404 when unknown)."""
        found = next((f for f in wo.folders if f.name == name), None)
        if found is None:
            raise not_found(f"Folder '{name}'")
        return found

    def create_folder(self, wo_id: int, payload: Any, actor: User) -> Folder:
        """``POST /attachments`` ``{name}``: a new ``document`` folder (buyer only)."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        name = payload.get("name") if isinstance(payload, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise bad_request("'name' is required.")
        if any(f.name == name for f in wo.folders):
            raise bad_request(f"A folder named '{name}' already exists.")
        folder = Folder(id=self.next_id(), name=name, type="document")
        wo.folders.append(folder)
        self.touch(wo)
        return folder

    def delete_folder(self, wo_id: int, folder_id: int, actor: User) -> None:
        """``DELETE /attachments/{folder_id}`` (buyer only; its files go with it)."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        folder = self.folder(wo, folder_id)
        for stored in folder.files:
            self.files_by_token.pop(stored.token, None)
        wo.folders.remove(folder)
        self.touch(wo)

    # -- files -----------------------------------------------------------------------
    def find_file(self, wo: WorkOrder, file_id: int) -> StoredFile:
        """A file anywhere in the work order (404 when unknown)."""
        for folder in wo.folders:
            for stored in folder.files:
                if stored.id == file_id:
                    return stored
        raise not_found(f"Attachment {file_id}")

    def upload(self, wo_id: int, folder_id: int, name: str, content: bytes, actor: User,
               notes: str | None = None) -> StoredFile:
        """Store a file; a provider's upload emits ``workorder.provider_upload``."""
        wo = self.work_order(wo_id, actor)
        folder = self.folder(wo, folder_id)
        if actor.role == "provider":
            self.require_provider(wo, actor)
            if wo.status not in UPLOAD_STATES:
                raise bad_request("Providers can upload only while assigned or after work done.")
        if not name or "/" in name or "\\" in name:
            raise bad_request("A file name is required (without a path).")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in self.allowed_extensions:
            raise bad_request(f"Files of type '{ext or 'none'}' are not allowed.")
        if len(content) > self.max_file_bytes:
            raise FakeApiError(413, f"The file exceeds the limit of {self.max_file_bytes} bytes.")
        if folder.type == "slot" and len(folder.files) >= 999:
            raise bad_request("The folder is full.")
        stored = StoredFile(
            id=self.next_id(), folder_id=folder.id, name=name, content=content,
            token=secrets.token_hex(12), created=self.clock.now(), author_id=actor.id,
            notes=notes, status="PENDING" if actor.role == "provider" else "APPROVED",
        )
        folder.files.append(stored)
        self.files_by_token[stored.token] = stored
        self.touch(wo)
        if actor.role == "provider":
            self.emit("workorder.provider_upload", wo, actor, lc.status_id(wo.status))
        return stored

    def update_file(self, wo_id: int, folder_id: int, file_id: int, payload: Any,
                    actor: User) -> StoredFile:
        """``PUT /attachments/{folder}/{file}``: notes, review status, visibility (no event)."""
        wo = self.work_order(wo_id, actor)
        stored = self.find_file(wo, file_id)
        if stored.folder_id != folder_id:
            raise not_found(f"Attachment {file_id} in folder {folder_id}")
        body = payload if isinstance(payload, dict) else {}
        review = {"status", "status_description", "show_before_assignment",
                  "visible_to_provider"} & set(body)
        if review:
            self.require_buyer(actor)
        elif actor.role == "provider" and stored.author_id != actor.id:
            raise bad_request("Providers can only edit their own files.")
        if "status" in body and body["status"] not in FILE_STATUSES:
            raise bad_request(f"'status' must be one of {sorted(FILE_STATUSES)}.")
        for flag in ("show_before_assignment", "visible_to_provider"):
            if flag in body and not isinstance(body[flag], bool):
                raise bad_request(f"'{flag}' must be a boolean.")
        for key in ("notes", "status_description"):
            if key in body and body[key] is not None and not isinstance(body[key], str):
                raise bad_request(f"'{key}' must be a string.")
        for key in ("notes", "status", "status_description", "show_before_assignment",
                    "visible_to_provider"):
            if key in body:
                setattr(stored, key, body[key])
        self.touch(wo)
        return stored

    def delete_file(self, wo_id: int, folder_id: int | None, file_id: int, actor: User) -> None:
        """``DELETE /attachments/{folder}/{file}`` (buyer, or the provider's own file)."""
        wo = self.work_order(wo_id, actor)
        stored = self.find_file(wo, file_id)
        if folder_id is not None and stored.folder_id != folder_id:
            raise not_found(f"Attachment {file_id} in folder {folder_id}")
        if actor.role == "provider" and stored.author_id != actor.id:
            raise bad_request("Providers can only delete their own files.")
        self.folder(wo, stored.folder_id).files.remove(stored)
        self.files_by_token.pop(stored.token, None)
        self.touch(wo)

    # -- signatures ------------------------------------------------------------------
    def add_signature(self, wo_id: int, payload: Any, actor: User) -> Signature:
        """``POST /signatures`` ``{name, title, signature: "data:image/...;base64,..."}``."""
        wo = self.work_order(wo_id, actor)
        self.require_worker(wo, actor)
        if wo.status not in UPLOAD_STATES:
            raise bad_request("Signatures can be captured only while the work is in progress.")
        body = payload if isinstance(payload, dict) else {}
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("'name' is required.")
        title = body.get("title")
        if title is not None and not isinstance(title, str):
            raise bad_request("'title' must be a string.")
        data = body.get("signature")
        if not isinstance(data, str) or not data.startswith("data:image/") or \
                ";base64," not in data:
            raise bad_request("'signature' must be a data URI (data:image/png;base64,...).")
        try:
            base64.b64decode(data.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            raise bad_request("'signature' is not valid base64.") from None
        signature = Signature(id=self.next_id(), name=name, title=title, data=data,
                              created=self.clock.now())
        wo.signatures.append(signature)
        self.touch(wo)
        return signature

    def delete_signature(self, wo_id: int, signature_id: int, actor: User) -> None:
        """``DELETE /signatures/{id}`` (no event)."""
        wo = self.work_order(wo_id, actor)
        self.require_worker(wo, actor)
        found = next((s for s in wo.signatures if s.id == signature_id), None)
        if found is None:
            raise not_found(f"Signature {signature_id}")
        wo.signatures.remove(found)
        self.touch(wo)
