"""SCSI.PrinReadKeys: PERSISTENT RESERVE IN, READ KEYS (SPC-5 6.16.2)."""

import pytest

from pyiscsi.conformance.device import Device, expect_good
from pyiscsi.conformance.prhelp import KEY_1, cleanup, prin, read_keys, register
from pyiscsi.scsi.opcodes import PersistentReserveInServiceAction as In

FAMILY = "SCSI"
SUITE = "PrinReadKeys"
pytestmark = pytest.mark.iscsi_only


def test_Simple(sd: Device) -> None:
    """A key registered is listed by READ KEYS and gone after unregistering; PRGENERATION
    changes with each (SPC-5 6.16.2, 5.14.7 registering)."""
    read_keys(sd)
    try:
        register(sd, KEY_1)
        if KEY_1 not in read_keys(sd):
            pytest.fail(f"READ KEYS: key {KEY_1:#x} not listed after REGISTER", pytrace=False)
        register(sd, 0)
        if KEY_1 in read_keys(sd):
            pytest.fail(f"READ KEYS: key {KEY_1:#x} still listed after unregistering",
                        pytrace=False)  # fmt: skip
    finally:
        cleanup(sd, KEY_1)


def test_Truncate(sd: Device) -> None:
    """READ KEYS with ALLOCATION LENGTH 8-15 returns that many bytes and an ADDITIONAL LENGTH
    that still counts every key (SPC-5 4.2.5.6, 6.16.2)."""
    try:
        register(sd, KEY_1)
        full = prin(sd, In.READ_KEYS).data
        for length in range(8, 16):
            r = prin(sd, In.READ_KEYS, length)
            expect_good(r, f"READ KEYS allocation_length={length}")
            if len(r.data) > length or r.data[4:8] != full[4:8]:
                pytest.fail(f"READ KEYS allocation_length={length}: {r.data.hex()} "
                            f"(full answer {full.hex()})", pytrace=False)  # fmt: skip
    finally:
        cleanup(sd, KEY_1)
