"""`volunteer-city users ...`, run as an operator runs it: in its own process, audited as
`cli:<login>`, with the coded refusals of the API."""

from __future__ import annotations

import getpass

from models.accounts import Role, User
from models.audit import AuditEntry
from services import accounts
from tests.api.test_cli import _run
from tests.conftest import Backend
from tests.support import make_user


async def test_create_prints_a_generated_password_that_must_be_changed(backend: Backend) -> None:
    done = _run(backend, "users", "create", "desk.li", "--role", "DISPATCHER")
    assert done.returncode == 0, done.stderr
    password = done.stdout.strip().splitlines()[-1]
    user = await User.get(username="desk.li")
    assert (user.roles, user.must_change_password) == (["DISPATCHER"], True)
    signed_in = await accounts.sign_in("desk.li", password)
    assert isinstance(signed_in, accounts.PasswordChange)
    [entry] = await AuditEntry.all()
    assert (entry.action, entry.actor_id, entry.actor_label) == (
        "createUser",
        None,
        f"cli:{getpass.getuser()}",
    )


async def test_disable_grant_revoke_and_enable_by_username_or_id(backend: Backend) -> None:
    await make_user("wang.admin", Role.ADMIN)
    user, _ = await make_user("zhang.san")
    for args in (
        ("disable", "zhang.san"),
        ("grant", str(user.id), "VOLUNTEER"),
        ("revoke", "zhang.san", "RESIDENT"),
        ("enable", "zhang.san"),
    ):
        done = _run(backend, "users", *args)
        assert done.returncode == 0, done.stdout + done.stderr
    row = await User.get(id=user.id)
    assert (row.is_active, row.roles) == (True, ["VOLUNTEER"])
    actions = [e.action for e in await AuditEntry.all().order_by("id")]
    assert actions == ["disableUser", "grantRole", "revokeRole", "enableUser"]

    listed = _run(backend, "users", "list", "--role", "VOLUNTEER")
    assert listed.returncode == 0, listed.stderr
    assert "zhang.san" in listed.stdout and "wang.admin" not in listed.stdout
    assert "1 of 1 accounts" in listed.stdout


async def test_refusals_print_their_code_and_change_nothing(backend: Backend) -> None:
    admin, _ = await make_user("wang.admin", Role.ADMIN)
    for args, code in (
        (("disable", "wang.admin"), "LAST_ADMIN"),
        (("revoke", "wang.admin", "ADMIN"), "LAST_ADMIN"),
        (("grant", "nobody", "ADMIN"), "USER_NOT_FOUND"),
        (("create", "x", "--role", "RESIDENT"), "INVALID_USERNAME"),
        (("list", "--search", " "), "INVALID_SEARCH"),
    ):
        done = _run(backend, "users", *args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert code in done.stdout, (args, done.stdout)
    row = await User.get(id=admin.id)
    assert (row.is_active, row.roles) == (True, ["ADMIN"])
    assert await AuditEntry.all().count() == 0
