"""The CDB base class and the layout compiler behind every builder.

A builder is a ``@dataclass(slots=True)`` whose fields are the CDB's fields, decorated with
:func:`cdb_layout`, which reads a short layout string (checked at import) and compiles
``encode`` (one precompiled :class:`struct.Struct` ``pack`` call; the bit fields get one
combined range test, ``pack`` itself checks the whole-byte fields), ``decode``, and
``_check`` (the slow path that names the field which does not fit). The compiling happens
when a class is first used, not at import. Nothing is looked up by name on the I/O path.

Layout string: whitespace-separated items, each ``[name]@BYTE[.BIT][:WIDTH][~][=VALUE]``:

* ``lba@2:8``: bytes 2..9, big-endian (``:N`` after a bare byte counts bytes);
* ``dpo@1.4``: one bit, byte 1 bit 4;
* ``rdprotect@1.7:3``: a bit field whose most significant bit is byte 1 bit 7, 3 bits wide
  (it may run on into the following bytes, e.g. READ(6)'s LBA ``@1.4:21``);
* ``~`` marks a two's complement field; ``=VALUE`` without a name is a constant the CDB
  must carry (service action, ADDITIONAL CDB LENGTH). The OPERATION CODE is implied.

Reserved bits are written as zero and ignored by ``decode``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, ClassVar, Literal, NamedTuple, Self, TypeVar

from pyiscsi._dataclass import dataclass, field_names

__all__ = ["CDB", "DataDirection", "FieldInfo", "cdb_layout"]

DataDirection = Literal["none", "in", "out"]


class FieldInfo(NamedTuple):
    """One settable CDB field: its name, where it sits and what it may hold."""

    name: str
    start_bit: int  # bit position counted from the MSB of byte 0
    width: int  # in bits
    signed: bool
    is_bool: bool

    @property
    def minimum(self) -> int:
        """Smallest value the field holds."""
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def maximum(self) -> int:
        """Largest value the field holds."""
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def size_text(self) -> str:
        """The field's size in the standard's terms ("4 bytes", "3 bits")."""
        if self.width % 8 == 0 and self.start_bit % 8 == 0 and self.width > 8:
            text = f"{self.width // 8} bytes"
        else:
            text = f"{self.width} bit" + ("s" if self.width != 1 else "")
        return text + (" (signed)" if self.signed else "")


@dataclass(slots=True)
class CDB:
    """Base of every CDB builder.

    Subclasses are ``@dataclass(slots=True)`` classes whose fields are range-checked on
    construction and again by :meth:`encode` (fields may be changed in between).
    """

    opcode: ClassVar[int]
    #: the service action a subclass stands for, if its opcode carries several
    fixed_service_action: ClassVar[int | None] = None
    #: the command's name as the standard spells it, e.g. "READ(10)"
    command_name: ClassVar[str] = "CDB"
    #: the CDB's length in bytes
    cdb_length: ClassVar[int] = 0
    #: direction of the data phase, if there is one
    direction: ClassVar[DataDirection] = "none"
    #: name of the field that gives the data length, and whether it counts logical blocks
    transfer_field: ClassVar[str | None] = None
    transfer_in_blocks: ClassVar[bool] = False
    #: the settable fields, in layout order
    field_info: ClassVar[tuple[FieldInfo, ...]] = ()

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        """Raise ValueError naming the first field that does not fit."""
        raise NotImplementedError

    def encode(self) -> bytes:
        """The CDB's bytes."""
        raise NotImplementedError

    @classmethod
    def decode(cls, cdb: bytes | bytearray | memoryview) -> Self:
        """Parse ``cdb``; ValueError if its length, opcode or service action is not this one's."""
        raise NotImplementedError

    def __bytes__(self) -> bytes:
        return self.encode()

    @property
    def data_direction(self) -> DataDirection:
        """'in' (target to initiator), 'out' or 'none'; no data moves if the length is 0."""
        return self.direction

    def transfer_length_bytes(self, block_size: int = 512) -> int:
        """Expected data transfer length in bytes (logical blocks count ``block_size`` each)."""
        name = self.transfer_field
        if name is None:
            return 0
        n: int = getattr(self, name)
        return n * block_size if self.transfer_in_blocks else n


def _range_error(info: FieldInfo, value: object) -> ValueError:
    """The ValueError for a field value that does not fit."""
    return ValueError(f"{info.name}: {value!r} does not fit in {info.size_text}")


class _Bad(Exception):
    """A field failed the fast range check (encode then names it)."""


def _type_error(info: FieldInfo, value: object) -> TypeError:
    return TypeError(f"{info.name}: expected an integer, not {type(value).__name__}")


def _mismatch(cls: type[CDB], cdb: bytes | bytearray | memoryview) -> ValueError:
    sa = cls.fixed_service_action
    want = f"operation code 0x{cls.opcode:02x}" + (
        "" if sa is None else f", service action 0x{sa:02x}"
    )
    return ValueError(f"not a {cls.command_name} CDB (needs {want}): {bytes(cdb).hex()}")


class _Item(NamedTuple):
    name: str | None
    start: int
    width: int
    signed: bool
    value: int


def _parse(spec: str, size: int) -> list[_Item]:
    items: list[_Item] = []
    for token in spec.split():
        name, _, rest = token.partition("@")
        value = 0
        if "=" in rest:
            rest, _, v = rest.partition("=")
            value = int(v, 0)
        signed = rest.endswith("~")
        rest = rest.rstrip("~")
        where, _, w = rest.partition(":")
        if "." in where:
            byte_s, _, bit_s = where.partition(".")
            byte, bit = int(byte_s), int(bit_s)
            width = int(w) if w else 1
            if not 0 <= bit <= 7:
                raise AssertionError(f"layout item {token}: no bit {bit} in a byte")
        else:
            byte, bit = int(where), 7
            width = 8 * (int(w) if w else 1)
        start = byte * 8 + (7 - bit)
        if start + width > size * 8:
            raise AssertionError(f"layout item {token} runs past byte {size - 1}")
        items.append(_Item(name or None, start, width, signed, value))
    return items


_C = TypeVar("_C", bound=CDB)


def cdb_layout(size: int, spec: str) -> Callable[[type[_C]], type[_C]]:
    """Compile ``spec`` (see the module docstring) into encode/decode/_check for a dataclass."""

    def apply(cls: type[_C]) -> type[_C]:
        _checked_items(cls, size, spec)  # a wrong layout fails at import, as it should
        cls.cdb_length = size
        _defer(cls, size, spec)
        return cls

    return apply


class _CompiledOnUse:
    """A class attribute that compiles its class's layout when first read (from the class or
    an instance), then is replaced by what the compiler made: importing the builders costs
    nothing until one is used."""

    def __init__(self, owner: type[CDB], size: int, spec: str, name: str) -> None:
        self.owner, self.size, self.spec, self.name = owner, size, spec, name

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        owner = self.owner
        if isinstance(owner.__dict__.get(self.name), _CompiledOnUse):
            _compile(owner, self.size, self.spec)
        return getattr(owner if obj is None else obj, self.name)


def _defer(cls: type[CDB], size: int, spec: str) -> None:
    for name in ("_check", "__post_init__", "encode", "decode", "field_info"):
        setattr(cls, name, _CompiledOnUse(cls, size, spec, name))


def _checked_items(cls: type[CDB], size: int, spec: str) -> tuple[list[_Item], list[bool]]:
    """The layout's items and the bits they use; AssertionError for a layout that cannot be."""
    items = [_Item(None, 0, 8, False, int(cls.opcode)), *_parse(spec, size)]
    used = [False] * (size * 8)
    for it in items:
        for b in range(it.start, it.start + it.width):
            if used[b]:
                raise AssertionError(f"{cls.__name__}: layout overlaps at bit {b}")
            used[b] = True
    names = field_names(cls)
    declared = [it.name for it in items if it.name]
    if sorted(names) != sorted(declared):
        raise AssertionError(f"{cls.__name__}: fields {names} vs layout {declared}")
    return items, used


def _compile(cls: type[CDB], size: int, spec: str) -> None:
    items, used = _checked_items(cls, size, spec)
    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(getattr(klass, "__annotations__", {}))
    infos = tuple(
        FieldInfo(it.name, it.start, it.width, it.signed, annotations[it.name] in ("bool", bool))
        for it in items
        if it.name
    )
    info_by_name = {i.name: i for i in infos}

    # Chunks: byte-aligned 2/4/8-byte fields get H/I/Q, every other byte with content gets B.
    fmt = ">"
    chunks: list[tuple[int, int, _Item | None]] = []  # (first byte, n bytes, whole-chunk item)
    byte = 0
    whole = {it.start // 8: it for it in items if it.start % 8 == 0 and it.width in (16, 32, 64)}
    while byte < size:
        big = whole.get(byte)
        if big is not None:
            n = big.width // 8
            fmt += {2: "H", 4: "I", 8: "Q"}[n]
            chunks.append((byte, n, big))
            byte += n
            continue
        if any(used[byte * 8 : byte * 8 + 8]):
            fmt += "B"
            chunks.append((byte, 1, None))
        else:
            fmt += "x"
        byte += 1

    def var(it: _Item) -> str:
        if it.name is None:
            return str(it.value)
        return f"u_{it.name}" if it.signed else f"f_{it.name}"

    # encode expressions, one per chunk
    pack_args: list[str] = []
    # decode: per field, a list of terms; per constant check, (expr, mask, value)
    dec_terms: dict[str, list[str]] = {it.name: [] for it in items if it.name}
    const_checks: list[tuple[str, int, int]] = []
    for ci, (first, _n, whole_item) in enumerate(chunks):
        cvar = f"c{ci}"
        if whole_item is not None:
            pack_args.append(var(whole_item))
            if whole_item.name is None:
                const_checks.append((cvar, (1 << whole_item.width) - 1, whole_item.value))
            else:
                dec_terms[whole_item.name].append(cvar)
            continue
        lo, hi = first * 8, first * 8 + 8
        terms: list[str] = []
        const_val = 0
        const_mask = 0
        for it2 in items:
            a, b = max(it2.start, lo), min(it2.start + it2.width, hi)
            if a >= b:
                continue
            right = it2.start + it2.width - b  # value bits below this byte's part
            nbits = b - a
            left = hi - b  # position of the part inside the byte
            mask = (1 << nbits) - 1
            if it2.name is None:
                const_val |= ((it2.value >> right) & mask) << left
                const_mask |= mask << left
                continue
            e = var(it2)
            if right:
                e = f"({e} >> {right})"
            if right or it2.start < lo or it2.signed:
                e = f"({e} & {mask})"
            if left:
                e = f"({e} << {left})"
            terms.append(e)
            d = f"{cvar}"
            if left:
                d = f"({d} >> {left})"
            if nbits < 8 or left:
                d = f"({d} & {mask})"
            if right:
                d = f"({d} << {right})"
            dec_terms[it2.name].append(d)
        if const_val or not terms:
            terms.insert(0, str(const_val))
        if const_mask:
            const_checks.append((cvar, const_mask, const_val))
        pack_args.append(" | ".join(terms))

    st = struct.Struct(fmt)
    assert st.size == size, (cls.__name__, fmt)
    ns: dict[str, Any] = {
        "_S": st,
        "_err": _range_error,
        "_type_err": _type_error,
        "_Bad": _Bad,
        "_StructError": struct.error,
        "_mismatch": _mismatch,
        "_I": info_by_name,
    }

    # _check: slow, one field at a time, names the culprit. The fast paths (__post_init__,
    # encode) test all fields of one size in one comparison: 0 <= (a | b | c) <= 2**k - 1
    # holds exactly when each of a, b, c does, and fall back to _check to raise.
    slow: list[str] = []
    loads: list[str] = []

    def fast_condition(subset: list[FieldInfo]) -> str:
        groups: dict[int, list[str]] = {}
        terms: list[str] = []
        for info in subset:
            if info.signed:
                terms.append(f"{info.minimum} <= (f_{info.name} | 0) <= {info.maximum}")
            else:
                groups.setdefault(info.maximum, []).append(f"f_{info.name}")
        for m, vs in groups.items():
            terms.append(f"0 <= ({' | '.join([*vs, '0'] if len(vs) == 1 else vs)}) <= {m}")
        return " and ".join(terms) or "True"

    for info in infos:
        f = f"f_{info.name}"
        slow.append(f"    {f} = self.{info.name}")
        slow.append(f"    if not isinstance({f}, int):")
        slow.append(f"        raise _type_err(_I[{info.name!r}], {f})")
        slow.append(f"    if not {info.minimum} <= {f} <= {info.maximum}:")
        slow.append(f"        raise _err(_I[{info.name!r}], {f})")
        loads.append(f"    {f} = self.{info.name}\n")
    # struct.pack range-checks the fields that fill a whole B/H/I/Q item by themselves
    packed_alone = [
        i for i in infos if not i.signed and i.start_bit % 8 == 0 and i.width in (8, 16, 32, 64)
    ]
    needs_check = [i for i in infos if i not in packed_alone]
    signed_lines = "".join(
        f"    u_{i.name} = f_{i.name} & {(1 << i.width) - 1}\n" for i in infos if i.signed
    )
    check_src = "def _check(self):\n" + "\n".join(slow or ["    pass"]) + "\n"
    post_src = (
        "def __post_init__(self):\n"
        + "".join(loads)
        + "    try:\n"
        + f"        ok = {fast_condition(list(infos))}\n"
        + "    except TypeError:\n"
        + "        ok = False\n"
        + "    if not ok:\n"
        + "        self._check()\n"
    )
    enc_src = (
        "def encode(self):\n"
        + "".join(loads)
        + "    try:\n"
        + f"        if not ({fast_condition(needs_check)}):\n"
        + "            raise _Bad\n"
        + signed_lines.replace("    ", "        ", 1).replace("\n    u_", "\n        u_")
        + f"        return _S.pack({', '.join(pack_args)})\n"
        + "    except (_Bad, _StructError, TypeError):\n"
        + "        self._check()\n"
        + "        raise\n"
    )
    cvars = ", ".join(f"c{i}" for i in range(len(chunks)))
    dec = [
        "def decode(cls, cdb):",
        f"    if len(cdb) != {size}:",
        "        raise ValueError(",
        f"            f'{cls.command_name}: the CDB must be {size} bytes, not {{len(cdb)}}')",
        f"    {cvars}{',' if len(chunks) == 1 else ''} = _S.unpack(cdb)",
    ]
    cond = " or ".join(f"({c} & {m}) != {v}" for c, m, v in const_checks)
    dec += [f"    if {cond}:", "        raise _mismatch(cls, cdb)"]
    args = []
    for info in infos:
        e = " | ".join(dec_terms[info.name])
        if info.is_bool:
            e = f"({e}) != 0"
        elif info.signed:
            v = f"v_{info.name}"
            dec.append(f"    {v} = {e}")
            dec.append(f"    if {v} >= {1 << (info.width - 1)}: {v} -= {1 << info.width}")
            e = v
        args.append(f"{info.name}={e}")
    dec.append(f"    return cls({', '.join(args)})")
    src = check_src + post_src + enc_src + "\n".join(dec) + "\n"
    exec(compile(src, f"<cdb layout {cls.__name__}>", "exec"), ns)
    cls._check = ns["_check"]  # type: ignore[method-assign]
    cls.__post_init__ = ns["__post_init__"]  # type: ignore[method-assign]
    cls.encode = ns["encode"]  # type: ignore[method-assign]
    cls.decode = classmethod(ns["decode"])  # type: ignore[method-assign,assignment]
    cls.field_info = infos
    cls.cdb_length = size
