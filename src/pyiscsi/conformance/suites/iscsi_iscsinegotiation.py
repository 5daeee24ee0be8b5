"""iSCSI.iSCSINegotiation: the target's answers to each negotiated login key follow the key's
result function (RFC 7143 6.2.2 simple-value negotiations, 13.x each key). pyiscsi's own
suite; it reads the Login Responses with the receive_hook and is skipped without it."""

from collections.abc import Callable

import pytest

from pyiscsi.conformance.hooks import connect_hooked
from pyiscsi.conformance.plugin import TargetOptions
from pyiscsi.protocol import pdu

FAMILY = "iSCSI"
SUITE = "iSCSINegotiation"
pytestmark = pytest.mark.iscsi_only

Check = Callable[[str], bool]

#: key -> (connect option and the value offered, its text, what the answer must satisfy,
#: clause)
KEYS: dict[str, tuple[str, object, str, Check, str]] = {
    "MaxBurstLength": ("max_burst_length", 4096, "4096", lambda a: int(a) <= 4096, "13.13"),
    "FirstBurstLength": ("first_burst_length", 1024, "1024", lambda a: int(a) <= 1024, "13.14"),
    "InitialR2T": ("initial_r2t", True, "Yes", lambda a: a == "Yes", "13.10"),
    "ImmediateData": ("immediate_data", False, "No", lambda a: a == "No", "13.11"),
    "MaxOutstandingR2T": ("max_outstanding_r2t", 1, "1", lambda a: a == "1", "13.17"),
    "DefaultTime2Wait": ("default_time2wait", 5, "5", lambda a: int(a) >= 5, "13.15"),
    "DefaultTime2Retain": ("default_time2retain", 3, "3", lambda a: int(a) <= 3, "13.16"),
    "ErrorRecoveryLevel": ("error_recovery_level", 0, "0", lambda a: a == "0", "13.20"),
    "MaxConnections": ("max_connections", 1, "1", lambda a: a == "1", "13.2"),
    "DataPDUInOrder": ("data_pdu_in_order", True, "Yes", lambda a: a == "Yes", "13.18"),
    "DataSequenceInOrder": ("data_sequence_in_order", True, "Yes", lambda a: a == "Yes", "13.19"),
}


def _answers(target: TargetOptions, option: str, value: object) -> dict[str, str]:
    seen: dict[str, str] = {}

    def on_receive(p: object) -> None:
        if isinstance(p, pdu.LoginResponse):
            for item in bytes(p.data).split(b"\x00"):
                key, sep, val = item.decode("utf-8", "replace").partition("=")
                if sep:
                    seen[key] = val

    options: dict[str, object] = {option: value}
    if option == "max_burst_length":  # FirstBurstLength may not exceed it
        options["first_burst_length"] = value
    connect_hooked(target, receive_hook=on_receive, **options).close()
    return seen


def _key_test(key: str) -> None:
    option, value, text, ok, clause = KEYS[key]

    def test(target: TargetOptions) -> None:
        answers = _answers(target, option, value)
        if key not in answers:
            return  # not answered: the offered value stands (RFC 7143 6.2.2, 6.7)
        if answers[key] in ("Reject", "Irrelevant") or not ok(answers[key]):
            pytest.fail(f"offered {key}={text}, the target answered {key}={answers[key]}",
                        pytrace=False)  # fmt: skip

    test.__doc__ = (
        f"Offered {key}={text}, the target answers a value the key's result function allows "
        f"(RFC 7143 {clause}; 6.2.2)."
    )
    test.__name__ = test.__qualname__ = f"test_{key}"
    globals()[test.__name__] = test


for _key in KEYS:
    _key_test(_key)
