"""Drawing stamps over a page's own content in the fewest bytes, without parsing it.

    q [the page's content, decoded and kept as it is] Q
    q <where> cm /Form Do Q          a stamp that is the same on every page: one Form XObject
    q <where> cm [text ops] Q        what changes per page (the page number): a few bytes

The page's content streams are unpacked and packed again (zlib), never tokenised; a stream
that other pages share is left to them and the page gets its own. The stamps' fonts and
transparency states are added under names of this stamping (`/Gd<token>...`), so a page
stamped before (a hand-over pack of stamped copies) keeps its own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pypdf import PageObject, PdfWriter, Transformation
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    PdfObject,
    StreamObject,
)

__all__ = ["PageDrawing"]

CATEGORIES = ("/Font", "/ExtGState", "/XObject")
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")


def _packed(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream.flate_encode() if len(data) > 64 else stream  # type: ignore[return-value]


def _dictionary(value: PdfObject | None) -> DictionaryObject:
    found = value.get_object() if value is not None else None
    if not isinstance(found, DictionaryObject):
        raise ValueError(f"a dictionary was expected, not {type(found).__name__}")
    return found


def _stream_data(part: PdfObject) -> bytes:
    stream = part.get_object()
    if not isinstance(stream, StreamObject):
        raise ValueError(f"a content stream was expected, not {type(stream).__name__}")
    return stream.get_data()


def _matrix(where: Transformation) -> bytes:
    return " ".join(f"{v:.4f}".rstrip("0").rstrip(".") for v in where.ctm).encode("ascii")


class PageDrawing:
    """Stamps drawn over the pages of one writer."""

    def __init__(self, writer: PdfWriter, token: str) -> None:
        self.writer = writer
        self.token = token
        self._resources: dict[str, IndirectObject] = {}  # the overlays' own, one per kind
        self._shared: dict[str, IndirectObject] = {}  # our names, for pages without a dict
        self._ours: dict[str, dict[str, PdfObject]] = {c: {} for c in CATEGORIES}
        self._users: Counter[int] = Counter(
            part.idnum for page in writer.pages for part in self._parts(page)
            if isinstance(part, IndirectObject))

    @staticmethod
    def _parts(page: PageObject) -> list[PdfObject]:
        contents = page.get("/Contents")
        if contents is None:
            return []
        inner = contents.get_object()
        return list(inner) if isinstance(inner, ArrayObject) else [contents]

    # -- what is drawn ---------------------------------------------------------------------
    def form(self, overlay: PageObject) -> str:
        """The overlay as a Form XObject of this file; returns the name pages draw it by."""
        given = _dictionary(overlay["/Resources"])
        resources = DictionaryObject({k: v for k, v in given.items() if k != "/ProcSet"})
        key = repr(sorted((str(k), repr(v)) for k, v in resources.items()))
        if key not in self._resources:
            self._resources[key] = self.writer._add_object(resources.clone(self.writer))
        content = overlay.get_contents()
        form = DecodedStreamObject()
        form.set_data(content.get_data() if content is not None else b"")
        box = overlay.mediabox
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(round(float(v), 2)) for v in
                                              (box.left, box.bottom, box.right, box.top)]),
            NameObject("/Resources"): self._resources[key],
        })
        name = f"/Gd{self.token}S{len(self._ours['/XObject'])}"
        self._ours["/XObject"][name] = self.writer._add_object(form.flate_encode())
        return name

    def ops(self, overlay: PageObject) -> bytes:
        """The overlay's drawing operators, to be written into a page's content, with its
        fonts and transparency under names of ours."""
        renames: dict[bytes, bytes] = {}
        given = _dictionary(overlay["/Resources"])
        for category in CATEGORIES[:2]:
            entries = given.get(category)
            for name, value in (_dictionary(entries).items() if entries else ()):
                ours = f"/Gd{self.token}{name[1:]}"
                renames[name[1:].encode()] = ours[1:].encode()
                self._ours[category].setdefault(ours, value.clone(self.writer))
        content = overlay.get_contents()
        data = content.get_data() if content is not None else b""
        return _NAME.sub(lambda m: b"/" + renames.get(m.group(1), m.group(1)), data)

    # -- the pages -------------------------------------------------------------------------
    def draw(self, page: PageObject, items: Iterable[tuple[str | bytes, Transformation]]
             ) -> None:
        """Draw `items` over the page: a form's name, or operators from `ops`, each where
        its transformation puts it."""
        lines = []
        for what, where in items:
            body = f"{what} Do".encode("ascii") if isinstance(what, str) else what.strip()
            lines.append(b"q " + _matrix(where) + b" cm\n" + body + b"\nQ")
        self._name_ours(page)
        self._append(page, b"\n".join(lines) + b"\n")

    def _name_ours(self, page: PageObject) -> None:
        """Every name of ours in the page's resources: added to its own dictionaries, or a
        shared one of ours where it has none."""
        if "/Resources" not in page:
            page[NameObject("/Resources")] = DictionaryObject()
        resources = _dictionary(page["/Resources"])
        for category, entries in self._ours.items():
            if not entries:
                continue
            present = resources.get(category)
            if present is None:
                if category not in self._shared:
                    self._shared[category] = self.writer._add_object(DictionaryObject())
                present = resources[NameObject(category)] = self._shared[category]
            target = _dictionary(present)
            for name, value in entries.items():
                if name not in target:
                    target[NameObject(name)] = value

    def _append(self, page: PageObject, ops: bytes) -> None:
        parts = self._parts(page)
        if not parts:
            page[NameObject("/Contents")] = self.writer._add_object(_packed(ops))
            return
        data = b"\n".join(_stream_data(part) for part in parts)
        stream = _packed(b"q\n" + data + b"\nQ\n" + ops)
        own = [p for p in parts if isinstance(p, IndirectObject) and self._users[p.idnum] == 1]
        if len(own) == len(parts):  # this page's alone: packed again in place
            first = parts[0]
            assert isinstance(first, IndirectObject)
            self.writer._replace_object(first, stream)
            for rest in parts[1:]:
                assert isinstance(rest, IndirectObject)
                self.writer._replace_object(rest, NullObject())
            page[NameObject("/Contents")] = first
        else:  # shared with other pages: they keep it, this page gets its own
            page[NameObject("/Contents")] = self.writer._add_object(stream)
