"""The GeoReport v2 documents, field by field and in the spec's order
(wiki.open311.org/GeoReport_v2 and wiki.open311.org/Service_Discovery), and helpers that read
our answers with the standard library's XML parser."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import httpx

DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
DEFINITION_FIELDS = ["service_code", "attributes"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
CREATED_FIELDS = ["service_request_id", "service_notice", "account_id"]
TOKEN_FIELDS = ["service_request_id", "token"]
ERROR_FIELDS = ["code", "description"]
W3_UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def xml_of(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    # Our own server's answer, parsed the way an app would with the standard library.
    return ElementTree.fromstring(response.content)  # noqa: S314


def json_of(response: httpx.Response) -> Any:
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def children(element: ElementTree.Element) -> list[str]:
    return [child.tag for child in element]


def texts(element: ElementTree.Element) -> dict[str, str]:
    return {child.tag: child.text or "" for child in element}


def error_json(response: httpx.Response, status: int) -> list[str]:
    """The descriptions of a JSON error document, checked for the spec's shape."""
    assert response.status_code == status, response.text
    body = json_of(response)
    assert isinstance(body, list) and body
    assert all(list(error) == ERROR_FIELDS and error["code"] == status for error in body)
    return [error["description"] for error in body]


def error_xml(response: httpx.Response, status: int) -> list[str]:
    assert response.status_code == status, response.text
    root = xml_of(response)
    assert root.tag == "errors" and children(root) and set(children(root)) == {"error"}
    for error in root:
        assert children(error) == ERROR_FIELDS
        assert error.findtext("code") == str(status)
    return [error.findtext("description") or "" for error in root]
