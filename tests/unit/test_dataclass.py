"""pyiscsi._dataclass.dataclass makes the same classes as dataclasses.dataclass, later."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import subprocess
import sys
from dataclasses import field
from typing import ClassVar

import pytest

from pyiscsi import _dataclass
from pyiscsi._dataclass import dataclass, field_names


def _factory() -> list[int]:
    return [1]


# The same classes twice: made by dataclasses at once, and by pyiscsi._dataclass on first use.
@dataclasses.dataclass(slots=True)
class EagerBase:
    """A base with a field and a class variable."""

    kind: ClassVar[str] = "base"
    a: int
    b: str = "b"


@dataclass(slots=True)
class LazyBase:
    """A base with a field and a class variable."""

    kind: ClassVar[str] = "base"
    a: int
    b: str = "b"


@dataclasses.dataclass(slots=True)
class Eager(EagerBase):
    """A subclass: a list by factory, a field outside __init__, a __post_init__."""

    c: list[int] = field(default_factory=_factory)
    d: int = field(default=7, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.d += self.a


@dataclass(slots=True)
class Lazy(LazyBase):
    """A subclass: a list by factory, a field outside __init__, a __post_init__."""

    c: list[int] = field(default_factory=_factory)
    d: int = field(default=7, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.d += self.a


@dataclass(slots=True, eq=False)
class LazyNoEq:
    """eq=False: hashable by identity."""

    a: int = 0


@dataclass(frozen=True, slots=True)
class LazyFrozen:
    """Frozen: made at once."""

    a: int = 0


def _state(obj: object) -> tuple[object, ...]:
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))  # type: ignore[arg-type]


def _pending(cls: type) -> bool:
    return _dataclass._pending(cls) is not None


def test_nothing_is_made_until_used() -> None:
    @dataclass(slots=True)
    class Fresh:
        """Unused so far."""

        a: int = 1

    assert _pending(Fresh)
    assert "__init__" in Fresh.__dict__ and not inspect.isfunction(Fresh.__dict__["__init__"])
    assert field_names(Fresh) == ["a"] and _pending(Fresh)
    Fresh()  # makes __init__ (and the fields), not the repr or the comparisons
    assert inspect.isfunction(Fresh.__dict__["__init__"])
    assert not inspect.isfunction(Fresh.__dict__["__repr__"])
    assert repr(Fresh()) == "test_nothing_is_made_until_used.<locals>.Fresh(a=1)"
    assert not _pending(Fresh)


def test_same_behaviour_as_dataclasses() -> None:
    eager, lazy = Eager(3), Lazy(3)
    assert _state(eager) == _state(lazy) == (3, "b", [1], 10)
    assert repr(eager).replace("Eager", "X") == repr(lazy).replace("Lazy", "X")
    assert Lazy(3) == lazy and Lazy(4) != lazy and Lazy(3, "x") != lazy
    assert (lazy == 3) is False
    assert Lazy.__hash__ is None and LazyBase.__hash__ is None
    assert Lazy.__slots__ == Eager.__slots__ == ("c", "d")
    assert Lazy.__match_args__ == Eager.__match_args__ == ("a", "b", "c")
    assert Lazy.kind == "base" and not hasattr(lazy, "__dict__")
    with pytest.raises(AttributeError):
        lazy.e = 1  # type: ignore[attr-defined]
    assert [f.name for f in dataclasses.fields(Lazy)] == ["a", "b", "c", "d"]
    assert dataclasses.asdict(lazy) == dataclasses.asdict(eager)
    assert dataclasses.replace(lazy, a=5).d == 12
    assert pickle.loads(pickle.dumps(lazy)) == lazy and copy.deepcopy(lazy) == lazy
    assert str(inspect.signature(Lazy)) == str(inspect.signature(Eager))
    params = Lazy.__dataclass_params__, Eager.__dataclass_params__  # type: ignore[attr-defined]
    assert repr(params[0]) == repr(params[1])
    assert dataclasses.is_dataclass(Lazy) and dataclasses.is_dataclass(lazy)
    match lazy:
        case Lazy(a, b, c):
            assert (a, b, c) == (3, "b", [1])
    with pytest.raises(TypeError):
        Lazy()  # type: ignore[call-arg]


def test_options() -> None:
    one = LazyNoEq()
    assert one != LazyNoEq() and hash(one) == object.__hash__(one)
    assert "__eq__" not in LazyNoEq.__dict__
    frozen = LazyFrozen(1)
    assert not _pending(LazyFrozen) and hash(frozen) == hash(LazyFrozen(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen.a = 2  # type: ignore[misc]


def test_a_dataclasses_subclass_of_a_deferred_class() -> None:
    @dataclass(slots=True)
    class Base:
        """Deferred."""

        a: int = 0

    @dataclasses.dataclass(slots=True)
    class Sub(Base):
        """Made by dataclasses, which makes its base first."""

        b: int = 1

    assert Sub(2, 3) == Sub(2, 3) and repr(Sub()).endswith("Sub(a=0, b=1)")
    assert Sub.__slots__ == ("b",)


_MAKE_ALL = """
import importlib, pkgutil
import pyiscsi
from pyiscsi import _dataclass
names = [pyiscsi.__name__]
for info in pkgutil.walk_packages(pyiscsi.__path__, "pyiscsi."):
    if not info.name.startswith("pyiscsi.conformance"):  # pytest plugins, plain dataclasses
        names.append(info.name)
made = 0
for name in names:
    try:
        module = importlib.import_module(name)
    except ImportError:  # an optional dependency (pyscsi)
        continue
    for cls in list(vars(module).values()):
        if isinstance(cls, type) and cls.__module__ == name and _dataclass._pending(cls):
            _dataclass.make(cls)
            assert not _dataclass._pending(cls), cls
            fields = _dataclass.field_names(cls)
            slots = tuple(n for n in fields if n not in _dataclass._slot_names(cls))
            assert cls.__slots__ == slots, cls
            made += 1
print(made)
"""


def test_every_deferred_class_of_pyiscsi_makes() -> None:
    # a field list that dataclasses sees otherwise than the slots made at import, or a
    # default before a field without one, fails here rather than at a user's first call (in a
    # fresh interpreter: here other tests have made most classes already)
    done = subprocess.run(
        [sys.executable, "-c", _MAKE_ALL], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 150
