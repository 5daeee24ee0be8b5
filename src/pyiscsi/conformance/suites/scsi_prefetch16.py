"""SCSI.Prefetch16: PRE-FETCH (16) (SBC-4 PRE-FETCH (16) command)."""

from pyiscsi.conformance.templates import prefetch_tests
from pyiscsi.scsi.cdb import PreFetch16

FAMILY = "SCSI"
SUITE = "Prefetch16"

globals().update(prefetch_tests(PreFetch16, "PRE-FETCH (16)", lba_bits=64))
