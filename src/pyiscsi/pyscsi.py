"""python-scsi on pyiscsi: a device class for PYSCSI's ``SCSI(device)``, with no C at all.

    from pyscsi.pyscsi.scsi import SCSI
    from pyiscsi.pyscsi import Device

    with SCSI(Device("iscsi://127.0.0.1/iqn.2024-01.org.example:disk/1")) as s:
        print(s.inquiry().result["t10_vendor_identification"])

Needs the optional extra: ``pip install 'pyiscsi[pyscsi]'`` (PyPI ``PYSCSI``).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Unpack

from pyiscsi import errors, sync
from pyiscsi.options import ConnectOptions
from pyiscsi.scsi.sense import Sense

try:
    from pyscsi.pyscsi import scsi_enum_command
    from pyscsi.pyscsi.scsi_sense import SCSICheckCondition
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "pyiscsi.pyscsi needs python-scsi: pip install 'pyiscsi[pyscsi]'"
    ) from exc

__all__ = ["CheckCondition", "Device"]

_CHECK_CONDITION = 0x02


class CheckCondition(SCSICheckCondition, errors.CheckConditionError):  # type: ignore[misc]
    """CHECK CONDITION as python-scsi reports it, and as pyiscsi does.

    A ``SCSICheckCondition`` (``.data``, ``.asc``, ``.ascq`` decoded by python-scsi) and a
    :class:`pyiscsi.CheckConditionError` (``.sense`` decoded by pyiscsi); ``raw_sense`` holds
    the sense bytes.
    """

    def __init__(self, raw_sense: bytes, sense: Sense | None) -> None:
        SCSICheckCondition.__init__(self, bytearray(raw_sense or b"\x00"))
        errors.CheckConditionError.__init__(self, sense)
        self.raw_sense = raw_sense

    def __str__(self) -> str:
        return errors.CheckConditionError.__str__(self)


class Device:
    """A python-scsi device on a LUN reached over iSCSI: ``SCSI(Device(url))``.

    Give an ``iscsi://`` URL (and :func:`pyiscsi.connect` options) to log in, or a
    :class:`pyiscsi.sync.Session` you keep (then :meth:`close` does not log out).
    """

    CheckCondition = CheckCondition

    def __init__(
        self,
        url: str | None = None,
        *,
        session: sync.Session | None = None,
        **options: Unpack[ConnectOptions],
    ) -> None:
        if session is None:
            if url is None:
                raise errors.ConfigurationError("give an iscsi:// URL or session=")
            session = sync.connect(url, **options)
            self._owns = True
        elif url is not None or options:
            raise errors.ConfigurationError("give either a URL (and options) or session=")
        else:
            self._owns = False
        self.session = session
        #: The opcode table python-scsi builds CDBs from (SPC until it knows the type).
        self.opcodes: Any = scsi_enum_command.spc
        #: The peripheral device type python-scsi found with INQUIRY.
        self.devicetype: int | None = None

    def __repr__(self) -> str:
        return f"<pyiscsi.pyscsi.Device {self.session!r}>"

    def execute(self, cmd: Any, en_raw_sense: bool = False) -> None:
        """Run a python-scsi command: its ``cdb``, ``dataout`` sent, ``datain`` filled.

        CHECK CONDITION raises :class:`CheckCondition`; with ``en_raw_sense`` the sense bytes
        are also left in ``cmd.raw_sense_data``.  Other non-GOOD statuses raise
        :class:`pyiscsi.SCSIStatusError`.
        """
        dataout = cmd.dataout
        datain = cmd.datain
        result = self.session.execute(
            bytes(cmd.cdb),
            data_out=dataout if dataout is not None and len(dataout) else None,
            data_in=datain if datain is not None and len(datain) else None,
            check=False,
        )
        if result.status == _CHECK_CONDITION:
            if en_raw_sense:
                cmd.raw_sense_data = result.sense_data
            raise CheckCondition(result.sense_data, result.sense)
        if not result.good:
            raise errors.SCSIStatusError(result.status)

    def close(self) -> None:
        """Log out, if this device logged in."""
        if self._owns:
            self.session.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
