"""Writing the standards' XML: element names in a document's namespaces, texts with their
language, instants as ISO 8601 with the offset of the board's time zone."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from lxml import etree

SIRI_NS = "http://www.siri.org.uk/siri"
OJP_NS = "http://www.vdv.de/ojp"
TRIAS_NS = "http://www.vdv.de/trias"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Element = etree._Element


class Tree:
    """Builds one kind of document: a plain name is in `default`, "siri:Name" in SIRI's
    namespace (OJP and TRIAS embed SIRI elements). Qualified names are made once."""

    def __init__(self, default: str, prefixes: dict[str | None, str]) -> None:
        self.default = default
        self.nsmap = prefixes
        self._names: dict[str, str] = {}

    def name(self, name: str) -> str:
        found = self._names.get(name)
        if found is None:
            local = name.removeprefix("siri:")
            found = self._names[name] = f"{{{SIRI_NS if local != name else self.default}}}{local}"
        return found

    def root(self, name: str, version: str) -> Element:
        return etree.Element(self.name(name), nsmap=self.nsmap, version=version)

    def add(self, parent: Element, name: str, text: str | None = None,
            lang: str | None = None) -> Element:
        """A child element (with its text and xml:lang when given)."""
        child = etree.SubElement(parent, self.name(name))
        if text is not None:
            try:
                child.text = text
            except ValueError:          # a control character a request brought: not XML
                child.text = NOT_XML.sub("\ufffd", text)
        if lang:
            child.set(XML_LANG, lang)
        return child

    def maybe(self, parent: Element, name: str, text: str | None,
              lang: str | None = None) -> None:
        """A child element only when there is a text for it."""
        if text:
            self.add(parent, name, text, lang)


def xml_bytes(root: Element) -> bytes:
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def instant(epoch: int, zone: ZoneInfo) -> str:
    """An epoch as xsd:dateTime with the offset of that instant in `zone`."""
    return dt.datetime.fromtimestamp(epoch, zone).isoformat()


def boolean(value: bool) -> str:
    return "true" if value else "false"


def cut(text: str, length: int | None) -> str:
    """`text` in at most `length` characters (a cut one ends with "…")."""
    if length is None or len(text) <= length:
        return text
    return text[: max(length - 1, 0)].rstrip() + "…" if length > 1 else text[:length]
