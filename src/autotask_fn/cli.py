"""The ``autotask-fn`` command line.

Exit codes: ``0`` success; ``1`` the operation failed (an API or sync error, or a demo step
that did not produce the expected records); ``2`` usage or configuration error (bad
arguments, missing credentials, invalid settings); ``130`` interrupted.
Errors are printed as one clear line (no traceback); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import httpx

from autotask_fn._version import __version__
from autotask_fn.errors import AutotaskFnError, ConfigurationError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace, TextIO], int]


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a one-line message (its default, kept explicit)."""

    def error(self, message: str) -> Any:  # pragma: no cover - argparse plumbing
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``autotask-fn`` (one sub-command per operation)."""
    parser = _Parser(
        prog="autotask-fn",
        description="Keep Autotask PSA and Field Nation in sync.",
        epilog="Exit codes: 0 ok, 1 failed, 2 usage or configuration error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML configuration file "
                        "(default: $AUTOTASK_FN_CONFIG or ./autotask-fn.toml)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("demo", help="walk through the product scenarios on built-in fakes")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(handler=_cmd_demo)

    p = sub.add_parser("zone", help="discover the Autotask zone of an API user name")
    p.add_argument("username")
    p.add_argument("--zone-url", help="zone discovery base URL (default: the public one)")
    p.set_defaults(handler=_cmd_zone)

    p = sub.add_parser("check", help="test the connection and settings (never writes)")
    p.set_defaults(handler=_cmd_check)

    for name, helptext, handler in (
        ("import-ticket", "import an Autotask ticket into a Field Nation work order",
         _cmd_import_ticket),
        ("sync-work-order", "reconcile one Field Nation work order into Autotask",
         _cmd_sync_work_order),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id", type=int)
        p.add_argument("--dry-run", action="store_true",
                       help="print the writes it would make without making them")
        p.set_defaults(handler=handler)

    p = sub.add_parser("sweep", help="reconcile linked, active work orders")
    p.add_argument("--status", action="append", help="only work orders in this status code")
    p.add_argument("--changed-since", metavar="ISO8601", help="only work orders changed since")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(handler=_cmd_sweep)

    p = sub.add_parser("process-pending", help="process queued webhook deliveries")
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(handler=_cmd_process_pending)

    p = sub.add_parser("handle-event", help="handle one Field Nation webhook body from a file")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(handler=_cmd_handle_event)

    p = sub.add_parser("dead-letters", help="list, show, replay or discard dead letters")
    p.add_argument("action", choices=["list", "show", "replay", "discard"], nargs="?",
                   default="list")
    p.add_argument("entry_id", type=int, nargs="?")
    p.set_defaults(handler=_cmd_dead_letters)

    p = sub.add_parser("links", help="show what is linked to what")
    p.add_argument("--kind", help="only links of this kind (wo, timelog, note, ...)")
    p.add_argument("--work-order", type=int, help="only links of this work order")
    p.set_defaults(handler=_cmd_links)

    p = sub.add_parser("fake-server", help="serve both fakes on local ports")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--autotask-port", type=int, default=8401)
    p.add_argument("--fieldnation-port", type=int, default=8402)
    p.set_defaults(handler=_cmd_fake_server)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    stream = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args, stream)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``autotask-fn demo | head``): stop quietly, as Python's
        # documentation recommends, so the interpreter does not complain at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except ConfigurationError as exc:
        if args.debug:
            raise
        print(f"autotask-fn: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AutotaskFnError as exc:
        if args.debug:
            raise
        hint = getattr(exc, "hint", None)
        print(f"autotask-fn: {type(exc).__name__}: {exc}", file=sys.stderr)
        if hint and str(hint) not in str(exc):
            print(f"  hint: {hint}", file=sys.stderr)
        return EXIT_FAILED
    except httpx.HTTPError as exc:
        if args.debug:
            raise
        print(f"autotask-fn: network error: {type(exc).__name__}", file=sys.stderr)
        return EXIT_FAILED


# -- commands -------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from autotask_fn.demo import run_demo

    return run_demo(out=out, quiet=args.quiet)


def _cmd_zone(args: argparse.Namespace, out: TextIO) -> int:
    from autotask_fn.autotask import discover_zone

    kwargs: dict[str, Any] = {}
    if args.zone_url:
        kwargs["zone_url"] = args.zone_url
    zone = discover_zone(args.username, **kwargs)
    print(f"zone name: {zone.zone_name}", file=out)
    print(f"REST URL:  {zone.url}", file=out)
    print(f"web URL:   {zone.web_url}", file=out)
    print(f"tenant ci: {zone.ci}", file=out)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from autotask_fn._cli_runtime import Runtime

    runtime = Runtime.from_args(args, need_fieldnation=True)
    ok = runtime.check(out)
    return EXIT_OK if ok else EXIT_FAILED


def _run_facade(args: argparse.Namespace, out: TextIO, call: Callable[[Any], Any]) -> int:
    """Build the service from configuration, run one facade call, print its report and,
    with ``--dry-run``, the writes it would have made."""
    from autotask_fn._cli_runtime import Runtime

    runtime = Runtime.from_args(args, need_fieldnation=True,
                                dry_run=getattr(args, "dry_run", False))
    _print_result(out, call(runtime.service()))
    runtime.print_dry_run(out)
    return EXIT_OK


def _cmd_import_ticket(args: argparse.Namespace, out: TextIO) -> int:
    return _run_facade(args, out, lambda svc: svc.import_ticket(args.id))


def _cmd_sync_work_order(args: argparse.Namespace, out: TextIO) -> int:
    return _run_facade(args, out, lambda svc: svc.sync_work_order(args.id))


def _cmd_sweep(args: argparse.Namespace, out: TextIO) -> int:
    from datetime import datetime

    since = None
    if args.changed_since:
        try:
            since = datetime.fromisoformat(args.changed_since)
        except ValueError:
            raise ConfigurationError(
                f"--changed-since: {args.changed_since!r} is not an ISO 8601 date/time"
            ) from None
    return _run_facade(args, out, lambda svc: svc.sweep(
        statuses=args.status, changed_since=since, progress=_progress("sweep")))


def _cmd_process_pending(args: argparse.Namespace, out: TextIO) -> int:
    return _run_facade(args, out, lambda svc: svc.process_pending(limit=args.limit))


def _cmd_handle_event(args: argparse.Namespace, out: TextIO) -> int:
    from autotask_fn.fieldnation.webhooks import parse_delivery

    try:
        body = args.file.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {args.file}: {exc.strerror}") from None
    event = parse_delivery(body, {})
    return _run_facade(args, out, lambda svc: svc.handle_event(event))


def _cmd_dead_letters(args: argparse.Namespace, out: TextIO) -> int:
    from autotask_fn._cli_runtime import Runtime
    from autotask_fn.store import EntryStatus

    runtime = Runtime.from_args(args, need_autotask=False)
    store = runtime.store
    if args.action == "list":
        entries = store.list_entries(EntryStatus.DEAD)
        if not entries:
            print("no dead letters", file=out)
        for e in entries:
            print(f"{e.id}\t{e.source}\t{e.delivery_id}\tattempts={e.attempts}\t"
                  f"{(e.last_error or '').splitlines()[0] if e.last_error else ''}", file=out)
        return EXIT_OK
    if args.entry_id is None:
        raise ConfigurationError(f"dead-letters {args.action} needs an ENTRY_ID")
    entry = store.get_entry(args.entry_id)
    if entry is None:
        print(f"autotask-fn: no inbox entry {args.entry_id}", file=sys.stderr)
        return EXIT_FAILED
    if args.action == "show":
        print(json.dumps({
            "id": entry.id, "source": entry.source, "delivery_id": entry.delivery_id,
            "status": entry.status.value, "attempts": entry.attempts,
            "last_error": entry.last_error,
            "body": entry.body.decode("utf-8", "replace"),
        }, indent=2), file=out)
        return EXIT_OK
    if args.action == "replay":
        ok = store.replay(args.entry_id)
        print(f"entry {args.entry_id} {'queued again' if ok else 'was not replayed'}", file=out)
        return EXIT_OK if ok else EXIT_FAILED
    ok = store.discard(args.entry_id)
    print(f"entry {args.entry_id} {'discarded' if ok else 'was not discarded'}", file=out)
    return EXIT_OK if ok else EXIT_FAILED


def _cmd_links(args: argparse.Namespace, out: TextIO) -> int:
    from autotask_fn._cli_runtime import Runtime

    runtime = Runtime.from_args(args, need_autotask=False)
    links = runtime.store.list_links(kind=args.kind)
    if args.work_order is not None:
        links = [lk for lk in links if lk.work_order_id == args.work_order]
    if not links:
        print("no links", file=out)
    for lk in links:
        print(f"{lk.scope.fn_env}/{lk.scope.at_tenant}\t{lk.kind}\tFN {lk.fn_id}\t->\t"
              f"{lk.at_entity} {lk.at_id}\t{lk.state.value}", file=out)
    return EXIT_OK


def _cmd_fake_server(args: argparse.Namespace, out: TextIO) -> int:
    import time

    from autotask_fn.testing import FakeAutotask, FakeFieldNation, serve

    fn_fake = FakeFieldNation()
    at_server = serve(FakeAutotask(), args.host, args.autotask_port)
    fn_server = serve(fn_fake, args.host, args.fieldnation_port)
    at_host, at_port = at_server.server_address[:2]
    fn_host, fn_port = fn_server.server_address[:2]
    fn_fake.base_url = f"http://{fn_host}:{fn_port}"  # file links point at the served fake
    print(f"FakeAutotask     http://{at_host}:{at_port}/ATServicesRest/V1.0/", file=out)
    print(f"  zone discovery http://{at_host}:{at_port}/atservicesrest/v1.0/zoneInformation"
          f"?user={FakeAutotask.USERNAME}", file=out)
    print(f"  headers        UserName: {FakeAutotask.USERNAME}  Secret: {FakeAutotask.SECRET}"
          f"  ApiIntegrationCode: {FakeAutotask.INTEGRATION_CODE}", file=out)
    print(f"FakeFieldNation  http://{fn_host}:{fn_port}/api/rest/v2/", file=out)
    print(f"  token          POST http://{fn_host}:{fn_port}/authentication/api/oauth/token "
          f"(client {FakeFieldNation.CLIENT_ID}, user {FakeFieldNation.USERNAME})", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        at_server.shutdown()
        fn_server.shutdown()


def _progress(label: str) -> Callable[[int, int], None]:
    """A progress callback that redraws one line on stderr (only on a terminal)."""
    def show(done: int, total: int) -> None:
        if sys.stderr.isatty():
            end = "\n" if done >= total else ""
            print(f"\r{label}: {done}/{total} work orders", end=end, file=sys.stderr,
                  flush=True)
    return show


def _print_result(out: TextIO, result: Any) -> None:
    """Print a report object: its ``summary()`` if it has one, else its fields."""
    summary = getattr(result, "summary", None)
    if callable(summary):
        print(summary(), file=out)
        return
    print(result, file=out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
