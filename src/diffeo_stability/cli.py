"""Command-line entry point: `diffeo-stability <command> ...`.

Each command lives in `diffeo_stability.commands.<module>` and defines `HELP: str`,
`add_arguments(parser)` and `run(args) -> None`. Modules are imported lazily so that
`diffeo-stability --help` does not pay for importing torch.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from diffeo_stability.errors import DiffeoStabilityError

# command name -> module under diffeo_stability.commands
COMMANDS: dict[str, str] = {
    "fetch-data": "fetch_data",
    "synth-data": "synth_data",
    "figure": "figure",
}


def _load(name: str):
    return importlib.import_module(f"diffeo_stability.commands.{COMMANDS[name]}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Parser with every sub-command listed; only `command` (if given) gets its arguments."""
    parser = argparse.ArgumentParser(prog="diffeo-stability", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        if name == command:
            module = _load(name)
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
        else:
            sub.add_parser(name, help=f"see `diffeo-stability {name} --help`", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a in COMMANDS), None)
    args = build_parser(command).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        _load(args.command).run(args)
    except DiffeoStabilityError as err:
        logging.getLogger("diffeo_stability").error("%s", err)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
