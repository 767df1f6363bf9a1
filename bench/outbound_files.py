"""Outbound second half: Autotask calls per expense, receipt, file and signature, and peak memory.

    python -m bench outbound_files

Runs over both in-process fakes with the real clients (see ``bench/outbound.py``). Every call
figure is counted from FakeAutotask's request log. "First" rows include the one marker scan of
a ticket+kind (and for expenses the weekly report's lookup and create); the others are steady
state (target: one call per written record; a replace is two, since attachments cannot be
updated).

Peak memory is measured with ``tracemalloc`` around one sync of a work order holding a single
file: one exactly at the embed limit (downloaded as a stream, base64-encoded, posted) and one
far above it (becomes a URL attachment: never downloaded). The fakes run in this process, so
the Autotask fake's own decoding of the upload is included in the first figure.
"""

from __future__ import annotations

import argparse
import tracemalloc
from collections.abc import Callable
from typing import Any

from autotask_fn.sync import ConnectorSettings
from autotask_fn.sync.outbound_settings import (
    DEFAULT_EMBED_LIMIT,
    AttachmentSettings,
    ExpenseSettings,
)
from autotask_fn.testing.rig import WEBHOOK_SECRET as SECRET
from autotask_fn.testing.rig import SyncRig

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _rig(**settings: Any) -> SyncRig:
    return SyncRig(ConnectorSettings(**settings))


def call_rows() -> list[tuple[str, int, int, int]]:
    """(row, records written, Autotask calls, writes) of each flow."""
    rows: list[tuple[str, int, int, int]] = []

    def measure(rig: SyncRig, wo: int, name: str, records: int, action: Callable[[], Any]) -> Any:
        result: list[Any] = []
        calls, writes = rig.measure(lambda: result.append(action()),
                                    lambda: rig.svc.sync_work_order(wo))
        rows.append((name, records, calls, writes))
        return result[0] if result else None

    rig = _rig()
    wo, _ = rig.linked_work_order(title="Bench expenses")
    fn = rig.fn_fake
    # Receipts are measured as the undocumented variant shows them on read (Field Nation's
    # published Expense model has none: contract row FN-EXPENSE-RECEIPT-READ).
    fn.receipts_on_read = "receipt"
    measure(rig, wo, "first expense item (company, resource, report, scan)", 2,
            lambda: fn.add_expense(wo, "10.00", "Cable"))
    expense = measure(rig, wo, "expense item", 1, lambda: fn.add_expense(wo, "4.20", "Tape"))
    measure(rig, wo, "receipt added (item haveReceipt + attachment, scan)", 2,
            lambda: fn.attach_receipt(wo, expense, PNG))
    measure(rig, wo, "expense with receipt (item + attachment)", 2,
            lambda: fn.add_expense(wo, "7.00", "Screws", receipt=PNG))
    measure(rig, wo, "expense disapproved (item zeroed, receipt deleted)", 2,
            lambda: fn.set_expense_status(wo, expense, "disapproved"))
    measure(rig, wo, "first file (scan + create)", 1,
            lambda: fn.upload_file(wo, "first.jpg", b"jpeg" * 2000))
    file_id = measure(rig, wo, "file (embedded)", 1,
                      lambda: fn.upload_file(wo, "photo.jpg", b"jpeg" * 2000))

    def replace() -> None:
        stored = next(f for f in fn.state.files_by_token.values() if f.id == file_id)
        stored.content = b"jpeg2" * 2000
        fn.state.touch(fn.state.raw_work_order(wo))

    measure(rig, wo, "file replaced (delete + create)", 2, replace)
    measure(rig, wo, "file removed", 1, lambda: fn.delete_file(wo, file_id))
    measure(rig, wo, "signature (first: scan + create)", 1,
            lambda: fn.capture_signature(wo, "Store manager"))
    measure(rig, wo, "signature", 1, lambda: fn.capture_signature(wo, "Second signer"))

    charges = _rig(expenses=ExpenseSettings(destination="ticket_charge"))
    cwo, _ = charges.linked_work_order(title="Bench charges")
    measure(charges, cwo, "first ticket charge (scan)", 1,
            lambda: charges.fn_fake.add_expense(cwo, "10.00", "Cable"))
    charge = measure(charges, cwo, "ticket charge", 1,
                     lambda: charges.fn_fake.add_expense(cwo, "4.20", "Tape"))
    measure(charges, cwo, "charge of a disapproved expense deleted", 1,
            lambda: charges.fn_fake.set_expense_status(cwo, charge, "disapproved"))

    big = _rig(attachments=AttachmentSettings(embed_limit=1000))
    bwo, _ = big.linked_work_order(title="Bench big file")
    measure(big, bwo, "file above the embed limit (URL attachment, scan)", 1,
            lambda: big.fn_fake.upload_file(bwo, "manual.pdf", b"%" * 5000))
    return rows


def peak_memory(size: int) -> tuple[float, str]:
    """Peak traced MiB of one sync of a work order holding one file of ``size`` bytes."""
    rig = _rig()
    rig.fn_fake.state.max_file_bytes = max(rig.fn_fake.state.max_file_bytes, size)
    wo, ticket = rig.linked_work_order(title="Bench memory")
    rig.fn_fake.upload_file(wo, "big.pdf", b"%" * size)
    tracemalloc.start()
    try:
        rig.svc.sync_work_order(wo)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [att] = [a for a in rig.at_fake.records("TicketAttachments") if a["parentID"] == ticket]
    return peak / 1_048_576, str(att["attachmentType"])


def library_peak(size: int) -> tuple[float, str]:
    """Peak traced MiB of the library alone syncing a work order holding one file of ``size``
    bytes: both fakes are served on local sockets by this process, the sync runs in a child
    process (``--child``) whose ``tracemalloc`` sees only the library's allocations."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from autotask_fn.store import SqliteStore
    from autotask_fn.testing import serve

    rig = _rig()
    rig.fn_fake.state.max_file_bytes = max(rig.fn_fake.state.max_file_bytes, size)
    servers = [serve(rig.at_fake), serve(rig.fn_fake)]
    try:
        zone_url = f"http://127.0.0.1:{servers[0].server_address[1]}/atservicesrest/"
        rig.fn_fake.base_url = f"http://127.0.0.1:{servers[1].server_address[1]}"
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "store.db")
            rig.store.close()
            rig.store = SqliteStore(path)
            rig.svc = rig.service()
            wo, ticket = rig.linked_work_order(title="Bench memory, library alone")
            rig.fn_fake.upload_file(wo, "big.pdf", b"%" * size)
            rig.store.close()
            done = subprocess.run(
                [sys.executable, "-m", "bench.outbound_files", "--child", zone_url,
                 rig.fn_fake.base_url, path, str(wo)],
                cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
                timeout=300, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"child sync failed: {done.stderr[-2000:]}")
            peak = float(done.stdout.split()[-1])
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    [att] = [a for a in rig.at_fake.records("TicketAttachments") if a["parentID"] == ticket]
    return peak / 1_048_576, str(att["attachmentType"])


def _child(zone_url: str, fn_url: str, path: str, wo: int) -> int:
    """The library's side of :func:`library_peak`: print the peak bytes of one sync."""
    from autotask_fn.autotask import AutotaskClient
    from autotask_fn.fieldnation import FieldNationClient
    from autotask_fn.store import SqliteStore
    from autotask_fn.sync import SyncService
    from autotask_fn.testing import FakeAutotask, FakeFieldNation

    at = AutotaskClient(FakeAutotask.USERNAME, FakeAutotask.SECRET,
                        FakeAutotask.INTEGRATION_CODE, zone_url=zone_url)
    fn = FieldNationClient(FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET,
                           FakeFieldNation.USERNAME, FakeFieldNation.PASSWORD, base_url=fn_url)
    # Field Nation providers carry no e-mail: the seeded technician is mapped by user id.
    technician = {FakeFieldNation().seed.provider_id: FakeAutotask().seed.tech_resource_id}
    settings = ConnectorSettings(webhook_secrets=(SECRET,), resource_map=technician).validate(at)
    svc = SyncService(autotask=at, fieldnation=fn, store=SqliteStore(path), settings=settings)
    fn.get_work_order(wo)  # sign in and warm the connections before measuring
    tracemalloc.start()
    svc.sync_work_order(wo)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(peak)
    return 0


def run() -> list[str]:
    out = [f"{'row':52} {'records':>7} {'AT calls':>8} {'writes':>6} {'calls/record':>12}"]
    for name, records, calls, writes in call_rows():
        out.append(f"{name:52} {records:>7} {calls:>8} {writes:>6} {calls / records:>12.2f}")
    out.append("")
    for label, size in (("at the embed limit", DEFAULT_EMBED_LIMIT),
                        ("far above it (100 MiB)", 100 * 1_048_576)):
        peak, kind = peak_memory(size)
        out.append(f"peak memory, file {label} ({size / 1_048_576:.1f} MiB -> {kind}): "
                   f"{peak:.1f} MiB")
    peak, kind = library_peak(DEFAULT_EMBED_LIMIT)
    out.append(f"peak memory, library alone, file at the embed limit "
               f"({DEFAULT_EMBED_LIMIT / 1_048_576:.1f} MiB -> {kind}): {peak:.1f} MiB")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench outbound_files", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=4, metavar=("ZONE_URL", "FN_URL", "STORE", "WO"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        zone_url, fn_url, path, wo = args.child
        return _child(zone_url, fn_url, path, int(wo))
    for line in run():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
