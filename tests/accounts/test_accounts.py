"""Sign-up, sign-in, token refresh and revocation, API keys."""

from __future__ import annotations

import pytest

from models.accounts import Role, User
from services import accounts
from services.common.principal import Scope
from tests.support import data_of, gql

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token refreshToken user { username roles } errors { code field } }
}"""
LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token refreshToken expiresAt user { username } errors { code message } }
}"""
REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(input: {refreshToken: $token}) { token errors { code field } }
}"""
ME = "{ me { username displayName roles } }"


async def test_sign_up_creates_a_resident_and_signs_in() -> None:
    data = await data_of(
        SIGN_UP,
        {"input": {"username": "li.ming", "password": "s3cure-pass", "displayName": "李明"}},
    )
    payload = data["signUp"]
    assert payload["errors"] == []
    assert payload["user"] == {"username": "li.ming", "roles": ["RESIDENT"]}
    principal = await accounts.authenticate(payload["token"])
    assert principal is not None and principal.roles == frozenset({Role.RESIDENT})


@pytest.mark.parametrize(
    ("username", "password", "codes"),
    [
        ("x", "s3cure-pass", ["INVALID_USERNAME"]),
        ("li.ming", "12345678", ["WEAK_PASSWORD"]),
        ("li.ming", "short", ["WEAK_PASSWORD"]),
        ("li.ming", "LI.MING", ["WEAK_PASSWORD"]),
        ("no spaces", "1234", ["INVALID_USERNAME", "WEAK_PASSWORD"]),
    ],
)
async def test_sign_up_rejects_bad_credentials_and_creates_nothing(
    username: str, password: str, codes: list[str]
) -> None:
    data = await data_of(SIGN_UP, {"input": {"username": username, "password": password}})
    assert [e["code"] for e in data["signUp"]["errors"]] == codes
    assert data["signUp"]["token"] is None
    assert await User.all().count() == 0


async def test_sign_up_with_a_taken_username_is_a_coded_error() -> None:
    await accounts.create_user("li.ming", "s3cure-pass")
    data = await data_of(SIGN_UP, {"input": {"username": "li.ming", "password": "0ther-pass"}})
    assert data["signUp"]["errors"] == [{"code": "USERNAME_TAKEN", "field": "username"}]
    assert await User.all().count() == 1


async def test_login_then_me_then_refresh() -> None:
    await accounts.create_user("li.ming", "s3cure-pass", "李明", [Role.DISPATCHER])
    login = (await data_of(LOGIN, {"input": {"username": "li.ming", "password": "s3cure-pass"}}))[
        "login"
    ]
    assert login["errors"] == [] and login["user"] == {"username": "li.ming"}
    principal = await accounts.authenticate(login["token"])
    assert principal is not None
    me = await data_of(ME, principal=principal)
    assert me["me"] == {"username": "li.ming", "displayName": "李明", "roles": ["DISPATCHER"]}

    refreshed = (await data_of(REFRESH, {"token": login["refreshToken"]}))["refreshToken"]
    assert refreshed["errors"] == [] and refreshed["token"]
    # An access token is not a refresh token.
    wrong = (await data_of(REFRESH, {"token": login["token"]}))["refreshToken"]
    assert wrong == {"token": None, "errors": [{"code": "INVALID_TOKEN", "field": "token"}]}


@pytest.mark.parametrize(
    ("username", "password"), [("li.ming", "wrong-pass"), ("nobody", "s3cure-pass")]
)
async def test_login_failure_does_not_say_which_part_was_wrong(
    username: str, password: str
) -> None:
    await accounts.create_user("li.ming", "s3cure-pass")
    data = await data_of(LOGIN, {"input": {"username": username, "password": password}})
    assert data["login"]["token"] is None
    assert data["login"]["errors"] == [
        {"code": "INVALID_CREDENTIALS", "message": "Unknown username or wrong password."}
    ]


async def test_deactivated_or_revoked_accounts_lose_their_tokens() -> None:
    user = await accounts.create_user("li.ming", "s3cure-pass")
    pair = await accounts.login("li.ming", "s3cure-pass")
    assert await accounts.authenticate(pair.access_token) is not None
    user.token_version += 1
    await user.save()
    assert await accounts.authenticate(pair.access_token) is None
    assert await accounts.authenticate("not-a-token") is None
    assert await accounts.authenticate(None) is not None  # anonymous, not invalid


async def test_me_is_null_when_anonymous() -> None:
    assert (await data_of(ME))["me"] is None


async def test_api_keys_are_shown_once_stored_hashed_and_checked() -> None:
    client, key = await accounts.create_api_client("national volunteer cloud", [Scope.READ])
    assert key not in (client.key_hash, client.key_prefix)
    principal = await accounts.authenticate(key)
    assert principal is not None and principal.api_client_id == client.id
    assert principal.scopes == frozenset({Scope.READ})
    assert await accounts.authenticate(key[:-2] + "xx") is None
    client.enabled = False
    await client.save()
    assert await accounts.authenticate(key) is None


async def test_unknown_scopes_are_refused() -> None:
    with pytest.raises(accounts.DomainError) as raised:
        await accounts.create_api_client("app", ["read", "everything"])
    assert raised.value.problems[0].field == "scopes"


async def test_node_shows_accounts_only_to_their_owner_and_admins() -> None:
    user = await accounts.create_user("li.ming", "s3cure-pass")
    other = await accounts.create_user("wang.fang", "s3cure-pass")
    admin = await accounts.create_user("boss", "s3cure-pass", roles=[Role.ADMIN])
    from strawberry.relay import to_base64

    node = "query($id: ID!) { node(id: $id) { ... on User { username } } }"
    variables = {"id": to_base64("User", user.id)}
    assert (await data_of(node, variables, accounts.principal_for(user)))["node"] == {
        "username": "li.ming"
    }
    assert (await data_of(node, variables, accounts.principal_for(admin)))["node"] is not None
    result = await gql(node, variables, accounts.principal_for(other))
    assert result.data == {"node": None}


@pytest.mark.parametrize(
    ("subject", "user_id"),
    [
        ("1", 1),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        (str(2**70), None),
        ("abc", None),
        ("-1", None),
        ("0", None),
        ("1.5", None),
        ("٣", None),
        ("01", None),
        (1, None),
        (None, None),
    ],
)
def test_a_token_subject_names_a_user_id_only_in_the_databases_range(
    subject: object, user_id: int | None
) -> None:
    assert accounts.user_id_of(subject) == user_id
