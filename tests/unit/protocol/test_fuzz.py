"""A short run of the core fuzzer (scripts/fuzz_core.py; its long run is the script itself)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyiscsi import errors
from pyiscsi.protocol.session import ConnectionFailed, State

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import fuzz_core  # noqa: E402

SCENARIOS = fuzz_core.scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_recorded_scenarios_replay_cleanly(scenario: fuzz_core.Scenario) -> None:
    outcome = fuzz_core.drive(scenario.factory, scenario.steps)
    assert outcome.failed is None and outcome.errors == []
    assert any(isinstance(s, bytes) for s in scenario.steps)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from(SCENARIOS), st.integers(0, 2**64 - 1))
def test_mutated_target_streams_end_in_iscsi_errors(
    scenario: fuzz_core.Scenario, seed: int
) -> None:
    steps = fuzz_core.mutate(random.Random(seed), scenario)
    # what the core sends back stays within twice what it received plus the write data
    fuzz_core.run_one(scenario, steps, output_budget=True)


class _Stub:
    """A core that misbehaves on purpose, to prove the property check can fail."""

    def __init__(self, fault: str) -> None:
        self.fault = fault
        self.state = State.FREE

    def login(self) -> None:
        self.state = State.LOGIN

    def receive_data(self, data: bytes, now: float = 0.0) -> None:
        if self.fault == "raise":
            raise ValueError("escaped")

    def data_to_send(self) -> list[bytes]:
        return [bytes(fuzz_core.OUTPUT_LIMIT + 1)] if self.fault == "storm" else []

    def events(self) -> list[object]:
        if self.fault == "wrapped":
            return [ConnectionFailed(errors.ProtocolError("malformed PDU from the target: x"))]
        if self.fault == "foreign":
            return [ConnectionFailed(ValueError("x"))]  # type: ignore[arg-type]
        return []


@pytest.mark.parametrize(
    ("fault", "exception", "match"),
    [
        ("raise", ValueError, "escaped"),
        ("wrapped", fuzz_core.PropertyViolation, "foreign exception wrapped"),
        ("foreign", fuzz_core.PropertyViolation, "ValueError"),
        ("storm", fuzz_core.PropertyViolation, "bytes back for"),
    ],
)
def test_drive_reports_a_broken_property(
    fault: str, exception: type[Exception], match: str
) -> None:
    steps = [fuzz_core.Call("login"), b"\0" * 48]
    with pytest.raises(exception, match=match):
        fuzz_core.drive(lambda: _Stub(fault), steps)  # type: ignore[arg-type,return-value]


def test_inputs_depend_only_on_seed_and_index() -> None:
    first = list(fuzz_core.inputs(7, 5, SCENARIOS))
    again = list(fuzz_core.inputs(7, 5, SCENARIOS))
    assert [(i, s.name, steps) for i, s, steps in first] == [
        (i, s.name, steps) for i, s, steps in again
    ]
    assert len({repr(steps) for _, _, steps in first}) > 1
