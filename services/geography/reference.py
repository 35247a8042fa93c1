"""The format of a city's reference data file (YAML or JSON), read and checked before anything
is written: districts and their communities with division codes, the civic-issue categories and
the departments that answer for them, the organisation categories, benefit providers and the
benefit catalogue, and the dispatch centres. Huizhou's is `data/huizhou.yaml`; another city
passes its own to `volunteer-city bootstrap --file`.

Every problem is reported with the line of the file it is on and the path of the field
(`line 14: districts[0].population: Input should be greater than 0`), all of them at once."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from models.dispatch import CenterLevel
from models.organizations import OrganizationCategory
from models.rewards import BenefitCategory, BenefitDelivery, ProviderKind
from services.common.errors import DomainError, Problem
from services.geography.boundaries import read_boundaries
from services.geography.errors import GeographyErrorCode

DEFAULT_FILE = Path(__file__).with_name("data") / "huizhou.yaml"
# A city's file is a few hundred KB at most; a larger one is a mistake (a GeoJSON, an export).
MAX_FILE_BYTES = 5_000_000

Code = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")]
Name = Annotated[str, Field(min_length=1, max_length=64)]
LongName = Annotated[str, Field(min_length=1, max_length=128)]
# GB/T 2260: two digits of province, two of prefecture, two of county.
DivisionCode = Annotated[str, Field(pattern=r"^(\d{6})?$")]
# The statistical codes below a county: nine digits for a street or town, twelve for a
# community or village committee.
LocalDivisionCode = Annotated[str, Field(pattern=r"^(\d{9}|\d{12})?$")]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Point(Entry):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lng: Annotated[float, Field(ge=-180, le=180)]


class City(Entry):
    name: Name
    name_en: Name
    division_code: DivisionCode = ""


class CommunityEntry(Entry):
    name: Name
    division_code: LocalDivisionCode = ""
    population: Annotated[int, Field(ge=0)]
    center: Point


class DistrictEntry(Entry):
    code: Code
    division_code: DivisionCode = ""
    name: Name
    name_en: Name
    population: Annotated[int, Field(gt=0)]
    center: Point
    communities: Annotated[list[CommunityEntry], Field(min_length=1)]


class CivicCategoryEntry(Entry):
    code: Code
    name_zh: Name
    name_en: Name
    group: Name
    department: LongName
    deadline_hours: Annotated[int, Field(ge=1, le=8760)]
    description: Annotated[str, Field(max_length=500)] = ""


class OrganizationCategoryEntry(Entry):
    code: OrganizationCategory
    name_zh: Name


class ProviderEntry(Entry):
    name: LongName
    kind: ProviderKind
    district: Code | None = None
    address: Annotated[str, Field(max_length=200)] = ""


class BenefitEntry(Entry):
    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,47}$")]
    name: LongName
    category: BenefitCategory
    delivery: BenefitDelivery
    provider: LongName
    basis: Annotated[str, Field(max_length=2000)] = ""
    min_star_level: Annotated[int, Field(ge=0, le=5)] = 0
    min_recent_hours: Annotated[int, Field(ge=0, le=100_000)] | None = None
    stock: Annotated[int, Field(ge=0)] | None = None
    per_volunteer_limit: Annotated[int, Field(ge=1)] | None = None


class CenterEntry(Entry):
    name: LongName
    level: CenterLevel
    parent: LongName | None = None
    districts: list[Code] = []
    auto_assign: bool = False
    escalate_after_minutes: Annotated[int, Field(ge=1, le=10_080)] = 30


class ReferenceData(Entry):
    city: City
    districts: Annotated[list[DistrictEntry], Field(min_length=1)]
    civic_categories: list[CivicCategoryEntry]
    organization_categories: list[OrganizationCategoryEntry]
    benefit_providers: list[ProviderEntry] = []
    benefits_valid_from: date
    benefits: list[BenefitEntry] = []
    dispatch_centers: list[CenterEntry] = []
    # A GeoJSON file beside this one with the districts' outlines (boundaries.py).
    boundaries: Annotated[str, Field(pattern=r"^[\w.-]+\.(geo)?json$")] | None = None
    _shapes: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def shapes(self) -> dict[str, str]:
        """Each district's outline (GeoJSON MultiPolygon text) by code, as read."""
        return self._shapes


Location = tuple[str | int, ...]


def _lines(node: yaml.Node, path: Location, into: dict[Location, int]) -> None:
    """The line (1-based) of every mapping key and sequence item, by its path."""
    into.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            into[child] = key.start_mark.line + 1
            _lines(value, child, into)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), into)


def _dotted(path: Location) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(file)"


class _Report:
    def __init__(self, lines: dict[Location, int]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: Location, message: str) -> None:
        known = path
        while known and known not in self.lines:
            known = known[:-1]
        where = f"line {self.lines.get(known, 1)}: {_dotted(path)}"
        self.problems.append(
            Problem(GeographyErrorCode.INVALID_REFERENCE_DATA, f"{where}: {message}", where)
        )


def _unique(report: _Report, section: str, keys: list[str], field: str) -> None:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            report.add((section, index, field), f"{key!r} appears twice")
        seen.add(key)


def _check_references(data: ReferenceData, report: _Report) -> None:
    """What a schema of single fields cannot say: unique keys, and names that point at
    entries elsewhere in the file."""
    _unique(report, "districts", [d.code for d in data.districts], "code")
    for d_index, district in enumerate(data.districts):
        names = [c.name for c in district.communities]
        for c_index, name in enumerate(names):
            if name in names[:c_index]:
                report.add(("districts", d_index, "communities", c_index, "name"), "twice")
    _unique(report, "civic_categories", [c.code for c in data.civic_categories], "code")
    listed = [c.code.value for c in data.organization_categories]
    _unique(report, "organization_categories", listed, "code")
    missing = sorted({c.value for c in OrganizationCategory} - set(listed))
    if missing:
        report.add(("organization_categories",), f"missing {', '.join(missing)}")
    districts = {d.code for d in data.districts}
    _unique(report, "benefit_providers", [p.name for p in data.benefit_providers], "name")
    for index, provider in enumerate(data.benefit_providers):
        if provider.district is not None and provider.district not in districts:
            report.add(("benefit_providers", index, "district"), "no such district code")
    providers = {p.name for p in data.benefit_providers}
    _unique(report, "benefits", [b.code for b in data.benefits], "code")
    for index, benefit in enumerate(data.benefits):
        if benefit.provider not in providers:
            report.add(("benefits", index, "provider"), "no such benefit provider")
    _unique(report, "dispatch_centers", [c.name for c in data.dispatch_centers], "name")
    earlier: set[str] = set()
    for index, center in enumerate(data.dispatch_centers):
        if center.level == CenterLevel.CITY and center.parent is not None:
            report.add(("dispatch_centers", index, "parent"), "a CITY centre has no parent")
        if center.level != CenterLevel.CITY and center.parent is None:
            report.add(("dispatch_centers", index, "parent"), "required below the city level")
        if center.parent is not None and center.parent not in earlier:
            report.add(("dispatch_centers", index, "parent"), "name a centre listed above this one")
        for d_index, code in enumerate(center.districts):
            if code not in districts:
                report.add(("dispatch_centers", index, "districts", d_index), "no such district")
        earlier.add(center.name)


def parse_reference(text: str) -> ReferenceData:
    """Checks a file's text (YAML, or JSON, which YAML reads too); raises a DomainError with
    every problem, each naming its line and field."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "(file)"
        reason = getattr(error, "problem", None) or str(error)
        raise DomainError(
            GeographyErrorCode.UNREADABLE_FILE, f"{line}: not YAML or JSON: {reason}", line
        ) from error
    lines: dict[Location, int] = {}
    if root is not None:
        _lines(root, (), lines)
    report = _Report(lines)
    if not isinstance(raw, dict):
        report.add((), "the file must hold a mapping (city, districts, …)")
        raise DomainError.many(report.problems)
    try:
        data = ReferenceData.model_validate(raw)
    except ValidationError as error:
        for problem in error.errors(include_url=False):
            report.add(tuple(problem["loc"]), problem["msg"])
        raise DomainError.many(report.problems) from error
    _check_references(data, report)
    if report.problems:
        raise DomainError.many(report.problems)
    return data


def read_reference(path: Path) -> ReferenceData:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DomainError(
                GeographyErrorCode.UNREADABLE_FILE,
                f"{path}: larger than {MAX_FILE_BYTES:,} bytes; is it the right file?",
                "file",
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DomainError(
            GeographyErrorCode.UNREADABLE_FILE, f"{path}: cannot be read: {error}", "file"
        ) from error
    data = parse_reference(text)
    if data.boundaries is not None:
        codes = {d.code for d in data.districts}
        data._shapes = read_boundaries(path.parent / data.boundaries, codes)
    return data


@cache
def default_reference() -> ReferenceData:
    """Huizhou's file, shipped with the package."""
    return read_reference(DEFAULT_FILE)
