"""Reading feed files: delimited text (TSV, CSV ...) and RSS/Atom XML, both as (line, fields)
rows keyed by Google Merchant Center's standard attribute names."""

from __future__ import annotations

import csv
import re
import xml.parsers.expat
from collections.abc import Iterator, Sequence
from pathlib import Path

from catalog_adapter.errors import FeedError
from catalog_adapter.feeds.report import Collector

# Enough to read a pathological 5 MB description and report it, instead of a csv.Error.
csv.field_size_limit(64 * 1024 * 1024)

# Alternative header spellings seen in real feeds -> the standard attribute name.
ALIASES = {
    "itemid": "id",
    "item_id": "id",
    "offer_id": "id",
    "sku": "id",
    "storecode": "store_code",
    "store_id": "store_code",
    "product_id_": "product_id",
    "productid": "product_id",
    "colour": "color",
    "summary": "description",
    "content": "description",
    "store_name": "name",
    "neighbourhood": "neighborhood",
    "date": "episode",
    "show": "media",
    "source": "source_link",
    "url": "source_link",
    "kind": "match",
}


def norm_header(name: str) -> str:
    name = name.strip().lstrip("\ufeff").strip().lower()
    if name.startswith("g:"):
        name = name[2:]
    name = re.sub(r"[\s\-]+", "_", name)
    return ALIASES.get(name, name)


def count_lines(path: Path) -> int | None:
    """A cheap row estimate for the progress bar; quoted newlines make it a little high."""
    try:
        with path.open("rb") as f:
            return max(sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")), 1)
    except OSError:
        return None


def is_xml(path: Path) -> bool:
    if path.suffix.lower() in (".xml", ".rss", ".atom"):
        return True
    try:
        with path.open("rb") as f:
            head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as e:
        raise FeedError(f"cannot read {path}: {e}") from e
    return head.startswith(b"<")


def _bad_utf8(values: Sequence[str]) -> bool:
    for value in values:
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


class Table:
    """Rows of a feed file as dicts keyed by standard attribute names, with line numbers."""

    def __init__(self, path: Path, *, required: Sequence[str], errors: Collector) -> None:
        self.path = path
        self.name = str(path)
        self.required = required
        self.errors = errors
        self.columns: tuple[str, ...] = ()

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        if is_xml(self.path):
            yield from self._xml_rows()
        else:
            yield from self._delimited_rows()

    def _check_columns(self, present: Sequence[str], *, hint: str = "") -> None:
        missing = [c for c in self.required if c not in present]
        if missing:
            raise FeedError(
                f"{self.name}:1: missing required column(s) {', '.join(missing)}; "
                f"found: {', '.join(present) or 'none'}{hint}"
            )

    def _delimited_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            f = self.path.open(encoding="utf-8", errors="surrogateescape", newline="")
        except OSError as e:
            raise FeedError(f"cannot read {self.name}: {e}") from e
        with f:
            header_line = f.readline()
            if not header_line.strip():
                raise FeedError(f"{self.name}: the file is empty; expected a header row")
            counts = {d: header_line.count(d) for d in ("\t", ",", ";", "|")}
            delimiter = max(counts, key=lambda d: counts[d])
            header = next(csv.reader([header_line], delimiter=delimiter))
            columns = [norm_header(h) for h in header]
            if _bad_utf8(columns):
                raise FeedError(f"{self.name}:1: the header row is not valid UTF-8")
            self.columns = tuple(columns)
            hint = ""
            if len(columns) == 1:
                hint = " (one column only: use tab- or comma-separated values)"
            self._check_columns(columns, hint=hint)
            width = len(columns)
            reader = csv.reader(f, delimiter=delimiter)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:
                    self.errors.reject(self.name, reader.line_num + 1, f"unreadable row: {e}")
                    continue
                line = reader.line_num + 1
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    if len(row) == 1 and width > 1:
                        self.errors.reject(
                            self.name,
                            line,
                            f"row has 1 field but the header has {width}: wrong delimiter? "
                            f"(the header is {_delimiter_name(delimiter)}-separated)",
                        )
                        continue
                    if len(row) > width and any(v.strip() for v in row[width:]):
                        self.errors.reject(
                            self.name,
                            line,
                            f"row has {len(row)} fields but the header has {width} "
                            "(an unquoted delimiter inside a value?)",
                        )
                        continue
                if _bad_utf8(row):
                    self.errors.reject(self.name, line, "row is not valid UTF-8 text")
                    continue
                yield line, dict(zip(columns, row, strict=False))

    def _xml_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        items = XmlItems()
        parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        items.attach(parser)
        seen_columns: set[str] = set()
        checked = False
        try:
            f = self.path.open("rb")
        except OSError as e:
            raise FeedError(f"cannot read {self.name}: {e}") from e
        with f:
            while True:
                chunk = f.read(1 << 20)
                try:
                    parser.Parse(chunk, not chunk)
                except xml.parsers.expat.ExpatError as e:
                    yield from self._drain(items, seen_columns)
                    if items.count == 0:
                        raise FeedError(f"{self.name}:{e.lineno}: broken XML: {e}") from e
                    self.errors.reject(
                        self.name,
                        e.lineno,
                        f"broken XML: {xml.parsers.expat.errors.messages.get(e.code, e)}; "
                        "items after this point were not read",
                    )
                    return
                if items.ready and not checked:
                    seen_columns.update(items.ready[0][1])
                    self._check_columns(sorted(seen_columns))
                    checked = True
                yield from self._drain(items, seen_columns)
                if not chunk:
                    break
        if items.count == 0:
            raise FeedError(f"{self.name}: no <item> or <entry> elements found")

    def _drain(self, items: XmlItems, seen: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
        ready, items.ready = items.ready, []
        for line, values in ready:
            seen.update(values)
            yield line, values
        self.columns = tuple(sorted(seen))


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[delimiter]


class XmlItems:
    """Streams RSS <item> / Atom <entry> elements as flat dicts (g:shipping children joined)."""

    def __init__(self) -> None:
        self.ready: list[tuple[int, dict[str, str]]] = []
        self.count = 0
        self._parser: xml.parsers.expat.XMLParserType | None = None
        self._depth = 0
        self._item_depth = -1
        self._current: dict[str, str] | None = None
        self._line = 0
        self._field: str | None = None
        self._text: list[str] = []

    def attach(self, parser: xml.parsers.expat.XMLParserType) -> None:
        self._parser = parser
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        parser.buffer_text = True

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if self._current is None:
            if local in ("item", "entry"):
                self._current = {}
                self._item_depth = self._depth
                assert self._parser is not None
                self._line = self._parser.CurrentLineNumber
        elif self._depth == self._item_depth + 1:
            self._field = norm_header(local)
            self._text = []
            if local == "link" and "href" in attrs:
                self._text.append(attrs["href"])
        elif self._text and not self._text[-1].endswith(":"):
            # Sub-elements (g:shipping > g:country, g:price) become "US:...:4.99 USD".
            self._text.append(":")
        self._depth += 1

    def _end(self, name: str) -> None:
        self._depth -= 1
        if self._current is None:
            return
        if self._depth == self._item_depth:
            self.ready.append((self._line, self._current))
            self.count += 1
            self._current = None
            self._field = None
        elif self._depth == self._item_depth + 1 and self._field is not None:
            value = "".join(self._text).strip().strip(":")
            self._current.setdefault(self._field, value)
            self._field = None

    def _chars(self, data: str) -> None:
        if self._field is not None:
            self._text.append(data)
