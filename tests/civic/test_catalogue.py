"""Administering the civic-issue catalogue: a category is added, its department and deadline
change (in the audit log, before → after), it is withdrawn; bad input is coded and changes
nothing; only administrators may."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.audit import AuditEntry
from models.civic import CivicCategory
from services import civic
from services.civic.catalogue import ensure_categories
from services.common.principal import Principal
from tests.support import data_of, error_codes, gql, make_user

CREATE = """
mutation ($input: CreateCivicCategoryInput!) {
  createCivicCategory(input: $input) {
    civicCategory { id code department deadlineHours active }
    errors { code field }
  }
}"""
UPDATE = """
mutation ($input: UpdateCivicCategoryInput!) {
  updateCivicCategory(input: $input) {
    civicCategory { code department deadlineHours active }
    errors { code field }
  }
}"""
NEW = {
    "code": "NOISE_AT_NIGHT",
    "nameZh": "夜间噪音",
    "nameEn": "Noise at night",
    "department": "市生态环境局惠城分局",
    "deadlineHours": 48,
}


@pytest.fixture
async def admin() -> Principal:
    await ensure_categories()
    _, principal = await make_user("city.admin", Role.ADMIN)
    return principal


def gid(row: CivicCategory) -> str:
    return str(relay.GlobalID("CivicCategory", str(row.id)))


async def test_a_category_is_added_then_handed_to_another_department(admin: Principal) -> None:
    created = (await data_of(CREATE, {"input": NEW}, admin))["createCivicCategory"]
    assert created["errors"] == []
    assert created["civicCategory"]["active"] is True
    category = await CivicCategory.get(code="NOISE_AT_NIGHT")

    changed = await data_of(
        UPDATE,
        {
            "input": {
                "category": gid(category),
                "department": "市公安局惠城分局",
                "deadlineHours": 24,
            }
        },
        admin,
    )

    assert changed["updateCivicCategory"]["civicCategory"]["department"] == "市公安局惠城分局"
    entries = await AuditEntry.filter(object_type="CivicCategory").order_by("id")
    assert [e.action for e in entries] == ["createCivicCategory", "updateCivicCategory"]
    assert entries[0].before is None
    assert (entries[0].after or {})["department"] == "市生态环境局惠城分局"
    before, after = entries[1].before or {}, entries[1].after or {}
    assert (before["department"], after["department"]) == (
        "市生态环境局惠城分局",
        "市公安局惠城分局",
    )
    assert (before["deadline_hours"], after["deadline_hours"]) == (48, 24)


async def test_a_withdrawn_category_can_no_longer_be_reported(admin: Principal) -> None:
    category = await CivicCategory.filter(active=True).order_by("id").first()
    assert category is not None

    result = await data_of(UPDATE, {"input": {"category": gid(category), "active": False}}, admin)

    assert result["updateCivicCategory"]["civicCategory"]["active"] is False
    assert category.code not in [c.code for c in await civic.categories()]
    entry = await AuditEntry.get(object_type="CivicCategory", object_id=category.id)
    assert ((entry.before or {})["active"], (entry.after or {})["active"]) == (True, False)


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"code": "noise"}, ["INVALID_CODE"]),
        ({"nameZh": ""}, ["INVALID_NAME"]),
        ({"department": " "}, ["INVALID_DEPARTMENT"]),
        ({"deadlineHours": 0}, ["INVALID_DEADLINE"]),
        ({"deadlineHours": 365 * 24 + 1}, ["INVALID_DEADLINE"]),
        ({"position": -1}, ["INVALID_POSITION"]),
        ({"description": "x" * 501}, ["INVALID_DESCRIPTION"]),
        ({"group": "x" * 65}, ["INVALID_GROUP"]),
        ({"nameEn": "", "deadlineHours": -1}, ["INVALID_NAME", "INVALID_DEADLINE"]),
    ],
)
async def test_bad_input_is_coded_and_changes_nothing(
    admin: Principal, changes: dict[str, Any], codes: list[str]
) -> None:
    before = await CivicCategory.all().count()
    result = await data_of(CREATE, {"input": {**NEW, **changes}}, admin)
    assert [e["code"] for e in result["createCivicCategory"]["errors"]] == codes
    assert await CivicCategory.all().count() == before
    assert await AuditEntry.all().count() == 0


async def test_a_duplicate_code_and_an_unknown_id_are_coded(admin: Principal) -> None:
    existing = await CivicCategory.all().order_by("id").first()
    assert existing is not None
    duplicate = await data_of(CREATE, {"input": {**NEW, "code": existing.code}}, admin)
    assert duplicate["createCivicCategory"]["errors"] == [
        {"code": "DUPLICATE_CODE", "field": "code"}
    ]
    unknown = await data_of(
        UPDATE,
        {"input": {"category": str(relay.GlobalID("CivicCategory", "9999")), "active": False}},
        admin,
    )
    assert unknown["updateCivicCategory"]["errors"] == [
        {"code": "UNKNOWN_CATEGORY", "field": "category"}
    ]
    bad_update = await data_of(
        UPDATE, {"input": {"category": gid(existing), "department": ""}}, admin
    )
    assert [e["code"] for e in bad_update["updateCivicCategory"]["errors"]] == [
        "INVALID_DEPARTMENT"
    ]
    assert (await CivicCategory.get(id=existing.id)).department == existing.department


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
async def test_only_an_administrator_edits_the_catalogue(admin: Principal, role: Role) -> None:
    category = await CivicCategory.all().order_by("id").first()
    assert category is not None
    _, someone = await make_user("someone", role)
    update = {"input": {"category": gid(category), "active": False}}
    assert error_codes(await gql(UPDATE, update, someone)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(CREATE, {"input": NEW}, someone)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(UPDATE, update)) == ["NOT_AUTHENTICATED"]
    assert (await CivicCategory.get(id=category.id)).active
