"""`volunteer-city bootstrap`: the city's reference data into an empty production database,
run as a city's IT team runs it (its own process), and its data file's checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from strawberry.relay import to_base64

from models.civic import CivicCategory
from models.dispatch import CenterCoverage, CenterLevel, DispatchCenter
from models.geography import Community, District
from models.rewards import Benefit, BenefitProvider
from services.common.errors import DomainError
from services.geography import bootstrap, default_reference
from services.geography.errors import GeographyErrorCode
from services.geography.reference import DEFAULT_FILE, parse_reference
from tests.conftest import Backend
from tests.support import data_of, make_user, new_id_number

CLI = [sys.executable, "-m", "api.cli"]
REGISTER = """
mutation Register($input: RegisterVolunteerInput!) {
  registerVolunteer(input: $input) {
    volunteer { district { code } community { name } }
    errors { code field }
  }
}"""
TABLES = (Benefit, BenefitProvider, CivicCategory, CenterCoverage, DispatchCenter)


def _cli(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "a-production-secret-of-enough-length-0123456789",
        "PUBLIC_BASE_URL": "https://volunteer.huizhou.gov.cn",
        "DATABASE_URL": backend.settings.database_url,
        "BROADCAST_URL": "memory://",
    }
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=120)


async def _empty() -> None:
    """What a fresh production database holds: no reference data at all."""
    await DispatchCenter.filter(parent_id__not_isnull=True).delete()
    for model in (*TABLES, Community, District):
        await model.all().delete()


async def _counts() -> dict[str, int]:
    return {m.__name__: await m.all().count() for m in (*TABLES, Community, District)}


async def test_bootstrap_in_production_then_a_resident_registers(backend: Backend) -> None:
    # given an empty production database, where registration cannot name a district
    await _empty()

    # when the city's IT team runs bootstrap
    done = _cli(backend, "bootstrap")

    # then the reference data is there, with official division codes
    assert done.returncode == 0, done.stdout + done.stderr
    assert "惠州市 (Huizhou) added:" in done.stdout
    counts = await _counts()
    assert counts["District"] == 7 and counts["Community"] == 40
    assert counts["CivicCategory"] == 12 and counts["Benefit"] == 18
    assert counts["DispatchCenter"] == 8 and counts["CenterCoverage"] == 7
    huicheng = await District.get(code="HUICHENG")
    assert huicheng.division_code == "441302"
    city = await DispatchCenter.get(level=CenterLevel.CITY)
    assert await DispatchCenter.filter(parent_id=city.id).count() == 7
    # and a resident registers as a volunteer in a district of it
    _, principal = await make_user("chen")
    registration = {
        "realName": "陈志愿",
        "idNumber": new_id_number("1990-05-17"),
        "phone": "+86 138 0013 8000",
        "district": to_base64("District", huicheng.id),
        "skills": ["FIRST_AID"],
    }
    data = await data_of(REGISTER, {"input": registration}, principal)
    assert data["registerVolunteer"]["errors"] == []
    assert data["registerVolunteer"]["volunteer"]["district"] == {"code": "HUICHENG"}


async def test_bootstrap_twice_adds_nothing(backend: Backend) -> None:
    # given a bootstrapped database
    await _empty()
    first = await bootstrap(default_reference())
    assert all(added > 0 for added in first.values())
    before = await _counts()

    # when it runs again, here in its own process
    done = _cli(backend, "bootstrap")

    # then nothing was added
    assert done.returncode == 0, done.stdout + done.stderr
    assert await _counts() == before
    assert "added: 0 districts and communities, 0 civic categories" in done.stdout


async def test_a_malformed_file_names_line_and_field_and_changes_nothing(
    backend: Backend, tmp_path: Path
) -> None:
    # given an empty database and a city's file with a negative population
    await _empty()
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "population: 1200000")
    lines[at] = lines[at].replace("1200000", "-5")
    broken = tmp_path / "their.yaml"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # when bootstrap is given it
    done = _cli(backend, "bootstrap", "--file", str(broken))

    # then it names the line and field, and wrote nothing
    assert done.returncode == 1
    output = " ".join(done.stdout.split())
    assert "INVALID_REFERENCE_DATA" in output
    assert f"line {at + 1}: districts[0].population: Input should be greater than 0" in output
    assert "Traceback" not in done.stderr
    assert set((await _counts()).values()) == {0}


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("city:\n  name: [", "line 2", "not YAML or JSON"),
        ("- a list", "line 1: (file)", "must hold a mapping"),
        ("{}", "line 1: city", "Field required"),
    ],
)
def test_unreadable_files_are_coded_errors(text: str, where: str, message: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse_reference(text)
    first = raised.value.problems[0]
    assert first.code in (
        GeographyErrorCode.UNREADABLE_FILE,
        GeographyErrorCode.INVALID_REFERENCE_DATA,
    )
    assert first.message.startswith(where) and message in first.message


def test_references_between_sections_are_checked() -> None:
    # given Huizhou's file with a benefit of an unknown provider and a centre of an unknown
    # district, an unknown field and an organisation category left out
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    text = text.replace("provider: 惠州博物馆", "provider: 不存在的博物馆", 1)
    text = text.replace("  - LONGMEN\n", "  - LONGMAN\n", 1)
    text = text.replace("- code: LEGAL_AID\n  name_zh: 法律援助\n", "", 1)
    text = text.replace("  name_en: Huizhou\n", "  name_en: Huizhou\n  mayor: nobody\n", 1)

    # when it is checked
    with pytest.raises(DomainError) as raised:
        parse_reference(text)

    # then the unknown field is reported (the others wait for a file that parses)
    messages = [p.message for p in raised.value.problems]
    assert any("city.mayor: Extra inputs are not permitted" in m for m in messages), messages

    # and without it, every reference is
    with pytest.raises(DomainError) as raised:
        parse_reference(text.replace("  mayor: nobody\n", ""))
    messages = [p.message for p in raised.value.problems]
    assert any(".provider: no such benefit provider" in m for m in messages), messages
    assert any(".districts[0]: no such district" in m for m in messages), messages
    assert any("organization_categories: missing LEGAL_AID" in m for m in messages), messages
    assert all(m.startswith("line ") for m in messages)
