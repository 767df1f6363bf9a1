"""The figures ``python -m bench outbound_files`` prints hold their targets."""

from __future__ import annotations

from bench.outbound_files import call_rows, peak_memory


def test_steady_state_flows_cost_one_call_per_record_written() -> None:
    rows = call_rows()
    steady = [r for r in rows if "first" not in r[0] and "scan" not in r[0]]
    assert len(steady) >= 8
    for name, records, calls, writes in steady:
        assert calls == records == writes, name
    for name, records, calls, _writes in rows:  # a first touch adds only reads: scan, lookups
        assert calls <= records + 4, name


def test_a_file_far_above_the_embed_limit_is_never_held_in_memory() -> None:
    peak, kind = peak_memory(64 * 1_048_576)
    assert kind == "URL"
    assert peak < 2  # MiB: no download, no base64
