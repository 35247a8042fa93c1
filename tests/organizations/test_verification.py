"""Verifying an organisation and withdrawing its verification: a withdrawal needs a reason,
both are in the audit log with the reason, and repeating the current state records nothing."""

from __future__ import annotations

from strawberry.relay import to_base64

from models.accounts import Role
from models.audit import AuditEntry
from models.organizations import Organization
from tests.support import data_of, make_organization, make_user, make_volunteer

VERIFY = """
mutation ($input: VerifyOrganizationInput!) {
  verifyOrganization(input: $input) { organization { verified } errors { code field } }
}"""


async def test_verify_then_withdraw_with_a_reason_both_audited() -> None:
    _, founder, _ = await make_volunteer("founder")
    organization_id = await make_organization(founder)
    _, admin = await make_user("boss", Role.ADMIN)
    gid = to_base64("Organization", organization_id)

    await data_of(VERIFY, {"input": {"organization": gid}}, admin)
    again = await data_of(VERIFY, {"input": {"organization": gid}}, admin)
    assert again["verifyOrganization"]["organization"] == {"verified": True}
    no_reason = await data_of(VERIFY, {"input": {"organization": gid, "verified": False}}, admin)
    assert no_reason["verifyOrganization"]["errors"] == [
        {"code": "REASON_REQUIRED", "field": "reason"}
    ]
    assert (await Organization.get(id=organization_id)).verified
    too_long = {"organization": gid, "verified": False, "reason": "x" * 501}
    refused = await data_of(VERIFY, {"input": too_long}, admin)
    assert [e["code"] for e in refused["verifyOrganization"]["errors"]] == ["REASON_TOO_LONG"]
    withdrawn = await data_of(
        VERIFY, {"input": {"organization": gid, "verified": False, "reason": "注册材料过期"}}, admin
    )

    assert withdrawn["verifyOrganization"]["organization"] == {"verified": False}
    entries = await AuditEntry.filter(object_type="Organization").order_by("id")
    assert [e.action for e in entries] == ["verifyOrganization", "unverifyOrganization"]
    assert (entries[0].before, entries[0].after) == (
        {"verified": False},
        {"verified": True, "reason": ""},
    )
    assert entries[1].after == {"verified": False, "reason": "注册材料过期"}
    assert entries[1].actor_label == "boss"
