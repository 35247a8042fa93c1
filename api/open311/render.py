"""Open311 documents in the two formats of GeoReport v2: XML, and JSON by the Spark convention.

A document is built once as plain values (mappings keep the spec's element order) and written
either way: a mapping is an element with children (a JSON object), `Many` is a container of
repeated elements (a JSON array, even with one item, as the Spark convention wants), and a
scalar is an element's text. Booleans are `true`/`false`, None is an empty element (JSON null).

XML follows "XML Support" of the spec: `text/xml; charset=utf-8`, the UTF-8 declaration, no
namespace. JSON is `application/json; charset=utf-8`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Union
from xml.etree import ElementTree

import orjson
from starlette.responses import Response

JSON = "json"
XML = "xml"
FORMATS = (JSON, XML)
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

Scalar = str | int | float | bool | None
# A recursive alias: the union is spelt with Union so that the forward references resolve.
Value = Union[Scalar, Mapping[str, "Value"], "Many"]


@dataclass(frozen=True)
class Many:
    """A container of repeated `item` elements: <services><service>…</service></services>."""

    item: str
    items: Sequence[Value]


def w3(moment: datetime | None) -> str | None:
    """The spec's w3 datetime, in UTC: 2010-01-01T00:00:00Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(value: Value) -> object:
    if isinstance(value, Many):
        return [to_json(item) for item in value.items]
    if isinstance(value, Mapping):
        return {key: to_json(child) for key, child in value.items()}
    return value


def _text(value: Scalar) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ElementTree.Element, value: Value) -> None:
    if isinstance(value, Many):
        for item in value.items:
            _fill(ElementTree.SubElement(element, value.item), item)
    elif isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Value) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, value)
    body: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)
    return XML_DECLARATION + body


def render(format: str, root: str, value: Value, status_code: int = 200) -> Response:
    """`root` names the XML document element; JSON has none (the value is the document)."""
    body = orjson.dumps(to_json(value)) if format == JSON else to_xml(root, value)
    return Response(body, status_code=status_code, media_type=CONTENT_TYPES[format])


def errors(format: str, status_code: int, descriptions: Sequence[str]) -> Response:
    """The spec's error document: <errors><error><code/><description/></error></errors>, the
    code being the HTTP status, one error per problem."""
    items: list[Value] = [{"code": status_code, "description": text} for text in descriptions]
    return render(format, "errors", Many("error", items), status_code)
