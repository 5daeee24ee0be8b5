"""pyiscsi.scsi: SCSI commands and data, independent of iSCSI (it also serves SG_IO).

- CDB builders, one class per command (:mod:`~pyiscsi.scsi.cdb`): ``Read16(lba=..,
  transfer_length=..).encode()``, ``decode_cdb(bytes)``; opcodes and service actions
  (:mod:`~pyiscsi.scsi.opcodes`).
- Data-in parsers and parameter lists: INQUIRY and VPD pages (:mod:`~pyiscsi.scsi.inquiry`),
  READ CAPACITY and GET LBA STATUS (:mod:`~pyiscsi.scsi.capacity`), REPORT LUNS and SAM LUNs
  (:mod:`~pyiscsi.scsi.luns`), MODE SENSE/SELECT (:mod:`~pyiscsi.scsi.mode`), persistent
  reservations (:mod:`~pyiscsi.scsi.pr`), REPORT SUPPORTED OPERATION CODES and other reports
  (:mod:`~pyiscsi.scsi.reports`), UNMAP and EXTENDED COPY lists (:mod:`~pyiscsi.scsi.params`).
- Sense data (:mod:`~pyiscsi.scsi.sense`): ``parse_sense``, ``describe_asc`` with T10's whole
  ASC/ASCQ table, status and sense key names (:mod:`~pyiscsi.scsi.status`).

Parsed results of a command are named after it with ``Data`` where a builder has the plain
name (``ReadCapacity16`` builds the CDB, ``ReadCapacity16Data`` is what it returns).
"""

from pyiscsi.scsi import (
    capacity,
    cdb,
    inquiry,
    luns,
    mode,
    opcodes,
    params,
    pr,
    reports,
    sense,
    status,
)
from pyiscsi.scsi.capacity import *  # noqa: F403
from pyiscsi.scsi.cdb import *  # noqa: F403
from pyiscsi.scsi.inquiry import *  # noqa: F403
from pyiscsi.scsi.luns import *  # noqa: F403
from pyiscsi.scsi.mode import *  # noqa: F403
from pyiscsi.scsi.opcodes import *  # noqa: F403
from pyiscsi.scsi.params import *  # noqa: F403
from pyiscsi.scsi.pr import *  # noqa: F403
from pyiscsi.scsi.reports import *  # noqa: F403
from pyiscsi.scsi.sense import *  # noqa: F403
from pyiscsi.scsi.status import *  # noqa: F403

__all__ = [
    *capacity.__all__,
    *cdb.__all__,
    *inquiry.__all__,
    *luns.__all__,
    *mode.__all__,
    *opcodes.__all__,
    *params.__all__,
    *pr.__all__,
    *reports.__all__,
    *sense.__all__,
    *status.__all__,
]
