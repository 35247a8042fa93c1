"""Imports through GraphQL: an administrator's upload starts a job, `importJob` and `node` show
its progress and report; nobody else may start one or see one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.imports import ImportJob
from models.volunteers import Volunteer
from services import imports
from tests.imports.files import VOLUNTEER_HEADER, read_csv
from tests.imports.test_imports import _good_rows, _with_bad_rows
from tests.support import data_of, error_codes, gql, make_user, make_volunteer

pytestmark = pytest.mark.asyncio

START = """mutation Start($input: StartImportInput!) {
  startImport(input: $input) {
    importJob { id status kind dryRun fileName }
    errors { code field message }
  }
}"""
JOB = """query Job($id: ID!) {
  importJob(id: $id) {
    status rowsRead rowsAdded rowsPresent rowsRefused errorReport failure finishedAt
  }
}"""
NODE = """query Node($id: ID!) { node(id: $id) { id ... on ImportJob { status } } }"""


@dataclass
class FakeUpload:
    """What strawberry hands a resolver for a multipart file part."""

    filename: str
    data: bytes

    async def read(self, size: int = -1) -> bytes:
        return self.data


def _csv(rows: list[list[str]], header: list[str] = VOLUNTEER_HEADER) -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def _input(data: bytes, **extra: Any) -> dict[str, Any]:
    return {"input": {"kind": "VOLUNTEERS", "file": FakeUpload("v.csv", data), **extra}}


async def test_an_upload_starts_a_job_that_reports_its_rows() -> None:
    _, admin = await make_user("ops", Role.ADMIN)

    started = await data_of(START, _input(_csv(_with_bad_rows())), admin)

    job = started["startImport"]["importJob"]
    assert started["startImport"]["errors"] == []
    assert (job["kind"], job["fileName"], job["dryRun"]) == ("VOLUNTEERS", "v.csv", False)
    await imports.wait_for(int(relay.GlobalID.from_id(job["id"]).node_id))
    seen = (await data_of(JOB, {"id": job["id"]}, admin))["importJob"]
    assert seen["status"] == "SUCCEEDED" and seen["finishedAt"]
    assert (seen["rowsRead"], seen["rowsAdded"], seen["rowsRefused"]) == (7, 3, 4)
    codes = [row["error_code"] for row in read_csv(seen["errorReport"])]
    assert sorted(codes) == [
        "DUPLICATE_IN_FILE",
        "INVALID_ID_NUMBER",
        "INVALID_PHONE",
        "UNKNOWN_DISTRICT",
    ]
    assert await Volunteer.all().count() == 3
    assert (await data_of(NODE, {"id": job["id"]}, admin))["node"]["status"] == "SUCCEEDED"


async def test_a_dry_run_job_writes_nothing() -> None:
    _, admin = await make_user("ops", Role.ADMIN)

    started = await data_of(START, _input(_csv(_good_rows(4)), dryRun=True), admin)

    job_id = started["startImport"]["importJob"]["id"]
    await imports.wait_for(int(relay.GlobalID.from_id(job_id).node_id))
    seen = (await data_of(JOB, {"id": job_id}, admin))["importJob"]
    assert (seen["status"], seen["rowsAdded"], seen["errorReport"]) == ("SUCCEEDED", 4, "")
    assert await Volunteer.all().count() == 0


@pytest.mark.parametrize(
    ("data", "extra", "code"),
    [
        (_csv([["陈志愿", "13800138000"]], ["real_name", "phone"]), {}, "MISSING_COLUMNS"),
        (b"", {}, "EMPTY_FILE"),
        (_csv(_good_rows(1)), {"sourceSystem": "a/b;drop"}, "INVALID_SOURCE"),
    ],
)
async def test_a_file_refused_at_once_starts_no_job(
    data: bytes, extra: dict[str, Any], code: str
) -> None:
    _, admin = await make_user("ops", Role.ADMIN)

    result = await data_of(START, _input(data, **extra), admin)

    assert result["startImport"]["importJob"] is None
    assert [e["code"] for e in result["startImport"]["errors"]] == [code]
    assert await ImportJob.all().count() == 0


async def test_only_administrators_start_or_see_imports() -> None:
    _, admin = await make_user("ops", Role.ADMIN)
    _, dispatcher = await make_user("desk", Role.DISPATCHER)
    _, volunteer, _ = await make_volunteer("chen")
    started = await data_of(START, _input(_csv(_good_rows(1))), admin)
    job_id = started["startImport"]["importJob"]["id"]
    await imports.wait_for(int(relay.GlobalID.from_id(job_id).node_id))

    for principal in (dispatcher, volunteer):
        refused = await gql(START, _input(_csv(_good_rows(1, start=9))), principal)
        assert error_codes(refused) == ["NOT_PERMITTED"]
        hidden = await gql(JOB, {"id": job_id}, principal)
        assert error_codes(hidden) == ["NOT_PERMITTED"]
        assert (await data_of(NODE, {"id": job_id}, principal))["node"] is None
    anonymous = await gql(START, _input(_csv(_good_rows(1, start=9))))
    assert error_codes(anonymous) == ["NOT_AUTHENTICATED"]
    assert error_codes(await gql(JOB, {"id": job_id})) == ["NOT_AUTHENTICATED"]
    assert await ImportJob.all().count() == 1
