"""The vcrpy recorder both clients' cassette helpers build on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def build_recorder(
    path: str | Path,
    record_mode: str,
    *,
    owner: str,
    headers: Sequence[str],
    query_parameters: Sequence[tuple[str, str]],
    options: dict[str, Any],
    **settings: Any,
) -> Any:
    """A ``vcr.VCR`` writing YAML cassettes under ``path``.

    ``headers`` (in both their spelling and lower case) and ``query_parameters`` are always
    filtered: the host's own ``filter_headers`` and ``filter_query_parameters`` in
    ``options`` are added to them, never replace them. ``settings`` and then the rest of
    ``options`` go to ``vcr.VCR``. vcrpy is imported here, so it stays a test dependency;
    ``owner`` names the module in the error when it is missing.
    """
    try:
        import vcr
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{owner} needs vcrpy: pip install 'autotask-fn[test]'") from exc
    config: dict[str, Any] = {
        "cassette_library_dir": str(path),
        "record_mode": record_mode,
        "decode_compressed_response": True,
        "serializer": "yaml",
        **settings,
    }
    extra = dict(options)
    config["filter_headers"] = [*headers, *(h.lower() for h in headers),
                                *extra.pop("filter_headers", ())]
    config["filter_query_parameters"] = [*query_parameters,
                                         *extra.pop("filter_query_parameters", ())]
    config.update(extra)
    return vcr.VCR(**config)
