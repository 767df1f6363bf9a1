"""The ``autotask-fn probe`` sub-command: arguments, the guard of ``--write``, output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from autotask_fn.errors import ConfigurationError

__all__ = ["add_parser", "command"]

EXIT_OK, EXIT_DIFFERS, EXIT_CONFIG = 0, 1, 2


def add_parser(sub: Any, handler: Callable[..., Any]) -> argparse.ArgumentParser:
    """Add ``probe`` to the sub-commands of ``autotask-fn``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "probe", help="measure the contract registry on your tenants (read-only by default)",
        description="Walk the contract registry by id and measure each row on the configured "
                    "tenants. Exit 0 when nothing differs, 1 when a row differs, 2 on a "
                    "configuration error.")
    p.add_argument("--work-order", type=int, metavar="ID",
                   help="Field Nation work order whose shapes are read (default: the first)")
    p.add_argument("--ticket", type=int, metavar="ID",
                   help="Autotask ticket whose attachments are read (default: the first)")
    p.add_argument("--write", action="store_true",
                   help="also write and read back probe records (sandbox tenants only)")
    p.add_argument("--allow-production", action="store_true",
                   help="with --write: allow a tenant not marked sandbox (asks for its id)")
    p.set_defaults(handler=handler)
    return p


def command(args: argparse.Namespace, ask: Callable[[str], str] | None = None
            ) -> tuple[int, dict[str, Any], str]:
    """Run the probe from the configuration: the exit code, the report as redacted JSON
    values (``--json``'s ``result``) and the human report."""
    from autotask_fn._cli_runtime import Runtime
    from autotask_fn.config import load_config
    from autotask_fn.probe.report import redact_value
    from autotask_fn.probe.run import run_probe
    from autotask_fn.probe.write import write_options

    config = load_config(getattr(args, "config", None))
    runtime = Runtime(config=config, store=None)
    autotask = runtime._autotask_client()
    fieldnation = runtime._fieldnation_client()
    options = None
    if args.write:
        options = write_options(config, autotask, allow_production=args.allow_production,
                                ask=ask or _ask)
    elif args.allow_production:
        raise ConfigurationError("--allow-production only applies with --write")
    report = run_probe(autotask, fieldnation, work_order_id=args.work_order,
                       ticket_id=args.ticket, write=options)
    secrets = _secrets(config)
    text: str = redact_value(report.summary(), secrets)
    return (EXIT_OK if report.ok else EXIT_DIFFERS), report.to_json(secrets), text


def _secrets(config: Any) -> tuple[str, ...]:
    at, fn = config.autotask, config.fieldnation
    return tuple(s for s in (at.secret, at.integration_code, fn.client_secret, fn.password)
                 if s)


def _ask(prompt: str) -> str:
    print(prompt, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip()
