"""The ``autotask-fn`` command line.

Exit codes: ``0`` success; ``1`` the operation failed (an API or sync error, a check that did
not pass, an inbox entry dead-lettered or retried, a work order that failed in a sweep, a demo
step that did not produce the expected records); ``2`` usage or configuration error (bad
arguments, missing credentials or store, invalid settings); ``130`` interrupted.
Errors are printed as one clear line on stderr (no traceback); ``--debug`` shows the
traceback. ``--json`` prints one JSON document on stdout instead of the human output (see
:mod:`autotask_fn._cli_output` for the envelope).
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

import attrs
import httpx

from autotask_fn._cli_fakectl import add_fake_command, run_fake_command
from autotask_fn._cli_output import envelope, print_json
from autotask_fn._version import __version__
from autotask_fn.errors import AutotaskFnError, ConfigurationError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130



@attrs.define
class Outcome:
    """What a command did: its exit code, its result for ``--json`` and its human text."""

    code: int
    result: Any = None
    text: str | None = None
    extra: dict[str, Any] = attrs.Factory(dict)
    printed: bool = False
    """True when the command printed its output itself (``fake-server``)."""


Handler = Callable[[argparse.Namespace, TextIO], Outcome]


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
        epilog="Exit codes: 0 ok, 1 failed, 2 usage or configuration error. --json prints "
               "one JSON document on stdout.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML configuration file "
                        "(default: $AUTOTASK_FN_CONFIG or ./autotask-fn.toml)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON document on stdout (schema: docs, CLI reference)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("demo", help="walk through the product scenarios on built-in fakes")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.add_argument("--store", metavar="FILE", type=Path,
                   help="keep the demo's link store in this SQLite file (default: temporary)")
    p.set_defaults(handler=_cmd_demo)

    p = sub.add_parser("zone", help="discover the Autotask zone of an API user name")
    p.add_argument("username")
    p.add_argument("--zone-url", help="zone discovery base URL (default: the public one)")
    p.set_defaults(handler=_cmd_zone)

    p = sub.add_parser("check", help="test the connection and settings (never writes)")
    p.set_defaults(handler=_cmd_check)

    p = sub.add_parser("import-ticket",
                       help="import Autotask tickets into Field Nation work orders")
    p.add_argument("ids", metavar="ID", type=int, nargs="+")
    p.add_argument("--dry-run", action="store_true",
                   help="print the writes it would make without making them")
    p.set_defaults(handler=_cmd_import_ticket)

    p = sub.add_parser("sync-work-order", help="reconcile one Field Nation work order into "
                       "Autotask")
    p.add_argument("id", type=int)
    p.add_argument("--dry-run", action="store_true",
                   help="print the writes it would make without making them")
    p.set_defaults(handler=_cmd_sync_work_order)

    p = sub.add_parser("sweep", help="reconcile linked, active work orders")
    p.add_argument("--status", action="append", help="only work orders in this status code")
    p.add_argument("--changed-since", metavar="ISO8601", help="only work orders changed since")
    p.add_argument("--force", action="store_true",
                   help="reconcile even work orders whose digest is unchanged")
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
    p.add_argument("--write-config", metavar="FILE", type=Path,
                   help="also write the configuration to FILE (owner-only permissions)")
    p.set_defaults(handler=_cmd_fake_server)
    add_fake_command(sub, _cmd_fake)

    from autotask_fn.probe.command import add_parser as add_probe

    add_probe(sub, _cmd_probe)
    # ``--json`` is accepted after the command too; SUPPRESS keeps a global one in force.
    for command in sub.choices.values():
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                             help="print one JSON document on stdout")
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
        outcome = handler(args, stream)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return _failed(args, stream, EXIT_INTERRUPTED, "Interrupted", "interrupted")
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
        return _failed(args, stream, EXIT_USAGE, "ConfigurationError", str(exc))
    except AutotaskFnError as exc:
        if args.debug:
            raise
        hint = _hint(exc)
        print(f"autotask-fn: {type(exc).__name__}: {exc}", file=sys.stderr)
        if hint and hint not in str(exc):
            print(f"  hint: {hint}", file=sys.stderr)
        return _failed(args, stream, EXIT_FAILED, type(exc).__name__, str(exc), hint)
    except httpx.HTTPError as exc:
        if args.debug:
            raise
        print(f"autotask-fn: network error: {type(exc).__name__}", file=sys.stderr)
        return _failed(args, stream, EXIT_FAILED, "NetworkError", type(exc).__name__)
    if outcome.printed:
        pass
    elif args.json:
        print_json(stream, envelope(args.command, outcome.code, outcome.result,
                                    **outcome.extra))
    elif outcome.text is not None:
        print(outcome.text, file=stream)
    return outcome.code


def _failed(args: argparse.Namespace, out: TextIO, code: int, kind: str, message: str,
            hint: str | None = None) -> int:
    """In ``--json`` mode, the error document on stdout too (stderr has the line)."""
    if getattr(args, "json", False):
        print_json(out, envelope(args.command, code, None,
                                 {"type": kind, "message": message, "hint": hint}))
    return code


def _hint(exc: BaseException) -> str | None:
    """The hint of an error; a 404 that comes from a wrong REST base URL gets one about it."""
    hint = getattr(exc, "hint", None)
    if hint:
        return str(hint)
    from autotask_fn.autotask.errors import AutotaskNotFoundError

    url = str(getattr(exc, "url", "") or "")
    if isinstance(exc, AutotaskNotFoundError) and _wrong_base(url):
        return ("The Autotask REST base URL looks wrong (" + url + "): base_url "
                "(AUTOTASK_FN_AT_BASE_URL) ends in /ATServicesRest/, without V1.0, e.g. the "
                "'REST URL' that 'autotask-fn zone USERNAME' prints.")
    return None


def _wrong_base(url: str) -> bool:
    path = url.lower().split("?", 1)[0]
    return "/v1.0/v1.0/" in path or "/atservicesrest/v1.0/" not in path


# -- commands -------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace, out: TextIO) -> Outcome:
    import io

    from autotask_fn.demo import run_demo

    result: dict[str, Any] = {}
    if args.json:  # the walk-through is for people; the document carries the checks
        code = run_demo(out=io.StringIO(), quiet=True, store_path=args.store, result=result)
    else:
        code = run_demo(out=out, quiet=args.quiet, store_path=args.store, result=result)
    return Outcome(code, result)


def _cmd_zone(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_output import fields
    from autotask_fn.autotask import discover_zone

    kwargs: dict[str, Any] = {}
    if args.zone_url:
        kwargs["zone_url"] = args.zone_url
    zone = discover_zone(args.username, **kwargs)
    text = fields([("zone name", zone.zone_name), ("REST URL", zone.url),
                   ("web URL", zone.web_url), ("tenant ci", zone.ci)])
    return Outcome(EXIT_OK, zone, text)


def _cmd_check(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_runtime import Runtime

    runtime = Runtime.from_args(args, need_fieldnation=True)
    lines = runtime.check()
    ok = not any(line.status == "fail" for line in lines)
    text = []
    for line in lines:
        mark = "FAIL" if line.status == "fail" else line.status
        text.append(f"[{mark:<4}] {line.name}: {line.detail}")
        if line.fix:
            text.append(f"       fix: {line.fix}")
    return Outcome(EXIT_OK if ok else EXIT_FAILED, {"lines": lines}, "\n".join(text))


def _run_facade(args: argparse.Namespace, out: TextIO,
                call: Callable[[Any, Any], tuple[int, Any, str]]) -> Outcome:
    """Build the service from configuration, run one facade call and, with ``--dry-run``,
    add the writes it would have made."""
    import io

    from autotask_fn._cli_runtime import Runtime

    runtime = Runtime.from_args(args, need_fieldnation=True,
                                dry_run=getattr(args, "dry_run", False))
    code, result, text = call(runtime.service(), runtime.store)
    extra: dict[str, Any] = {}
    planned = runtime.planned_writes
    if planned is not None:
        extra["planned_writes"] = planned
        buffer = io.StringIO()
        runtime.print_dry_run(buffer)
        text = f"{text}\n{buffer.getvalue().rstrip()}"
    return Outcome(code, result, text, extra)


def _progress_enabled(args: argparse.Namespace, out: TextIO) -> bool:
    """Progress is drawn on stderr only when a person watches: stdout is a terminal and
    the output is not ``--json``."""
    isatty = getattr(out, "isatty", None)
    return not args.json and bool(isatty and isatty()) and sys.stderr.isatty()


def _cmd_import_ticket(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_output import render_import

    show = _progress("import-ticket", unit="tickets", enabled=_progress_enabled(args, out))

    def call(svc: Any, store: Any) -> tuple[int, Any, str]:
        imports: list[dict[str, Any]] = []
        text: list[str] = []
        for done, ticket_id in enumerate(args.ids, 1):
            try:
                result = svc.import_ticket(ticket_id)
            except ConfigurationError:
                raise
            except AutotaskFnError as exc:
                hint = _hint(exc)
                print(f"autotask-fn: ticket {ticket_id}: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
                if hint and hint not in str(exc):
                    print(f"  hint: {hint}", file=sys.stderr)
                imports.append({"ticket_id": ticket_id, "ok": False, "result": None,
                                "error": {"type": type(exc).__name__, "message": str(exc),
                                          "hint": hint}})
                text.append(f"ticket {ticket_id}: failed ({type(exc).__name__})")
            else:
                imports.append({"ticket_id": ticket_id, "ok": True, "result": result,
                                "error": None})
                text.append(render_import(result))
            show(done, len(args.ids))
        failed = sum(not i["ok"] for i in imports)
        return (EXIT_FAILED if failed else EXIT_OK, {"imports": imports, "failed": failed},
                "\n\n".join(text))
    return _run_facade(args, out, call)


def _cmd_sync_work_order(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_output import render_sync

    def call(svc: Any, store: Any) -> tuple[int, Any, str]:
        report = svc.sync_work_order(args.id)
        return EXIT_OK, report, render_sync(report)
    return _run_facade(args, out, call)


def _cmd_sweep(args: argparse.Namespace, out: TextIO) -> Outcome:
    from datetime import datetime

    from autotask_fn._cli_output import render_sweep

    since = None
    if args.changed_since:
        try:
            since = datetime.fromisoformat(args.changed_since)
        except ValueError:
            raise ConfigurationError(
                f"--changed-since: {args.changed_since!r} is not an ISO 8601 date/time"
            ) from None
    show = _progress("sweep", enabled=_progress_enabled(args, out))

    def call(svc: Any, store: Any) -> tuple[int, Any, str]:
        report = svc.sweep(statuses=args.status, changed_since=since, progress=show,
                           force=args.force)
        return (EXIT_FAILED if report.errors else EXIT_OK), report, render_sweep(report)
    return _run_facade(args, out, call)


def _cmd_process_pending(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_output import render_process

    show = _progress("process-pending", unit="entries", enabled=_progress_enabled(args, out))

    def call(svc: Any, store: Any) -> tuple[int, Any, str]:
        report = svc.process_pending(limit=args.limit, progress=show)
        failed = report.dead or report.retried
        return (EXIT_FAILED if failed else EXIT_OK), report, render_process(report)
    return _run_facade(args, out, call)


def _cmd_handle_event(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_output import render_sync
    from autotask_fn.fieldnation.webhooks import parse_delivery

    try:
        body = args.file.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {args.file}: {exc.strerror}") from None
    event = parse_delivery(body, {})

    def call(svc: Any, store: Any) -> tuple[int, Any, str]:
        report = svc.handle_event(event)
        return EXIT_OK, report, render_sync(report)
    return _run_facade(args, out, call)


def _entry(entry: Any, *, body: bool = False) -> dict[str, Any]:
    data = {"id": entry.id, "source": entry.source, "delivery_id": entry.delivery_id,
            "status": entry.status.value, "attempts": entry.attempts,
            "last_error": entry.last_error}
    if body:
        data["body"] = entry.body.decode("utf-8", "replace")
    return data


def _cmd_dead_letters(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_output import table
    from autotask_fn._cli_runtime import Runtime
    from autotask_fn.store import EntryStatus

    if args.action != "list" and args.entry_id is None:
        raise ConfigurationError(f"dead-letters {args.action} needs an ENTRY_ID")
    runtime = Runtime.from_args(args, need_autotask=False, existing_store=True)
    store = runtime.store
    if args.action == "list":
        entries = store.list_entries(EntryStatus.DEAD)
        rows = [(e.id, e.source, e.delivery_id, e.attempts,
                 (e.last_error or "").splitlines()[0] if e.last_error else "")
                for e in entries]
        text = (table(rows, ("id", "source", "delivery", "attempts", "last error"))
                if rows else "no dead letters")
        return Outcome(EXIT_OK, {"entries": [_entry(e) for e in entries]}, text)
    entry = store.get_entry(args.entry_id)
    if entry is None:
        print(f"autotask-fn: no inbox entry {args.entry_id}", file=sys.stderr)
        return Outcome(EXIT_FAILED, {"entry": None})
    if args.action == "show":
        data = _entry(entry, body=True)
        return Outcome(EXIT_OK, {"entry": data}, json.dumps(data, indent=2))
    if args.action == "replay":
        ok = store.replay(args.entry_id)
        return Outcome(EXIT_OK if ok else EXIT_FAILED,
                       {"entry_id": args.entry_id, "action": "replay", "done": ok},
                       f"entry {args.entry_id} {'queued again' if ok else 'was not replayed'}")
    ok = store.discard(args.entry_id)
    return Outcome(EXIT_OK if ok else EXIT_FAILED,
                   {"entry_id": args.entry_id, "action": "discard", "done": ok},
                   f"entry {args.entry_id} {'discarded' if ok else 'was not discarded'}")


def _cmd_links(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn._cli_output import table
    from autotask_fn._cli_runtime import Runtime

    runtime = Runtime.from_args(args, need_autotask=False, existing_store=True)
    links = runtime.store.list_links(kind=args.kind)
    if args.work_order is not None:
        links = [lk for lk in links if lk.work_order_id == args.work_order]
    rows = [(f"{lk.scope.fn_env}/{lk.scope.at_tenant}", lk.kind, lk.fn_id,
             f"{lk.at_entity} {lk.at_id}", lk.state.value) for lk in links]
    text = (table(rows, ("scope", "kind", "FN id", "Autotask", "state"))
            if rows else "no links")
    data = [{"scope": {"fn_env": lk.scope.fn_env, "at_tenant": lk.scope.at_tenant},
             "kind": lk.kind, "fn_id": lk.fn_id, "work_order_id": lk.work_order_id,
             "at_entity": lk.at_entity, "at_id": lk.at_id, "state": lk.state.value}
            for lk in links]
    return Outcome(EXIT_OK, {"links": data}, text)


def _cmd_fake_server(args: argparse.Namespace, out: TextIO) -> Outcome:
    import time

    from autotask_fn._cli_fake import fake_config, write_private
    from autotask_fn.testing import FakeAutotask, FakeFieldNation, live_clock, serve

    fn_fake, at_fake = FakeFieldNation(clock=live_clock()), FakeAutotask(clock=live_clock())
    at_server = serve(at_fake, args.host, args.autotask_port)
    fn_server = serve(fn_fake, args.host, args.fieldnation_port)
    try:
        at_host, at_port = (str(v) for v in at_server.server_address[:2])
        fn_host, fn_port = (str(v) for v in fn_server.server_address[:2])
        fn_fake.base_url = f"http://{fn_host}:{fn_port}"  # file links point at the served fake
        target = args.write_config.resolve() if args.write_config else None
        store = (target.parent if target else Path.cwd()) / "autotask-fn-fake.sqlite3"
        config = fake_config(f"http://{at_host}:{at_port}", f"http://{fn_host}:{fn_port}",
                             store)
        if target is not None:
            write_private(target, config.toml())
        if args.json:
            print_json(out, envelope(args.command, EXIT_OK, {
                "config": config.values, "env": config.env(),
                "config_file": str(target) if target else None}))
        else:
            print("# FakeAutotask and FakeFieldNation are serving. Configuration "
                  "(TOML, chmod 600):", file=out)
            print(config.toml(), file=out)
            print("# or the same as environment variables:", file=out)
            print(config.env_lines(), file=out)
            if target is not None:
                print(f"\n# written to {target} (owner-only): run commands with "
                      f"AUTOTASK_FN_CONFIG={target} or --config {target}", file=out)
            print("# Press Ctrl-C to stop.", file=out, flush=True)
        out.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:  # Ctrl-C is how a server is stopped: a normal end
        return Outcome(EXIT_OK, printed=True)
    finally:
        at_server.shutdown()
        fn_server.shutdown()


def _cmd_fake(args: argparse.Namespace, out: TextIO) -> Outcome:
    result = run_fake_command(args)
    return Outcome(result.code, result.result, result.text)


def _cmd_probe(args: argparse.Namespace, out: TextIO) -> Outcome:
    from autotask_fn.probe.command import command

    code, result, text = command(args)
    return Outcome(code, result, text)


def _progress(label: str, *, unit: str = "work orders",
              enabled: bool | None = None) -> Callable[[int, int], None]:
    """A progress callback that redraws one line on stderr: when ``enabled`` (default:
    when stderr is a terminal). Commands enable it only on a terminal, never with --json."""
    def show(done: int, total: int) -> None:
        if enabled if enabled is not None else sys.stderr.isatty():
            end = "\n" if done >= total else ""
            print(f"\r{label}: {done}/{total} {unit}", end=end, file=sys.stderr,
                  flush=True)
    return show


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
