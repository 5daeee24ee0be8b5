"""The conformance plugin's pieces that need no target: reasons, run order, judging results."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from pyiscsi.conformance.device import (
    INVALID_FIELD_IN_CDB,
    LBA_OUT_OF_RANGE,
    Result,
    describe,
    expect_good,
    expect_sense,
    is_not_implemented,
)
from pyiscsi.conformance.plugin import failure_reason
from pyiscsi.scsi.sense import build_fixed_sense, parse_sense


def report(longrepr: Any) -> Any:
    return SimpleNamespace(longrepr=longrepr)


def test_failure_reason_of_a_skip_a_fail_and_an_exception() -> None:
    assert failure_reason(report(("x.py", 3, "Skipped: needs --dataloss"))) == "needs --dataloss"
    crash = SimpleNamespace(reprcrash=SimpleNamespace(message="Failed: expected GOOD\nmore"))
    assert failure_reason(report(crash)) == "expected GOOD"
    assert failure_reason(report("ISCSITimeoutError: login did not complete")) == (
        "ISCSITimeoutError: login did not complete"
    )
    assert failure_reason(report("")) == "failed"


def check_condition(key: int, asc: int, ascq: int) -> Result:
    return Result(2, sense=parse_sense(build_fixed_sense(key, asc, ascq)))


def test_expectations() -> None:
    good = Result(0)
    assert expect_good(good, "TUR") is good
    oob = check_condition(5, 0x21, 0x00)
    assert expect_sense(oob, "READ", INVALID_FIELD_IN_CDB, LBA_OUT_OF_RANGE) is oob
    with pytest.raises(pytest.fail.Exception, match="READ: expected GOOD, got CHECK CONDITION"):
        expect_good(oob, "READ")
    with pytest.raises(pytest.fail.Exception, match=r"0x24/0x00, got GOOD"):
        expect_sense(good, "READ", INVALID_FIELD_IN_CDB)
    assert describe(oob).startswith("CHECK CONDITION ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS")
    assert is_not_implemented(check_condition(5, 0x20, 0))
    assert not is_not_implemented(oob)
