"""iscsi-test: the conformance suites for SCSI and iSCSI targets, run by pytest.

The suites are pytest modules in :mod:`pyiscsi.conformance.suites` (``scsi_*.py`` for the
SCSI family, ``iscsi_*.py`` for the iSCSI family), one module per suite and one function per
test, with libiscsi's names: ``SCSI.Read10.Simple`` is ``suites/scsi_read10.py::test_Simple``.
The fixtures, the options, the selection by name and the summary are in
:mod:`pyiscsi.conformance.plugin`; :mod:`pyiscsi.tools.iscsi_test` is the command line.

Vendors write their own tests the same way: a module with ``FAMILY`` and ``SUITE`` and
functions taking the ``sd`` fixture (a :class:`~pyiscsi.conformance.device.Device`).
"""

from pyiscsi.conformance.device import Device, IscsiDevice, LunInfo, Result
from pyiscsi.conformance.names import TestName, matches, parse_selection

__all__ = [
    "Device",
    "IscsiDevice",
    "LunInfo",
    "Result",
    "TestName",
    "matches",
    "parse_selection",
]
