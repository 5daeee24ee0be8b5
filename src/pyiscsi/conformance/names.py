"""libiscsi's test names (``FAMILY.Suite.Test``) and iscsi-test-cu's ``--test`` selection.

Every test belongs to one family (SCSI, iSCSI, or LINUX when the SCSI tests run over SG_IO)
and to ALL; ``--list`` shows ALL as iscsi-test-cu does, without LINUX. A pattern selects a
test when it matches the test's name or a prefix of it made of whole parts: ``SCSI``,
``ALL.Read10``, ``SCSI.Read1*``, ``*.Simple`` and ``iSCSI.iSCSITMF.AbortTaskSimpleAsync``
all work; the match ignores case.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FAMILIES", "TestName", "format_list", "matches", "parse_selection"]

FAMILIES = ("ALL", "SCSI", "iSCSI", "LINUX")


@dataclass(frozen=True, slots=True, order=True)
class TestName:
    """One test's name: its family (SCSI, iSCSI or LINUX), suite and test."""

    __test__ = False  # not a pytest test class

    family: str
    suite: str
    test: str

    @property
    def id(self) -> str:
        """``FAMILY.Suite.Test``."""
        return f"{self.family}.{self.suite}.{self.test}"

    def names(self) -> tuple[str, ...]:
        """The names it answers to: its family's, then ALL's. A LINUX test (a SCSI test in a
        run on a /dev/sgN device) answers to SCSI and ALL too."""
        rest = f"{self.suite}.{self.test}"
        if self.family == "LINUX":
            return (self.id, f"SCSI.{rest}", f"ALL.{rest}")
        return (self.id, f"ALL.{rest}")


def parse_selection(values: Iterable[str]) -> list[str]:
    """The patterns of ``--test`` values: comma lists, or files with one name a line.

    A value naming an existing file is read (blank lines and ``#`` comments skipped).
    No value means ALL.
    """
    patterns: list[str] = []
    for value in values:
        path = Path(value)
        if "*" not in value and path.is_file():
            text = path.read_text(encoding="utf-8")
            items = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        else:
            items = [part.strip() for part in value.split(",")]
        patterns.extend(item for item in items if item)
    return patterns or ["ALL"]


def matches(name: TestName, patterns: Sequence[str]) -> str | None:
    """The family label (``ALL``, ``SCSI``...) under which ``patterns`` select ``name``, or None.

    The label is the first part of the first name that matched: a test selected by ``ALL``
    is reported as ``ALL.Suite``, by ``SCSI.Read10`` as ``SCSI.Read10``.
    """
    for pattern in patterns:
        pat = pattern.lower()
        for full in name.names():
            low = full.lower()
            if fnmatch.fnmatchcase(low, pat) or fnmatch.fnmatchcase(low, pat + ".*"):
                return full.split(".", 1)[0]
    return None


def format_list(names: Iterable[TestName]) -> list[str]:
    """iscsi-test-cu ``--list``: each family, its suites, their tests, in that order."""
    ordered = list(dict.fromkeys(names))
    lines: list[str] = []
    for family in FAMILIES:
        members = [
            n for n in ordered if n.family == family or (family == "ALL" and n.family != "LINUX")
        ]
        if not members:
            continue
        lines.append(family)
        suite = None
        for n in _keep_order(members):
            if n.suite != suite:
                suite = n.suite
                lines.append(f"{family}.{suite}")
            lines.append(f"{family}.{suite}.{n.test}")
    return lines


def _keep_order(names: list[TestName]) -> list[TestName]:
    # group by suite in first-seen order (families differ only in the label)
    order: dict[str, list[TestName]] = {}
    for n in names:
        order.setdefault(n.suite, []).append(n)
    return [n for group in order.values() for n in group]
