"""SCSI.Prefetch10: PRE-FETCH (10) (SBC-4 PRE-FETCH (10) command)."""

from pyiscsi.conformance.templates import prefetch_tests
from pyiscsi.scsi.cdb import PreFetch10

FAMILY = "SCSI"
SUITE = "Prefetch10"

globals().update(prefetch_tests(PreFetch10, "PRE-FETCH (10)", lba_bits=32))
