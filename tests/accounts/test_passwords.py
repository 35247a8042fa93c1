"""changePassword, logout and resetPassword: what each revokes, who may call it, and that bad
input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.relay import to_base64

from models.accounts import RevokedSession, Role, User
from models.dispatch import CenterLevel, DispatchCenter
from services import accounts, wall
from services.common.principal import Principal, Scope
from tests.support import data_of, error_codes, gql, make_user

PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
CHANGE = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    token refreshToken user { username } errors { code field }
  }
}"""
LOGOUT = """
mutation Logout($token: String!) {
  logout(input: {refreshToken: $token}) { user { username } errors { code field } }
}"""
# What a wall screen may read of the answer: its errors.
WALL_LOGOUT = """
mutation Logout($token: String!) {
  logout(input: {refreshToken: $token}) { errors { code field } }
}"""
RESET = """
mutation Reset($input: ResetPasswordInput!) {
  resetPassword(input: $input) {
    user { username } temporaryPassword errors { code field }
  }
}"""
LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) {
    token refreshToken passwordChangeToken user { username } errors { code }
  }
}"""
REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(input: {refreshToken: $token}) { token refreshToken errors { code } }
}"""


async def signed_in(principal: Principal, username: str) -> Any:
    pair = await accounts.login(username, PASSWORD)
    assert await accounts.authenticate(pair.access_token) == principal
    return pair


async def sign_in(username: str, password: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await data_of(LOGIN, {"username": username, "password": password}))[
        "login"
    ]
    return payload


async def refreshed(token: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await data_of(REFRESH, {"token": token}))["refreshToken"]
    return payload


# changePassword


async def test_changing_the_password_revokes_every_other_token() -> None:
    # given a user signed in twice (a phone and a laptop)
    _, principal = await make_user("li.ming")
    phone = await signed_in(principal, "li.ming")
    laptop = await signed_in(principal, "li.ming")

    # when the phone changes the password
    data = await data_of(
        CHANGE, {"input": {"oldPassword": PASSWORD, "newPassword": "n3w-horse-10"}}, principal
    )

    # then the phone gets fresh tokens that work, and every earlier token is dead
    payload = data["changePassword"]
    assert payload["errors"] == [] and payload["user"] == {"username": "li.ming"}
    assert await accounts.authenticate(payload["token"]) is not None
    assert (await refreshed(payload["refreshToken"]))["errors"] == []
    for pair in (phone, laptop):
        assert await accounts.authenticate(pair.access_token) is None
        assert [e["code"] for e in (await refreshed(pair.refresh_token))["errors"]] == [
            "INVALID_TOKEN"
        ]
    # and only the new password signs in
    assert (await sign_in("li.ming", "n3w-horse-10"))["errors"] == []
    assert (await sign_in("li.ming", PASSWORD))["errors"] == [{"code": "INVALID_CREDENTIALS"}]


@pytest.mark.parametrize(
    ("old", "new", "problems"),
    [
        ("wrong-horse", "n3w-horse-10", [("INVALID_CREDENTIALS", "oldPassword")]),
        (PASSWORD, "short", [("WEAK_PASSWORD", "newPassword")]),
        (PASSWORD, "1234567890", [("WEAK_PASSWORD", "newPassword")]),
        (PASSWORD, "LI.MING", [("WEAK_PASSWORD", "newPassword")]),
        (PASSWORD, PASSWORD, [("WEAK_PASSWORD", "newPassword")]),
        (
            "wrong-horse",
            "short",
            [("INVALID_CREDENTIALS", "oldPassword"), ("WEAK_PASSWORD", "newPassword")],
        ),
    ],
)
async def test_a_bad_password_change_is_coded_and_changes_nothing(
    old: str, new: str, problems: list[tuple[str, str]]
) -> None:
    user, principal = await make_user("li.ming")
    pair = await signed_in(principal, "li.ming")

    data = await data_of(CHANGE, {"input": {"oldPassword": old, "newPassword": new}}, principal)

    payload = data["changePassword"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == problems
    assert payload["token"] is None
    assert (await User.get(id=user.id)).token_version == user.token_version
    assert await accounts.authenticate(pair.access_token) is not None
    assert (await sign_in("li.ming", PASSWORD))["errors"] == []


async def test_wrong_old_passwords_are_throttled_like_sign_ins() -> None:
    _, principal = await make_user("li.ming")
    variables = {"input": {"oldPassword": "wrong-horse", "newPassword": "n3w-horse-10"}}
    answers = [(await data_of(CHANGE, variables, principal))["changePassword"] for _ in range(12)]
    assert [e["code"] for e in answers[-1]["errors"]] == ["TOO_MANY_ATTEMPTS"]


@pytest.mark.parametrize("who", ["anonymous", "api client"])
async def test_change_password_needs_a_signed_in_user(who: str) -> None:
    principal = Principal()
    if who == "api client":
        client, _ = await accounts.create_api_client("app", [Scope.READ, Scope.WRITE])
        principal = Principal(api_client_id=client.id, scopes=frozenset({Scope.WRITE}))
    result = await gql(
        CHANGE, {"input": {"oldPassword": PASSWORD, "newPassword": "n3w-horse-10"}}, principal
    )
    assert error_codes(result) == ["NOT_AUTHENTICATED"]


# logout


async def test_logout_revokes_the_session_and_only_that_session() -> None:
    # given two sessions, and a refresh token refreshed from the first before signing out
    _, principal = await make_user("li.ming")
    session = await signed_in(principal, "li.ming")
    other = await signed_in(principal, "li.ming")
    later = (await refreshed(session.refresh_token))["refreshToken"]

    # when the first session signs out
    data = await data_of(LOGOUT, {"token": session.refresh_token}, principal)

    # then neither of its refresh tokens works any more, and the other session's still does
    assert data["logout"] == {"user": {"username": "li.ming"}, "errors": []}
    for token in (session.refresh_token, later):
        assert [e["code"] for e in (await refreshed(token))["errors"]] == ["INVALID_TOKEN"]
    assert (await refreshed(other.refresh_token))["errors"] == []
    # and signing out twice is harmless
    again = await data_of(LOGOUT, {"token": session.refresh_token}, principal)
    assert again["logout"]["errors"] == []
    assert await RevokedSession.all().count() == 1


@pytest.mark.parametrize("kind", ["someone else's", "an access token", "garbage"])
async def test_logout_with_a_token_not_of_this_account_is_coded_and_changes_nothing(
    kind: str,
) -> None:
    _, principal = await make_user("li.ming")
    _, other = await make_user("wang.fang")
    mine = await signed_in(principal, "li.ming")
    theirs = await signed_in(other, "wang.fang")
    token = {
        "someone else's": theirs.refresh_token,
        "an access token": mine.access_token,
        "garbage": "not-a-token",
    }[kind]

    data = await data_of(LOGOUT, {"token": token}, principal)

    assert data["logout"] == {
        "user": None,
        "errors": [{"code": "INVALID_TOKEN", "field": "refreshToken"}],
    }
    assert await RevokedSession.all().count() == 0
    assert (await refreshed(theirs.refresh_token))["errors"] == []


async def test_logout_needs_a_signed_in_user() -> None:
    _, principal = await make_user("li.ming")
    session = await signed_in(principal, "li.ming")
    result = await gql(LOGOUT, {"token": session.refresh_token})
    assert error_codes(result) == ["NOT_AUTHENTICATED"]
    assert await RevokedSession.all().count() == 0


async def test_a_refresh_token_without_a_session_id_is_a_session_of_its_own() -> None:
    # given a long-lived wall credential (a refresh token made without a `sid`)
    center = await DispatchCenter.create(name="惠州市志愿服务调度中心", level=CenterLevel.CITY)
    credential = await wall.issue_wall_credential(center, days=30)
    principal = accounts.principal_for(credential.user)

    # when it is refreshed, then signed out with
    fresh = await refreshed(credential.token)
    assert fresh["errors"] == []
    data = await data_of(WALL_LOGOUT, {"token": credential.token}, principal)

    # then it and the tokens refreshed from it stop working
    assert data["logout"]["errors"] == []
    for token in (credential.token, fresh["refreshToken"]):
        assert (await refreshed(token))["errors"] == [{"code": "INVALID_TOKEN"}]


# resetPassword


async def test_a_reset_forces_a_change_at_the_next_sign_in() -> None:
    # given a signed-in user whose password an administrator resets
    user, principal = await make_user("li.ming")
    before = await signed_in(principal, "li.ming")
    _, admin = await make_user("boss", Role.ADMIN)
    reset = (await data_of(RESET, {"input": {"user": to_base64("User", user.id)}}, admin))[
        "resetPassword"
    ]
    assert reset["errors"] == [] and reset["user"] == {"username": "li.ming"}
    temporary = reset["temporaryPassword"]
    assert len(temporary) >= 16

    # then every earlier token is dead, and the old password no longer signs in
    assert await accounts.authenticate(before.access_token) is None
    assert (await refreshed(before.refresh_token))["errors"] == [{"code": "INVALID_TOKEN"}]
    assert (await sign_in("li.ming", PASSWORD))["errors"] == [{"code": "INVALID_CREDENTIALS"}]

    # when the person signs in with the temporary password
    login = await sign_in("li.ming", temporary)

    # then there is no session, only a token for changePassword, good for nothing else
    assert login["errors"] == [{"code": "PASSWORD_CHANGE_REQUIRED"}]
    assert (login["token"], login["refreshToken"]) == (None, None)
    change_token = login["passwordChangeToken"]
    assert await accounts.authenticate(change_token) is None
    assert (await refreshed(change_token))["errors"] == [{"code": "INVALID_TOKEN"}]
    with pytest.raises(accounts.DomainError):
        await accounts.login("li.ming", temporary)

    # and changePassword with it, the temporary password and a new one opens a session
    variables = {
        "input": {
            "oldPassword": temporary,
            "newPassword": "n3w-horse-10",
            "passwordChangeToken": change_token,
        }
    }
    changed = (await data_of(CHANGE, variables))["changePassword"]
    assert changed["errors"] == [] and await accounts.authenticate(changed["token"]) is not None
    assert not (await User.get(id=user.id)).must_change_password
    assert (await sign_in("li.ming", "n3w-horse-10"))["errors"] == []
    # and the change token cannot be used twice
    variables["input"]["newPassword"] = "an0ther-horse"
    again = (await data_of(CHANGE, variables))["changePassword"]
    assert again["errors"] == [{"code": "INVALID_TOKEN", "field": "passwordChangeToken"}]


async def test_an_admin_may_choose_the_temporary_password() -> None:
    user, _ = await make_user("li.ming")
    _, admin = await make_user("boss", Role.ADMIN)
    variables = {"input": {"user": to_base64("User", user.id), "temporaryPassword": "t3mp-pass"}}
    reset = (await data_of(RESET, variables, admin))["resetPassword"]
    assert reset["temporaryPassword"] == "t3mp-pass"
    assert (await sign_in("li.ming", "t3mp-pass"))["errors"] == [
        {"code": "PASSWORD_CHANGE_REQUIRED"}
    ]


@pytest.mark.parametrize(
    ("target", "temporary", "problem"),
    [
        ("user", "short", ("WEAK_PASSWORD", "temporaryPassword")),
        ("missing", None, ("USER_NOT_FOUND", "user")),
        ("wrong type", None, ("USER_NOT_FOUND", "user")),
        ("2**70", None, ("USER_NOT_FOUND", "user")),
    ],
)
async def test_a_bad_reset_is_coded_and_changes_nothing(
    target: str, temporary: str | None, problem: tuple[str, str]
) -> None:
    user, principal = await make_user("li.ming")
    pair = await signed_in(principal, "li.ming")
    _, admin = await make_user("boss", Role.ADMIN)
    node_id = {
        "user": to_base64("User", user.id),
        "missing": to_base64("User", 999_999),
        "wrong type": to_base64("District", user.id),
        "2**70": to_base64("User", 2**70),
    }[target]

    variables = {"input": {"user": node_id, "temporaryPassword": temporary}}
    reset = (await data_of(RESET, variables, admin))["resetPassword"]

    assert reset == {
        "user": None,
        "temporaryPassword": None,
        "errors": [{"code": problem[0], "field": problem[1]}],
    }
    assert await accounts.authenticate(pair.access_token) is not None
    assert not (await User.get(id=user.id)).must_change_password


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (None, "NOT_AUTHENTICATED"),
        (Role.RESIDENT, "NOT_PERMITTED"),
        (Role.DISPATCHER, "NOT_PERMITTED"),
        (Role.WALL_DISPLAY, "NOT_PERMITTED"),
    ],
)
async def test_only_administrators_reset_passwords(role: Role | None, code: str) -> None:
    user, principal = await make_user("li.ming")
    pair = await signed_in(principal, "li.ming")
    caller = Principal()
    if role is not None:
        _, caller = await make_user("caller", role)

    result = await gql(RESET, {"input": {"user": to_base64("User", user.id)}}, caller)

    assert error_codes(result) == [code]
    assert await accounts.authenticate(pair.access_token) is not None


async def test_an_api_client_cannot_reset_passwords() -> None:
    user, _ = await make_user("li.ming")
    client, _ = await accounts.create_api_client("app", list(Scope.ALL))
    caller = Principal(api_client_id=client.id, scopes=frozenset(Scope.ALL))
    result = await gql(RESET, {"input": {"user": to_base64("User", user.id)}}, caller)
    assert error_codes(result) == ["NOT_PERMITTED"]


async def test_a_reset_lifts_the_sign_in_throttle() -> None:
    # given an account throttled by someone guessing
    user, _ = await make_user("li.ming")
    for n in range(12):
        await sign_in("li.ming", f"guess-{n}")
    assert (await sign_in("li.ming", PASSWORD))["errors"] == [{"code": "TOO_MANY_ATTEMPTS"}]

    # when an administrator resets the password
    _, admin = await make_user("boss", Role.ADMIN)
    variables = {"input": {"user": to_base64("User", user.id)}}
    temporary = (await data_of(RESET, variables, admin))["resetPassword"]["temporaryPassword"]

    # then the person can sign in with it at once
    assert (await sign_in("li.ming", temporary))["errors"] == [{"code": "PASSWORD_CHANGE_REQUIRED"}]
