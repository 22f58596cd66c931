"""The official schemas and examples of the standards (../shared/standards beside the
checkout, or ABFAHRT_SHARED_STANDARDS), each schema loaded once per session."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from tests.displays.conftest import client, demo_settings  # noqa: F401 (the demo app)

STANDARDS = Path(os.environ.get("ABFAHRT_SHARED_STANDARDS")
                 or Path(__file__).resolve().parents[2].parent / "shared" / "standards")
SCHEMAS = {"siri": "siri-2.1/xsd/siri.xsd", "ojp": "ojp-2.0/OJP.xsd",
           "trias": "trias-1.4/Trias.xsd"}

Validate = Callable[[str, bytes], etree._Element]


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(STANDARDS / SCHEMAS[name])))


def assert_valid(name: str, body: bytes) -> etree._Element:
    """The parsed document; fails with the schema's first errors when it is not valid."""
    document = etree.fromstring(body)
    checker = schema(name)
    assert checker.validate(document), [f"{e.line}: {e.message}"
                                        for e in list(checker.error_log)[:5]]
    return document


@pytest.fixture(scope="session")
def valid() -> Validate:
    if not STANDARDS.is_dir():
        pytest.fail(f"the standards' schemas are read from {STANDARDS}, which is missing: put "
                    f"shared/ beside the checkout or set ABFAHRT_SHARED_STANDARDS")
    return assert_valid


def example(relative: str, **replace: str) -> bytes:
    """An official example request with element texts replaced (`MonitoringRef="…"`: every
    element of that local name gets the text)."""
    document = etree.parse(str(STANDARDS / relative))
    for element in document.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in replace:
            element.text = replace[etree.QName(element).localname]
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")
