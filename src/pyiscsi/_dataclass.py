"""``dataclass`` that writes a class's generated methods when they are first used.

:func:`dataclasses.dataclass` compiles ``__init__``, ``__repr__`` and ``__eq__`` from source for
every class (about 0.3 ms a class): most of what importing pyiscsi cost, spent on classes a
program mostly never uses. This ``dataclass`` makes the slotted class at once (the class
dataclasses makes: same name, bases, body and ``__slots__``) with a stand-in for each method
dataclasses would add. The first use of a stand-in runs :func:`dataclasses.dataclass` on a copy
of the original class body and moves what it made onto the class: constructing an instance (or
:func:`dataclasses.fields`) makes ``__init__`` and the fields alone; anything else (a repr, a
comparison, ``__dataclass_params__``) makes everything.

Type checkers see :func:`dataclasses.dataclass` itself. Only ``slots=True`` classes that are not
frozen are deferred (a frozen class's ``__setattr__`` must hold from the start); any other class
goes to :func:`dataclasses.dataclass` at once. A class without a docstring gets dataclasses' one
(its signature) only when it is made.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import threading
from typing import TYPE_CHECKING, Any, ClassVar, get_origin

__all__ = ["dataclass", "field_names", "make"]

# What dataclasses may add to a class: each is a stand-in until the class is made.
_GENERATED = (
    "__init__",
    "__repr__",
    "__eq__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__match_args__",
    "__dataclass_fields__",
    "__dataclass_params__",
    *(("__replace__",) if sys.version_info >= (3, 13) else ()),
)
# What constructing an instance and dataclasses.fields() need: made first, on their own.
_FIRST = ("__init__", "__match_args__", "__dataclass_fields__", "__dataclass_params__")
_PSEUDO_FIELDS = ("ClassVar", "InitVar", "KW_ONLY")
_lock = threading.RLock()


class _Pending:
    """A class whose dataclass methods are not all made yet: its original body and options."""

    __slots__ = ("body", "cls", "fields", "options", "started")

    def __init__(self, body: dict[str, Any], fields: list[str], options: dict[str, Any]) -> None:
        self.body: dict[str, Any] | None = body
        self.fields = fields
        self.options = options
        self.cls: type | None = None
        self.started = False

    def make(self, name: str) -> type:
        """Make what ``name`` needs: ``__init__`` (and the fields) alone when that is what is
        asked for, else everything. Each step runs dataclasses on a copy of the original body
        and moves what it made onto the class."""
        with _lock:
            cls, body = self.cls, self.body
            assert cls is not None
            everything = name not in _FIRST
            if body is None or (self.started and not everything):
                return cls
            options = self.options
            if not everything:  # a repr, comparisons and the order are made when first used
                options = {**options, "repr": False, "eq": False, "order": False}
            copy: type = type(cls)(cls.__name__, cls.__bases__, body)
            copy = dataclasses.dataclass(copy, **options)
            made = [f.name for f in dataclasses.fields(copy)]
            if made != self.fields or copy.__dict__["__slots__"] != cls.__dict__["__slots__"]:
                raise TypeError(f"{cls.__qualname__}: dataclasses made {made}, not {self.fields}")
            for attr in (*(_GENERATED if everything else _FIRST), "__hash__", "__doc__"):
                value = copy.__dict__.get(attr, body)  # body: a marker for "not there"
                if value is not body and (attr not in body or body[attr] is not value):
                    setattr(cls, attr, value)
            if not everything:  # the copy's tell of repr, eq and order is not the class's
                cls.__dataclass_params__ = _params(self.options)  # type: ignore[attr-defined]
            for attr in _GENERATED if everything else _FIRST:
                if isinstance(cls.__dict__.get(attr), _StandIn):
                    delattr(cls, attr)  # dataclasses made none (__match_args__=False, ...)
            self.started = True
            if everything:
                self.body = None
            return cls


class _StandIn:
    """In place of a generated method: makes it on first read, then reads again."""

    __slots__ = ("name", "pending")

    def __init__(self, pending: _Pending, name: str) -> None:
        self.pending, self.name = pending, name

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        cls = self.pending.make(self.name)
        return getattr(cls if obj is None else obj, self.name)


_params_made: dict[tuple[tuple[str, Any], ...], object] = {}


def _params(options: dict[str, Any]) -> object:
    """The ``__dataclass_params__`` of a class made with ``options`` (one for all such classes:
    dataclasses only reads it)."""
    key = tuple(sorted(options.items()))
    params = _params_made.get(key)
    if params is None:
        empty: Any = dataclasses.dataclass(type("_Params", (), {}), **options)
        params = _params_made[key] = empty.__dataclass_params__
    return params


def _pending(cls: type) -> _Pending | None:
    for name in _GENERATED:
        stand_in = cls.__dict__.get(name)
        if isinstance(stand_in, _StandIn):
            return stand_in.pending
    return None


def field_names(cls: type) -> list[str]:
    """The names of a dataclass's fields, in order, without making the class."""
    pending = _pending(cls)
    if pending is not None:
        return list(pending.fields)
    return [f.name for f in dataclasses.fields(cls)]


def make(cls: type) -> type:
    """Make all of ``cls``'s dataclass methods now (nothing to do if they are); returns it."""
    pending = _pending(cls)
    return cls if pending is None else pending.make("__repr__")


def _is_field(annotation: object) -> bool:
    """False for the annotations that make no field: ClassVar, InitVar, KW_ONLY."""
    if isinstance(annotation, str):
        return annotation.split("[", 1)[0].strip().rsplit(".", 1)[-1] not in _PSEUDO_FIELDS
    return not (
        annotation is ClassVar
        or get_origin(annotation) is ClassVar
        or annotation is dataclasses.KW_ONLY
        or isinstance(annotation, dataclasses.InitVar)
    )


def _slot_names(cls: type) -> set[str]:
    names: set[str] = set()
    for base in cls.__mro__[1:-1]:
        slots = base.__dict__.get("__slots__", ())
        names.update([slots] if isinstance(slots, str) else slots)
    return names


def _defer(cls: type, options: dict[str, Any]) -> type:
    """The slotted class with stand-ins; dataclasses' work is left for the first use."""
    body = dict(cls.__dict__)
    body.pop("__dict__", None)
    body.pop("__weakref__", None)
    body["__qualname__"] = cls.__qualname__
    fields: list[str] = []
    for base in reversed(cls.__mro__[1:-1]):
        if "__dataclass_fields__" in base.__dict__:
            fields += [n for n in field_names(base) if n not in fields]
    own = [n for n, a in inspect.get_annotations(cls).items() if _is_field(a)]
    fields += [n for n in own if n not in fields]
    inherited = _slot_names(cls)
    slotted = {k: v for k, v in body.items() if k not in fields}
    slotted["__slots__"] = tuple(n for n in fields if n not in inherited)
    pending = _Pending(body, fields, options)
    wanted = {
        "__init__": options.get("init", True),
        "__repr__": options.get("repr", True),
        "__eq__": options.get("eq", True),
        "__match_args__": options.get("match_args", True),
        **dict.fromkeys(("__lt__", "__le__", "__gt__", "__ge__"), options.get("order", False)),
    }
    for name in _GENERATED:
        if wanted.get(name, True) and name not in body:
            slotted[name] = _StandIn(pending, name)
    made = type(cls)(cls.__name__, cls.__bases__, slotted)
    pending.cls = made
    return made


if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
else:

    def dataclass(cls=None, /, **options):
        """:func:`dataclasses.dataclass`, its methods made on first use (see the module)."""

        def decorate(cls):
            eager = ("frozen", "unsafe_hash", "weakref_slot")
            if not options.get("slots") or any(options.get(k) for k in eager):
                return dataclasses.dataclass(cls, **options)
            return _defer(cls, options)

        return decorate if cls is None else decorate(cls)
