"""``python -m pyiscsi <tool> [options]``: run one of the command-line tools (iscsi-ls, ...)."""

from __future__ import annotations

import importlib
import sys

from pyiscsi.tools import TOOLS


def main(argv: list[str] | None = None) -> int:
    """Run the tool named by the first argument (``iscsi-ls`` or ``ls``) with the rest."""
    args = sys.argv[1:] if argv is None else argv
    names = ", ".join(sorted(TOOLS))
    if not args or args[0] in ("-h", "--help"):
        print(f"usage: python -m pyiscsi <tool> [options]\ntools: {names}")
        return 0 if args else 2
    name = args[0] if args[0].startswith("iscsi-") else f"iscsi-{args[0]}"
    if name not in TOOLS:
        print(f"pyiscsi: unknown tool {args[0]!r} (tools: {names})", file=sys.stderr)
        return 2
    module = importlib.import_module(TOOLS[name])
    status: int = module.main(args[1:])
    return status


if __name__ == "__main__":
    sys.exit(main())
