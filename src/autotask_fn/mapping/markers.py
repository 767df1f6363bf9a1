"""Markers: the text we leave in every Autotask record we create, naming its Field Nation source.

A marker reads ``[FN:<env>:<kind>:<id>]``, for example ``[FN:production:timelog:77#0]``. The
closing bracket is part of the marker, so looking for work order ``45`` never matches ``456``.
Markers let the sync find what it created after a crash, a timeout or a lost store: before a
create (and after any ambiguous failure) one query per ticket and kind lists the markers already
there, and records carrying the wanted marker are adopted instead of created again.

Environment, kind and id may not contain ``[``, ``]`` or ``:`` (ids may contain ``#`` and ``/``
for split time logs and message replies).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

__all__ = ["MARKER_RE", "Marker", "Markers", "find_markers"]

_PART = r"[^\[\]:\s]+"
#: Matches one marker anywhere in a text; groups ``env``, ``kind`` and ``id``.
MARKER_RE = re.compile(rf"\[FN:(?P<env>{_PART}):(?P<kind>{_PART}):(?P<id>{_PART})\]")


def _check_part(name: str, value: str) -> str:
    if not value or re.fullmatch(_PART, value) is None:
        raise ValueError(
            f"marker {name} {value!r} must be non-empty without '[', ']', ':' or spaces")
    return value


@attrs.frozen
class Marker:
    """The source of one Autotask record: Field Nation environment, record kind and id."""

    env: str = attrs.field(converter=str)
    kind: str = attrs.field(converter=str)
    id: str = attrs.field(converter=str)

    def __attrs_post_init__(self) -> None:
        _check_part("env", self.env)
        _check_part("kind", self.kind)
        _check_part("id", self.id)

    @property
    def text(self) -> str:
        """The marker as written into Autotask, e.g. ``[FN:sandbox:note:abc]``."""
        return f"[FN:{self.env}:{self.kind}:{self.id}]"

    def __str__(self) -> str:
        return self.text

    def in_text(self, text: str | None) -> bool:
        """True if ``text`` carries exactly this marker (never a marker with a longer id)."""
        return bool(text) and self.text in str(text)

    @classmethod
    def parse(cls, text: str) -> Marker:
        """Read a text that is exactly one marker; ``ValueError`` otherwise."""
        match = MARKER_RE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not a marker: {text!r}")
        return cls(match["env"], match["kind"], match["id"])


def find_markers(text: str | None, *, env: str | None = None, kind: str | None = None
                 ) -> Iterator[Marker]:
    """Every marker inside ``text`` (optionally only of one environment and kind), in order."""
    for match in MARKER_RE.finditer(text or ""):
        if env is not None and match["env"] != env:
            continue
        if kind is not None and match["kind"] != kind:
            continue
        yield Marker(match["env"], match["kind"], match["id"])


@attrs.frozen
class Markers:
    """Markers of one Field Nation environment: ``Markers("sandbox").make("note", 5)``."""

    env: str

    def make(self, kind: str, fn_id: object) -> Marker:
        """The marker of one record of this environment."""
        return Marker(self.env, kind, str(fn_id))

    def find(self, text: str | None, kind: str | None = None) -> list[Marker]:
        """The markers of this environment (optionally of one kind) inside ``text``."""
        return list(find_markers(text, env=self.env, kind=kind))
