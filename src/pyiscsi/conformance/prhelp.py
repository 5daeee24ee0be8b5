"""Persistent reservation steps the PR suites share (SPC-5 5.14, 6.16, 6.17)."""

from __future__ import annotations

import contextlib

import pytest

from pyiscsi.conformance.device import (
    RESERVATION_CONFLICT,
    Device,
    Result,
    expect_good,
    expect_status,
    skip_if_not_implemented,
)
from pyiscsi.scsi.cdb import PersistentReserveIn, PersistentReserveOut
from pyiscsi.scsi.opcodes import PersistentReserveInServiceAction as In
from pyiscsi.scsi.opcodes import PersistentReserveOutServiceAction as Out
from pyiscsi.scsi.pr import (
    ReadReservation,
    parse_read_keys,
    parse_read_reservation,
    pr_out_parameter_list,
)

__all__ = ["KEY_1", "KEY_2", "prin", "prout", "read_keys", "read_reservation", "register"]

KEY_1 = 0x0123456789ABCDEF
KEY_2 = 0x1122334455667788
TYPE_NAMES = {1: "WE", 3: "EA", 5: "WERO", 6: "EARO", 7: "WEAR", 8: "EAAR"}


def prin(sd: Device, action: int, length: int = 4096) -> Result:
    """PERSISTENT RESERVE IN; skip when not implemented."""
    r = sd.run(PersistentReserveIn(service_action=action, allocation_length=length).encode(),
               data_in=length)  # fmt: skip
    skip_if_not_implemented(r, "PERSISTENT RESERVE IN")
    return r


def prout(
    sd: Device, action: int, key: int = 0, sa_key: int = 0, pr_type: int = 0, *,
    expect: int | None = 0,
) -> Result:  # fmt: skip
    """PERSISTENT RESERVE OUT with a basic parameter list; ``expect`` the status (None: any)."""
    params = pr_out_parameter_list(key, sa_key)
    c = PersistentReserveOut(service_action=action, type=pr_type, parameter_list_length=len(params))
    r = sd.run(c.encode(), data_out=params)
    skip_if_not_implemented(r, "PERSISTENT RESERVE OUT")
    what = f"PERSISTENT RESERVE OUT {Out(action).name} type {pr_type} key {key:#x}"
    if expect == 0:
        expect_good(r, what)
    elif expect is not None:
        expect_status(r, expect, what)
    return r


def register(sd: Device, key: int) -> None:
    """REGISTER AND IGNORE EXISTING KEY ``key`` (0 unregisters)."""
    prout(sd, Out.REGISTER_AND_IGNORE_EXISTING_KEY, 0, key)


def read_keys(sd: Device) -> list[int]:
    """The registered reservation keys."""
    r = prin(sd, In.READ_KEYS)
    expect_good(r, "PERSISTENT RESERVE IN READ KEYS")
    return parse_read_keys(r.data).reservation_keys


def read_reservation(sd: Device) -> ReadReservation:
    """The reservation held, if any."""
    r = prin(sd, In.READ_RESERVATION)
    expect_good(r, "PERSISTENT RESERVE IN READ RESERVATION")
    return parse_read_reservation(r.data)


def conflict_or_good(r: Result, allowed: bool, what: str) -> None:
    """GOOD when ``allowed``, else RESERVATION CONFLICT."""
    if allowed:
        expect_good(r, what)
    else:
        expect_status(r, RESERVATION_CONFLICT, what)


def cleanup(sd: Device, key: int) -> None:
    """Best effort: clear every registration and reservation (CLEAR with ``key``)."""
    with contextlib.suppress(pytest.skip.Exception):
        prout(sd, Out.CLEAR, key, expect=None)
