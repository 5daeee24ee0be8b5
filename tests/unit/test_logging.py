"""A library does not print: pyiscsi's logger has a NullHandler, so without logging configured
its warnings (reconnecting, ...) do not reach stderr through logging's last resort."""

from __future__ import annotations

import logging
import subprocess
import sys


def test_null_handler_on_the_pyiscsi_logger() -> None:
    import pyiscsi  # noqa: F401

    handlers = logging.getLogger("pyiscsi").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_unconfigured_program_gets_nothing_on_stderr() -> None:
    code = (
        "import logging, pyiscsi\n"
        "logging.getLogger('pyiscsi.session').warning('connection lost; reconnecting')\n"
        "logging.getLogger('other').warning('not ours')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "reconnecting" not in done.stderr
    assert "not ours" in done.stderr  # logging's last resort is still there for others
