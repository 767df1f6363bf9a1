"""Smoke test of the benchmarks: each entry point runs at its smallest sizes and yields rows.

No timing is asserted (the machine is shared); only that the benchmarks still run against the
current library and produce what the results page needs. Nothing here touches the network
beyond the fakes, nor PostgreSQL or Redis.
"""

from __future__ import annotations

from pathlib import Path

from bench import __main__ as dispatcher
from bench import all as run_all
from bench import inbound, outbound, overhead, report, throughput


def test_dispatcher_knows_every_benchmark() -> None:
    assert {"all", "inbound", "outbound", "overhead", "report", "throughput"} <= set(
        dispatcher.available())


def test_outbound_and_inbound_rows() -> None:
    assert len(outbound.run(2)) > 10
    assert len(inbound.run(2)) == 10


def test_throughput_keeps_the_thread_limit() -> None:
    results = throughput.run(events=4, latency=0.005, threads=(1, 4), redis_url=None)
    assert [(r.workload, r.threads) for r in results] == [
        ("note", 1), ("note", 4), ("visit", 1), ("visit", 4)]
    for r in results:
        assert r.ok, throughput.lines(results)
        assert r.peak <= r.thread_limit
        assert r.ceiling <= r.limit_ceiling
    assert throughput.main(["--events", "2", "--latency", "0", "--threads", "2",
                            "--no-redis"]) == 0


def test_overhead_rows() -> None:
    cpu = overhead.cpu_per_event(2)
    assert [r.at_calls for r in cpu] == [0.0, 2.0, 1.0]
    stores = overhead.store_rates(4, skip_pg=True)
    assert [s.backend for s in stores][:1] == ["sqlite :memory:"]
    assert all(s.cycles_1 > 0 and s.get_link > 0 for s in stores)


def test_a_quiet_sweep_with_the_change_signals_meets_its_target() -> None:
    fn_calls, at_calls = outbound.quiet_sweep_reads(3, signals=True)
    assert run_all.QUIET_FN.met(fn_calls)
    assert at_calls == 0
    assert outbound.quiet_sweep_reads(3, signals=False) == (3.0, 0.0)  # the defaults


def test_the_library_alone_holds_less_than_one_and_a_half_files_when_syncing_one() -> None:
    from autotask_fn.sync.outbound_settings import DEFAULT_EMBED_LIMIT
    from bench import outbound_files

    peak_mib, sent_as = outbound_files.library_peak(DEFAULT_EMBED_LIMIT)
    assert sent_as == "FILE_ATTACHMENT"
    assert run_all.LIBRARY_PEAK.met(peak_mib / (DEFAULT_EMBED_LIMIT / 1_048_576)), peak_mib


def test_targets_and_marks() -> None:
    assert report.mark(1.0, report.Target("<=", 1)) == ("≤ 1", report.PASS)
    assert report.mark(2.0, report.Target("<=", 1)) == ("≤ 1", report.FAIL)
    assert report.mark(0.0, report.Target("==", 0)) == ("0", report.PASS)
    assert report.mark(3.0, None) == (report.INFO, report.INFO)


def test_all_writes_a_page_with_every_table(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    status = run_all.main(["--quick", "--output", str(page), "--no-postgres", "--no-redis"])
    text = page.read_text(encoding="utf-8")
    # The only figures allowed to miss are the documented ones: a first import on cold
    # caches costs 5 Autotask calls against issue 6's 4 (see the page's note).
    # Growth rows (first cell a number of links or requests) are timings on a shared
    # machine: here only their targets are pinned, not their results.
    failing = sorted(line.split("|")[1].strip() for line in text.splitlines()
                     if line.startswith("|") and "**FAIL**" in line
                     and not line.split("|")[1].strip().replace(",", "").isdigit())
    assert failing == ["first import, attachment import on",
                       "first import, very first (cold caches)"], text
    assert status == 1
    for heading in ("# Performance", "## Machine", "## Outbound", "## Inbound",
                    "## Throughput", "## Library overhead", "## Store operations",
                    "## Peak memory", "## Quiet sweeps", "## Growth: link lookups",
                    "## Growth: FakeAutotask's hourly window"):
        assert heading in text
    growth_targets = [line for line in text.splitlines()
                      if line.startswith("| 100 |") and "≤ 1.5 x" in line]  # the last sizes
    assert len(growth_targets) == 1, text  # quick: links 10 -> 100 carry the lookup target
    assert "| 1,000 |" in text
    assert "≤ 1.5 x" in text.split("## Growth: FakeAutotask")[1]
    widths: list[int] = []  # cells per row of the table being read: all equal
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            widths.append(line.replace("\\|", "").count("|"))
        elif widths:
            assert len(set(widths)) == 1, widths
            widths = []
