"""Record and replay Autotask traffic with vcrpy, with the credentials filtered out.

A host can pin its own integration against its sandbox tenant::

    from autotask_fn.autotask.cassettes import recorder

    with recorder("tests/cassettes").use_cassette("create_ticket.yaml"):
        client.create("Tickets", {...})

vcrpy is a test dependency: it is imported only when :func:`recorder` is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autotask_fn._cassettes import build_recorder

__all__ = ["FILTERED_HEADERS", "recorder"]

#: Request headers removed from every recorded interaction.
FILTERED_HEADERS = ("Secret", "ApiIntegrationCode", "UserName", "ImpersonationResourceId")


def recorder(path: str | Path, *, record_mode: str = "once", **options: Any) -> Any:
    """A ``vcr.VCR`` writing YAML cassettes under ``path``, credentials filtered out.

    Requests match on method, URI and body. ``record_mode="once"`` records a missing cassette
    and replays an existing one; use ``"none"`` in CI so nothing is ever recorded there.
    Extra keyword arguments go to ``vcr.VCR``; ``filter_headers`` and
    ``filter_query_parameters`` given there are added to the credential filters, never
    replace them. The ``user`` query parameter of zone lookups (the API username) is
    filtered too.
    """
    return build_recorder(
        path, record_mode, owner="autotask_fn.autotask.cassettes", headers=FILTERED_HEADERS,
        query_parameters=[("user", "[FILTERED]")], options=options,
        match_on=("method", "uri", "body"),
    )
