"""``autotask-fn fake ...``: act as the dispatcher and the provider on served fakes.

Each sub-command is one request to the control API (``/_fake/...``) of the fakes that
``autotask-fn fake-server`` (or :func:`autotask_fn.testing.serve`) runs: the Autotask fake for
tickets and records, the Field Nation fake for the provider's visit. Where the fakes are:
``--autotask URL`` / ``--fieldnation URL``, else the configuration's base URLs when they are
loopback ``http://`` addresses (the file ``fake-server --write-config`` writes), else the
ports ``fake-server`` uses by default.
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import attrs
import httpx

from autotask_fn.errors import AutotaskFnError, ConfigurationError

__all__ = ["FakeCommandError", "FakeResult", "add_fake_command", "run_fake_command"]

DEFAULT_AUTOTASK = "http://127.0.0.1:8401"
DEFAULT_FIELDNATION = "http://127.0.0.1:8402"
_DESCRIPTION = (
    "Act as the Autotask dispatcher and the Field Nation provider on the fakes that "
    "'autotask-fn fake-server' serves, through their control API (/_fake). The fakes are "
    "found at --autotask / --fieldnation, else at the configured base URLs when those are "
    f"loopback http:// addresses, else at {DEFAULT_AUTOTASK} and {DEFAULT_FIELDNATION}.")


class FakeCommandError(AutotaskFnError):
    """A fake refused a control request (its message says why)."""


@attrs.frozen
class FakeResult:
    """What a ``fake`` sub-command did: exit code, a JSON-able result and a line for people."""

    code: int
    result: Any
    text: str


Action = Callable[["_Fakes", argparse.Namespace], FakeResult]


def add_fake_command(sub: Any, handler: Callable[[argparse.Namespace, TextIO], Any]) -> None:
    """Add ``fake`` and its sub-commands to the ``autotask-fn`` sub-parsers ``sub``;
    ``handler`` is what the main parser calls (it runs :func:`run_fake_command`)."""
    fake = sub.add_parser("fake", help="act as dispatcher and provider on served fakes",
                          description=_DESCRIPTION)
    fake.add_argument("--autotask", metavar="URL",
                      help=f"the served FakeAutotask (default: configured, or {DEFAULT_AUTOTASK})")
    fake.add_argument("--fieldnation", metavar="URL",
                      help="the served FakeFieldNation (default: configured, or "
                           f"{DEFAULT_FIELDNATION})")
    actions = fake.add_subparsers(dest="fake_action", metavar="ACTION", required=True,
                                  parser_class=type(fake))
    fake.set_defaults(handler=handler)

    def action(name: str, help_text: str, run: Action) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        parser.set_defaults(fake_run=run)
        return parser

    p = action("ticket", "a dispatcher creates an Autotask ticket (seeded defaults)", _ticket)
    p.add_argument("--title", default="Ticket from autotask-fn fake")
    p.add_argument("--set", metavar="FIELD=VALUE", action="append", default=[],
                   help="another ticket field (a JSON value or text); repeatable")
    action("work-orders", "list the Field Nation work orders", _work_orders)
    for name, help_text in (("assign", "assign the seeded provider (publishes a draft)"),
                            ("confirm", "the provider confirms"),
                            ("complete", "the provider marks the work done"),
                            ("approve", "the buyer approves the work")):
        action(name, help_text, _simple(name)).add_argument("work_order", type=int)
    for name in ("check-in", "check-out"):
        p = action(name, f"the provider {name.replace('-', 's ')}", _check(name))
        p.add_argument("work_order", type=int)
        p.add_argument("--at", metavar="ISO8601", help="when (default: the fake's now)")
    p = action("message", "the provider posts a message", _message)
    p.add_argument("work_order", type=int)
    p.add_argument("text")
    p.add_argument("--internal", action="store_true", help="an internal note of the buyer")
    p = action("expense", "the provider adds an expense", _expense)
    p.add_argument("work_order", type=int)
    p.add_argument("amount", help='a decimal amount, e.g. "42.50"')
    p.add_argument("description")
    p.add_argument("--receipt", metavar="FILE", type=Path, help="a receipt image to attach")
    p.add_argument("--category", type=int, help="an expense category id")
    p = action("upload", "the provider uploads a file", _upload)
    p.add_argument("work_order", type=int)
    p.add_argument("file", type=Path)
    p.add_argument("--folder", default="Documents")
    p = action("signature", "the provider captures a signature", _signature)
    p.add_argument("work_order", type=int)
    p.add_argument("name", help="who signed")
    p.add_argument("--title", help="their title")
    p = action("advance", "move both fakes' clocks forward (makes retries due)", _advance)
    p.add_argument("seconds", type=float)
    p = action("flush", "wait until both fakes attempted every due webhook", _flush)
    p.add_argument("--timeout", type=float, default=10.0)
    p = action("records", "list stored Autotask records of an entity", _records)
    p.add_argument("entity", help="e.g. TimeEntries, TicketNotes, ExpenseItems")
    p.add_argument("--where", metavar="FIELD=VALUE", action="append", default=[])


def run_fake_command(args: argparse.Namespace) -> FakeResult:
    """Run the parsed ``fake`` sub-command."""
    fakes = _Fakes(*_urls(args))
    try:
        run: Action = args.fake_run
        return run(fakes, args)
    finally:
        fakes.close()


# -- where the fakes are ---------------------------------------------------------------
def _urls(args: argparse.Namespace) -> tuple[str, str]:
    at, fn = args.autotask, args.fieldnation
    if at is None or fn is None:
        from autotask_fn.config import load_config

        config = load_config(getattr(args, "config", None))
        at = at or _loopback_origin(config.autotask.base_url) or DEFAULT_AUTOTASK
        fn = fn or _loopback_origin(config.fieldnation.base_url) or DEFAULT_FIELDNATION
    return at.rstrip("/"), fn.rstrip("/")


def _loopback_origin(url: str | None) -> str | None:
    """``http://host:port`` of a configured loopback ``http://`` URL (a served fake), else
    ``None``: a real service's URL is never used for control requests."""
    if not url:
        return None
    parsed = httpx.URL(url)
    if parsed.scheme != "http" or parsed.host not in {"127.0.0.1", "localhost", "::1"}:
        return None
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    return f"http://{host}" + (f":{parsed.port}" if parsed.port else "")


class _Fakes:
    def __init__(self, autotask: str, fieldnation: str) -> None:
        self.urls = {"autotask": autotask, "fieldnation": fieldnation}
        self.http = httpx.Client(timeout=60.0, trust_env=False)

    def close(self) -> None:
        self.http.close()

    def call(self, fake: str, method: str, path: str, body: Any = None,
             params: dict[str, str] | None = None) -> Any:
        url = f"{self.urls[fake]}/_fake{path}"
        try:
            response = self.http.request(method, url, json=body, params=params)
        except httpx.TransportError as exc:
            raise ConfigurationError(
                f"no served fake answers at {self.urls[fake]} ({type(exc).__name__}): start "
                f"'autotask-fn fake-server' or pass --{fake} URL") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            message = data.get("error") if isinstance(data, dict) else None
            raise FakeCommandError(
                f"the {fake} fake refused {method} {path}: {response.status_code} "
                f"{message or response.reason_phrase}")
        return data


# -- the actions -----------------------------------------------------------------------
def _ticket(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    fields: dict[str, Any] = {"title": args.title}
    fields.update(_pairs(args.set, "--set"))
    made = fakes.call("autotask", "POST", "/tickets", fields)
    return FakeResult(0, made, f"ticket {made['id']} created")


def _work_orders(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    rows = fakes.call("fieldnation", "GET", "/work-orders")
    text = "\n".join(f"{r['id']}\t{r['status']}\t{r['title']}" for r in rows)
    return FakeResult(0, {"work_orders": rows}, text or "no work orders")


def _simple(name: str) -> Action:
    done = {"assign": "assigned", "confirm": "confirmed", "complete": "work done",
            "approve": "approved"}[name]

    def run(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
        fakes.call("fieldnation", "POST", f"/work-orders/{args.work_order}/{name}")
        return FakeResult(0, {"work_order": args.work_order},
                          f"work order {args.work_order}: {done}")
    return run


def _check(name: str) -> Action:
    def run(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
        body = {"at": args.at} if args.at else {}
        made = fakes.call("fieldnation", "POST", f"/work-orders/{args.work_order}/{name}", body)
        return FakeResult(0, made, f"work order {args.work_order}: {name.replace('-', 'ed ')}"
                                   f" (time log {made['time_log_id']})")
    return run


def _message(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    made = fakes.call("fieldnation", "POST", f"/work-orders/{args.work_order}/messages",
                      {"text": args.text, "internal": args.internal})
    return FakeResult(0, made, f"work order {args.work_order}: message {made['msg_id']}")


def _expense(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    body: dict[str, Any] = {"amount": args.amount, "description": args.description}
    if args.category is not None:
        body["category_id"] = args.category
    if args.receipt is not None:
        body["receipt"] = _b64(args.receipt)
        body["receipt_name"] = args.receipt.name
    made = fakes.call("fieldnation", "POST", f"/work-orders/{args.work_order}/expenses", body)
    return FakeResult(0, made, f"work order {args.work_order}: expense {made['id']}"
                               + (" with a receipt" if args.receipt else ""))


def _upload(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    made = fakes.call("fieldnation", "POST", f"/work-orders/{args.work_order}/files",
                      {"name": args.file.name, "content": _b64(args.file),
                       "folder": args.folder})
    return FakeResult(0, made, f"work order {args.work_order}: file {made['id']} uploaded")


def _signature(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    made = fakes.call("fieldnation", "POST", f"/work-orders/{args.work_order}/signatures",
                      {"name": args.name, "title": args.title})
    return FakeResult(0, made, f"work order {args.work_order}: signature {made['id']}")


def _advance(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    result = {fake: fakes.call(fake, "POST", "/clock/advance", {"seconds": args.seconds})
              for fake in ("autotask", "fieldnation")}
    return FakeResult(0, result, "\n".join(f"{fake}: now {r['now']}"
                                           for fake, r in result.items()))


def _flush(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    result = {fake: fakes.call(fake, "POST", "/deliveries/flush", {"timeout": args.timeout})
              for fake in ("autotask", "fieldnation")}
    lines = []
    failed = 0
    for fake, state in result.items():
        for a in state["attempts"]:
            failed += not a["delivered"]
            outcome = "delivered" if a["delivered"] else f"failed ({a['error'] or a['status']})"
            lines.append(f"{fake}: attempt {a['attempt']} to {a['url']}: {a['status']} "
                         f"{outcome}")
    return FakeResult(1 if failed else 0, result, "\n".join(lines) or "nothing was due")


def _records(fakes: _Fakes, args: argparse.Namespace) -> FakeResult:
    params = {k: str(v) for k, v in _pairs(args.where, "--where").items()}
    rows = fakes.call("autotask", "GET", f"/records/{args.entity}", params=params)
    return FakeResult(0, {"records": rows},
                      "\n".join(json.dumps(r, sort_keys=True) for r in rows) or "no records")


def _pairs(items: list[str], option: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise ConfigurationError(f"{option} {item!r}: expected FIELD=VALUE")
        try:
            out[name] = json.loads(raw)
        except ValueError:
            out[name] = raw
    return out


def _b64(path: Path) -> str:
    try:
        return base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from None
