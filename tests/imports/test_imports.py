"""Bulk imports through the service: the API's rules and codes per row, the report, dry runs,
idempotence and resumption, and historic hours counted once."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from models.imports import ImportedHours, ImportKind
from models.organizations import Membership, MembershipStatus, Organization
from models.rewards import StarLevelAchievement
from models.volunteers import Volunteer
from services import imports
from services.common.errors import DomainError
from services.common.identity import make_id_number
from tests.imports.files import VOLUNTEER_HEADER, read_csv, write_csv, write_xlsx

pytestmark = pytest.mark.asyncio


def _id(sequence: int) -> str:
    from datetime import date

    return make_id_number("441302", date(1985, 3, 9), sequence)


def _good_rows(count: int, start: int = 1) -> list[list[str]]:
    return [
        [f"陈志愿{n}", _id(n), f"138{n:08d}", "惠城区", "江北街道文昌社区", "FIRST_AID|DRIVING"]
        for n in range(start, start + count)
    ]


def _with_bad_rows() -> list[list[str]]:
    rows = _good_rows(3)
    bad_id = _id(50)[:-1] + ("0" if _id(50)[-1] != "0" else "1")
    rows.append(["李四", bad_id, "13800000050", "HUICHENG", "", ""])  # row 5: checksum
    rows.append(["王五", _id(51), "12345", "Huicheng", "", ""])  # row 6: phone
    rows.append(["赵六", _id(52), "13800000052", "深圳市", "", ""])  # row 7: district
    rows.append(["陈志愿1", _id(1), "13800000001", "441302", "", ""])  # row 8: repeats row 2
    return rows


async def _run(kind: ImportKind, path: Path, **options: object) -> tuple[imports.Summary, str]:
    report = io.StringIO()
    summary = await imports.run(
        kind,
        path,
        source_system=str(options.pop("source_system", "old-registry")),
        file_name=path.name,
        dry_run=bool(options.pop("dry_run", False)),
        report=report,
    )
    return summary, report.getvalue()


async def test_volunteers_import_with_the_apis_rules_and_a_report(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "volunteers.csv", VOLUNTEER_HEADER, _with_bad_rows())

    summary, report = await _run(ImportKind.VOLUNTEERS, path)

    assert (summary.rows_read, summary.rows_added, summary.rows_refused) == (7, 3, 4)
    refused = {row["error_row"]: row for row in read_csv(report)}
    assert refused["5"]["error_code"] == "INVALID_ID_NUMBER"
    assert refused["5"]["error_column"] == "id_number"
    assert refused["6"]["error_code"] == "INVALID_PHONE"
    assert refused["7"]["error_code"] == "UNKNOWN_DISTRICT"
    assert refused["8"]["error_code"] == "DUPLICATE_IN_FILE"
    assert "row 2" in refused["8"]["error_message"]
    assert refused["6"]["real_name"] == "王五" and refused["6"]["phone"] == "12345"
    volunteer = await Volunteer.get(real_name="陈志愿1")
    assert volunteer.skills == "|DRIVING|FIRST_AID|"
    assert volunteer.community_id is not None and volunteer.volunteer_number
    assert await Volunteer.all().count() == 3


async def test_a_corrected_report_is_submitted_as_it_is(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "volunteers.csv", VOLUNTEER_HEADER, _with_bad_rows())
    _, report = await _run(ImportKind.VOLUNTEERS, path)
    fixed = report.replace(",12345,", ",13800000051,").replace("深圳市", "惠阳区")
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(fixed, encoding="utf-8")

    summary, again = await _run(ImportKind.VOLUNTEERS, corrected)

    # Fixed: the phone and the district. The repeat of row 2 is now a volunteer already
    # registered, left as it is; the bad checksum stays refused.
    assert (summary.rows_added, summary.rows_present, summary.rows_refused) == (2, 1, 1)
    assert [row["error_code"] for row in read_csv(again)] == ["INVALID_ID_NUMBER"]


async def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "volunteers.csv", VOLUNTEER_HEADER, _with_bad_rows())

    summary, report = await _run(ImportKind.VOLUNTEERS, path, dry_run=True)

    assert (summary.rows_added, summary.rows_refused) == (3, 4)
    assert len(read_csv(report)) == 4
    assert await Volunteer.all().count() == 0


async def test_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "volunteers.csv", VOLUNTEER_HEADER, _good_rows(5))
    await _run(ImportKind.VOLUNTEERS, path)

    summary, _ = await _run(ImportKind.VOLUNTEERS, path)

    assert (summary.rows_added, summary.rows_present, summary.rows_refused) == (0, 5, 0)
    assert await Volunteer.all().count() == 5


async def test_a_job_stopped_half_way_finishes_without_duplicates(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "volunteers.csv", VOLUNTEER_HEADER, _good_rows(10))

    async def killed(summary: imports.Summary) -> None:
        if summary.rows_read >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await imports.run(
            ImportKind.VOLUNTEERS,
            path,
            source_system="x",
            file_name="v.csv",
            dry_run=False,
            progress=killed,
            batch_size=4,
        )
    assert await Volunteer.all().count() == 4

    summary, _ = await _run(ImportKind.VOLUNTEERS, path)

    assert (summary.rows_added, summary.rows_present) == (6, 4)
    assert await Volunteer.all().count() == 10


async def test_another_person_under_a_registered_id_number_is_refused(tmp_path: Path) -> None:
    await _run(
        ImportKind.VOLUNTEERS, write_csv(tmp_path / "a.csv", VOLUNTEER_HEADER, _good_rows(1))
    )
    other = [["李冒名", _id(1), "13900000001", "惠城区", "", ""]]

    summary, report = await _run(
        ImportKind.VOLUNTEERS, write_csv(tmp_path / "b.csv", VOLUNTEER_HEADER, other)
    )

    assert summary.rows_refused == 1
    assert read_csv(report)[0]["error_code"] == "DUPLICATE_ID_NUMBER"
    assert await Volunteer.filter(real_name="李冒名").count() == 0


async def test_xlsx_is_read_like_csv(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "volunteers.xlsx", VOLUNTEER_HEADER, _with_bad_rows())

    summary, report = await _run(ImportKind.VOLUNTEERS, path)

    assert (summary.rows_added, summary.rows_refused) == (3, 4)
    assert {row["error_row"] for row in read_csv(report)} == {"5", "6", "7", "8"}


async def test_a_file_without_a_required_column_is_refused_before_any_row(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "v.csv", ["real_name", "phone"], [["陈志愿", "13800138000"]])

    with pytest.raises(DomainError) as refused:
        await _run(ImportKind.VOLUNTEERS, path)

    assert refused.value.problems[0].code.value == "MISSING_COLUMNS"
    assert "id_number" in refused.value.problems[0].message


async def test_organizations_then_memberships(tmp_path: Path) -> None:
    organizations = write_csv(
        tmp_path / "orgs.csv",
        ["name", "category", "district", "contact_phone"],
        [
            ["惠城区助老服务队", "ELDERLY_CARE", "惠城区", "0752-2345678"],
            ["惠阳区环保队", "ENVIRONMENTAL", "441303", ""],
            ["乱码队", "NO_SUCH", "惠城区", ""],
        ],
    )
    summary, report = await _run(ImportKind.ORGANIZATIONS, organizations)
    assert (summary.rows_added, summary.rows_refused) == (2, 1)
    assert read_csv(report)[0]["error_code"] == "UNKNOWN_CATEGORY"
    assert (await Organization.get(name="惠城区助老服务队")).verified

    await _run(
        ImportKind.VOLUNTEERS, write_csv(tmp_path / "v.csv", VOLUNTEER_HEADER, _good_rows(2))
    )
    members = write_csv(
        tmp_path / "members.csv",
        ["id_number", "organization", "role"],
        [
            [_id(1), "惠城区助老服务队", "ADMIN"],
            [_id(2), "惠城区助老服务队", ""],
            [_id(3), "惠城区助老服务队", ""],
            [_id(1), "没有这个队", ""],
        ],
    )
    summary, report = await _run(ImportKind.MEMBERSHIPS, members)
    assert (summary.rows_added, summary.rows_refused) == (2, 2)
    assert {r["error_code"] for r in read_csv(report)} == {
        "VOLUNTEER_NOT_FOUND",
        "ORGANIZATION_NOT_FOUND",
    }
    assert await Membership.filter(status=MembershipStatus.APPROVED).count() == 2

    again, _ = await _run(ImportKind.MEMBERSHIPS, members)
    assert (again.rows_added, again.rows_present) == (0, 2)


async def test_historic_hours_count_once_with_their_provenance(tmp_path: Path) -> None:
    await _run(
        ImportKind.VOLUNTEERS, write_csv(tmp_path / "v.csv", VOLUNTEER_HEADER, _good_rows(1))
    )
    header = ["record_id", "id_number", "served_on", "hours", "description"]
    hours = write_csv(
        tmp_path / "hours.csv",
        header,
        [
            ["R-1", _id(1), "2024-03-05", "8", "义诊"],
            ["R-2", _id(1), "2024-04-05", "95.5", ""],
            ["R-3", _id(1), "2024-05-05", "3", ""],
            ["R-3", _id(1), "2024-05-06", "3", ""],
            ["R-4", _id(1), "2999-01-01", "2", ""],
        ],
    )
    summary, report = await _run(ImportKind.HOURS, hours, source_system="zyh")

    assert (summary.rows_added, summary.rows_refused) == (2, 3)
    assert {r["error_code"] for r in read_csv(report)} == {
        "INVALID_HOURS",
        "DUPLICATE_IN_FILE",
        "INVALID_DATE",
    }
    volunteer = await Volunteer.get(id_number=_id(1))
    assert volunteer.total_hours == Decimal("11.00")
    record = await ImportedHours.get(source_record="R-1")
    assert (record.source_system, record.file_name, record.row_number) == ("zyh", "hours.csv", 2)

    more = [[f"R-{n}", _id(1), "2024-06-01", "20", ""] for n in range(10, 15)]
    fixed = write_csv(
        tmp_path / "hours-more.csv", header, [["R-1", _id(1), "2024-03-05", "8", "义诊"], *more]
    )
    again, _ = await _run(ImportKind.HOURS, fixed, source_system="zyh")

    assert (again.rows_added, again.rows_present) == (5, 1)
    await volunteer.refresh_from_db()
    assert volunteer.total_hours == Decimal("111.00")
    assert await StarLevelAchievement.filter(volunteer_id=volunteer.id, level=1).exists()
    third, _ = await _run(ImportKind.HOURS, fixed, source_system="zyh")
    await volunteer.refresh_from_db()
    assert (third.rows_added, volunteer.total_hours) == (0, Decimal("111.00"))


async def test_a_record_changed_since_it_was_imported_is_refused(tmp_path: Path) -> None:
    await _run(
        ImportKind.VOLUNTEERS, write_csv(tmp_path / "v.csv", VOLUNTEER_HEADER, _good_rows(1))
    )
    header = ["record_id", "id_number", "served_on", "hours"]
    await _run(
        ImportKind.HOURS,
        write_csv(tmp_path / "h1.csv", header, [["R-1", _id(1), "2024-03-05", "8"]]),
    )

    summary, report = await _run(
        ImportKind.HOURS,
        write_csv(tmp_path / "h2.csv", header, [["R-1", _id(1), "2024-03-05", "9"]]),
    )

    assert summary.rows_refused == 1
    assert read_csv(report)[0]["error_code"] == "DUPLICATE_RECORD"
    assert (await Volunteer.get(id_number=_id(1))).total_hours == Decimal("8.00")
