"""Fixtures that start real tgtd daemons (tests/tgt.py); they fail, never skip, without tgtd/root.

``tgtd`` (session): one daemon with the standard targets of :func:`tgt.populate_standard`:
tid 1 ``PLAIN_IQN`` (LUN 1 64 MiB, LUN 300 and LUN 16000 8 MiB), tid 2 ``CHAP_IQN``, tid 3
``MUTUAL_IQN``, tid 4 ``DIGEST_IQN``; names and secrets are constants of ``tgt``.

``tgtd_factory`` (per test): ``tgtd_factory(ipv6=False)`` starts one more empty daemon, stopped
after the test; configure it with ``add_target``, ``set_target_param``, ``add_account``...
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tgt import Tgtd, TgtdError, TgtdFactory, populate_standard


def _start(daemon: Tgtd) -> Tgtd:
    try:
        return daemon.start()
    except TgtdError as e:
        from conftest import integration_prerequisites

        missing = integration_prerequisites()
        why = f" (missing: {'; '.join(missing)})" if missing else ""
        pytest.fail(
            f"cannot start tgtd for the integration tests{why}: {e}. They need root and "
            "Debian's tgt (`make integration` installs it); `make unit` runs the unit tests "
            "alone.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def tgtd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tgtd]:
    """The shared tgtd with the standard targets (see the module docstring)."""
    daemon = _start(Tgtd(workdir=tmp_path_factory.mktemp("tgtd")))
    with daemon:
        try:
            populate_standard(daemon)
        except TgtdError as e:
            pytest.fail(f"cannot configure the standard targets: {e}", pytrace=False)
        yield daemon


@pytest.fixture
def tgtd_factory(tmp_path: Path) -> Iterator[TgtdFactory]:
    """Start extra tgtd daemons for one test: ``tgtd_factory(ipv6=True)``; all stop after it."""
    with contextlib.ExitStack() as stack:
        count = 0

        def factory(*, ipv6: bool = False) -> Tgtd:
            nonlocal count
            count += 1
            daemon = Tgtd(ipv6=ipv6, workdir=tmp_path / f"tgtd{count}")
            return stack.enter_context(_start(daemon))

        yield factory
