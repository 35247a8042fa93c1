"""Users administration: the `users` list and createUser, disableUser / enableUser, grantRole /
revokeRole — who may call them (in-process, over HTTP, through `node`), what each changes and
audits, and that bad input is coded and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from strawberry import relay

from api.app import create_app
from models.accounts import Role, User
from models.audit import AuditEntry
from models.events import Event
from services import accounts, api_clients, audit
from services.accounts import users
from services.common.principal import Principal, Scope
from tests.conftest import Backend
from tests.support import count_statements, data_of, error_codes, gql, make_user

PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
USERS = """
query ($filter: UserFilter, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id username displayName roles disabled mustChangePassword }
  }
}"""
CREATE = """
mutation ($input: CreateUserInput!) {
  createUser(input: $input) {
    user { username displayName roles disabled mustChangePassword }
    initialPassword
    errors { code field }
  }
}"""
DISABLE = """
mutation ($input: UserInput!) {
  disableUser(input: $input) { user { username disabled } errors { code field } }
}"""
ENABLE = """
mutation ($input: UserInput!) {
  enableUser(input: $input) { user { username disabled } errors { code field } }
}"""
GRANT = """
mutation ($input: UserRoleInput!) {
  grantRole(input: $input) { user { username roles } errors { code field } }
}"""
REVOKE = """
mutation ($input: UserRoleInput!) {
  revokeRole(input: $input) { user { username roles } errors { code field } }
}"""
LOGIN = """
mutation ($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) {
    token passwordChangeToken errors { code }
  }
}"""
NODE = "query ($id: ID!) { node(id: $id) { ... on User { username disabled } } }"


def gid(user: User | int) -> str:
    return str(relay.GlobalID("User", str(user if isinstance(user, int) else user.id)))


async def entries(action: str) -> list[AuditEntry]:
    return list(await AuditEntry.filter(action=action).order_by("id"))


async def admin() -> Principal:
    return (await make_user("wang.admin", Role.ADMIN))[1]


# Every operation of this module, with variables that would succeed for an administrator.
async def _operations() -> list[tuple[str, dict[str, Any]]]:
    target, _ = await make_user("zhang.san", Role.RESIDENT, Role.VOLUNTEER)
    one = {"input": {"user": gid(target)}}
    role = {"input": {"user": gid(target), "role": "VOLUNTEER"}}
    new = {"input": {"username": "li.si", "roles": ["RESIDENT"]}}
    return [
        (USERS, {}),
        (CREATE, new),
        (DISABLE, one),
        (ENABLE, one),
        (GRANT, role),
        (REVOKE, role),
    ]


async def _outsiders() -> list[Principal]:
    people = [(await make_user(f"who.{r.value.lower()}", r))[1] for r in Role if r != Role.ADMIN]
    client, _ = await api_clients.create_api_client("everything app", list(Scope.ALL))
    return [*people, Principal(api_client_id=client.id, scopes=frozenset(Scope.ALL))]


async def test_only_an_administrator_lists_and_changes_users() -> None:
    operations = await _operations()
    outsiders = await _outsiders()
    for document, variables in operations:
        # anonymous callers are asked to sign in; everyone but an administrator is refused
        assert error_codes(await gql(document, variables)) == ["NOT_AUTHENTICATED"]
        for principal in outsiders:
            refused = await gql(document, variables, principal)
            assert error_codes(refused) == ["NOT_PERMITTED"], (document, principal)
    # and none of the refusals changed anything or left an audit entry
    assert not await User.exists(username="li.si")
    assert await AuditEntry.all().count() == 0
    assert (await User.get(username="zhang.san")).roles == ["RESIDENT", "VOLUNTEER"]


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        yield client


async def test_over_http_too_only_an_administrator_gets_through(http: httpx.AsyncClient) -> None:
    operations = await _operations()
    await make_user("who.dispatcher", Role.DISPATCHER)
    await make_user("wang.admin", Role.ADMIN)
    tokens = {
        name: (await accounts.login(name, PASSWORD)).access_token
        for name in ("who.dispatcher", "wang.admin")
    }
    for document, variables in operations:
        body = {"query": document, "variables": variables}
        anonymous = (await http.post("/graphql", json=body)).json()
        assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["NOT_AUTHENTICATED"]
        headers = {"authorization": f"Bearer {tokens['who.dispatcher']}"}
        refused = (await http.post("/graphql", json=body, headers=headers)).json()
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["NOT_PERMITTED"]
        headers = {"authorization": f"Bearer {tokens['wang.admin']}"}
        allowed = (await http.post("/graphql", json=body, headers=headers)).json()
        assert "errors" not in allowed, allowed
        assert all(v.get("errors", []) == [] for v in allowed["data"].values()), allowed


async def test_through_node_an_account_is_its_owners_and_the_administrators() -> None:
    target, owner = await make_user("zhang.san")
    _, other = await make_user("li.si", Role.DISPATCHER)
    boss = await admin()
    await users.disable(boss, target.id)
    assert (await data_of(NODE, {"id": gid(target)}, other))["node"] is None
    seen = {"username": "zhang.san", "disabled": True}
    assert (await data_of(NODE, {"id": gid(target)}, boss))["node"] == seen
    assert (await data_of(NODE, {"id": gid(target)}, owner))["node"] == seen


async def test_the_list_filters_by_role_state_and_search() -> None:
    boss = await admin()
    await make_user("chen.dispatch", Role.DISPATCHER)
    await make_user("org.chen", Role.ORG_ADMIN, Role.VOLUNTEER)
    gone, _ = await make_user("zhou.resident")
    await users.disable(boss, gone.id)

    async def names(**filter: Any) -> list[str]:
        found = (await data_of(USERS, {"filter": filter}, boss))["users"]
        return [n["username"] for n in found["nodes"]]

    # ADMIN is not mistaken for ORG_ADMIN, though one name ends the other
    assert await names(role="ADMIN") == ["wang.admin"]
    assert await names(role="ORG_ADMIN") == ["org.chen"]
    assert await names(role="VOLUNTEER") == ["org.chen"]
    assert await names(disabled=True) == ["zhou.resident"]
    assert await names(disabled=False) == ["wang.admin", "chen.dispatch", "org.chen"]
    assert await names(search="CHEN") == ["chen.dispatch", "org.chen"]
    assert await names(search="chen", role="DISPATCHER") == ["chen.dispatch"]
    assert await names(search="100%") == []


@pytest.mark.parametrize("search", ["", "   ", "x" * 65])
async def test_a_bad_search_is_a_coded_error(search: str) -> None:
    result = await gql(USERS, {"filter": {"search": search}}, await admin())
    assert error_codes(result) == ["INVALID_SEARCH"]


async def test_the_list_costs_the_same_statements_for_1_and_100_users() -> None:
    boss = await admin()
    counts = []
    for extra in (0, 99):
        for n in range(extra):
            await User.create(
                username=f"bulk{n}", password_hash="x", display_name=f"Bulk {n}", roles=["RESIDENT"]
            )
        with count_statements() as counter:
            found = (await data_of(USERS, {"first": 100}, boss))["users"]
        assert len(found["nodes"]) == extra + 1 and found["totalCount"] == extra + 1
        counts.append(len(counter.statements))
    assert counts[0] == counts[1]


async def test_pages_follow_each_other() -> None:
    boss = await admin()
    for n in range(4):
        await make_user(f"person{n}")
    first = (await data_of(USERS, {"first": 3}, boss))["users"]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    rest = (await data_of(USERS, {"first": 3, "after": after}, boss))["users"]
    assert [n["username"] for n in first["nodes"] + rest["nodes"]] == [
        "wang.admin",
        *(f"person{n}" for n in range(4)),
    ]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_a_created_account_shows_its_generated_password_once_and_must_change_it() -> None:
    boss = await admin()
    variables = {"input": {"username": "desk.li", "displayName": " Li ", "roles": ["DISPATCHER"]}}

    created = (await data_of(CREATE, variables, boss))["createUser"]

    assert created["errors"] == []
    assert created["user"] == {
        "username": "desk.li",
        "displayName": "Li",
        "roles": ["DISPATCHER"],
        "disabled": False,
        "mustChangePassword": True,
    }
    password = created["initialPassword"]
    assert len(password) >= 16
    # signing in with it yields only a password change
    signed_in = (await data_of(LOGIN, {"username": "desk.li", "password": password}))["login"]
    assert signed_in["token"] is None and signed_in["passwordChangeToken"]
    assert [e["code"] for e in signed_in["errors"]] == ["PASSWORD_CHANGE_REQUIRED"]
    # the audit log has the new account and the administrator, never the password
    [entry] = await entries("createUser")
    assert (entry.actor_label, entry.object_type, entry.before) == ("wang.admin", "User", None)
    assert entry.after == {
        "username": "desk.li",
        "display_name": "Li",
        "roles": ["DISPATCHER"],
        "is_active": True,
        "must_change_password": True,
    }
    assert password not in str(entry.after) and "password_hash" not in entry.after


async def test_a_given_first_password_is_not_echoed_and_must_be_changed_too() -> None:
    variables = {
        "input": {"username": "desk.li", "roles": ["RESIDENT"], "initialPassword": "first-pass-77"}
    }
    created = (await data_of(CREATE, variables, await admin()))["createUser"]
    assert created["errors"] == [] and created["initialPassword"] is None
    signed_in = await data_of(LOGIN, {"username": "desk.li", "password": "first-pass-77"})
    assert [e["code"] for e in signed_in["login"]["errors"]] == ["PASSWORD_CHANGE_REQUIRED"]


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"username": "no"}, [("INVALID_USERNAME", "username")]),
        ({"initialPassword": "12345678"}, [("WEAK_PASSWORD", "initialPassword")]),
        ({"roles": []}, [("INVALID_ROLE", "roles")]),
        ({"roles": ["WALL_DISPLAY", "DISPATCHER"]}, [("WALL_ACCOUNT", "roles")]),
        ({"displayName": "名" * 65}, [("INVALID_DISPLAY_NAME", "displayName")]),
        (
            {"username": "x", "roles": []},
            [("INVALID_USERNAME", "username"), ("INVALID_ROLE", "roles")],
        ),
        ({"username": "wang.admin"}, [("USERNAME_TAKEN", "username")]),
    ],
)
async def test_bad_input_to_create_user_is_coded_and_creates_nothing(
    changes: dict[str, Any], codes: list[tuple[str, str]]
) -> None:
    boss = await admin()
    before = await User.all().count()
    variables = {"input": {"username": "desk.li", "roles": ["RESIDENT"], **changes}}
    created = (await data_of(CREATE, variables, boss))["createUser"]
    assert [(e["code"], e["field"]) for e in created["errors"]] == codes
    assert created["user"] is None and created["initialPassword"] is None
    assert await User.all().count() == before
    assert await AuditEntry.all().count() == 0


async def test_a_disabled_account_cannot_sign_in_refresh_or_use_its_tokens() -> None:
    target, _ = await make_user("zhang.san")
    pair = await accounts.login("zhang.san", PASSWORD)
    boss = await admin()

    disabled = (await data_of(DISABLE, {"input": {"user": gid(target)}}, boss))["disableUser"]

    assert disabled == {"user": {"username": "zhang.san", "disabled": True}, "errors": []}
    assert await accounts.authenticate(pair.access_token) is None
    with pytest.raises(accounts.DomainError) as refused:
        await accounts.refresh(pair.refresh_token)
    assert refused.value.problems[0].code.value == "INVALID_TOKEN"
    login = (await data_of(LOGIN, {"username": "zhang.san", "password": PASSWORD}))["login"]
    assert [e["code"] for e in login["errors"]] == ["INVALID_CREDENTIALS"]
    [entry] = await entries("disableUser")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["is_active"], entry.after["is_active"]) == (True, False)
    # and every process hears of it, for the account's open connections
    [event] = await Event.filter(type=users.USER_CHANGED)
    assert event.payload == {"userId": target.id, "change": "disableUser"}

    # when it is enabled again, the person signs in anew; the old session stays ended
    enabled = (await data_of(ENABLE, {"input": {"user": gid(target)}}, boss))["enableUser"]
    assert enabled == {"user": {"username": "zhang.san", "disabled": False}, "errors": []}
    assert (await accounts.login("zhang.san", PASSWORD)).user.id == target.id
    assert await accounts.authenticate(pair.access_token) is None
    [entry] = await entries("enableUser")
    assert entry.after is not None and entry.after["is_active"] is True


async def test_repeating_a_change_changes_nothing_and_audits_nothing() -> None:
    target, _ = await make_user("zhang.san", Role.VOLUNTEER)
    boss = await admin()
    await users.disable(boss, target.id)
    await users.disable(boss, target.id)
    await users.enable(boss, target.id)
    await users.enable(boss, target.id)
    await users.grant_role(boss, target.id, Role.VOLUNTEER)
    await users.revoke_role(boss, target.id, Role.DISPATCHER)
    actions = [e.action for e in await AuditEntry.all().order_by("id")]
    assert actions == ["disableUser", "enableUser"]


async def test_roles_are_granted_and_revoked_with_their_audit_entries() -> None:
    target, _ = await make_user("zhang.san")
    boss = await admin()
    role = {"input": {"user": gid(target), "role": "DISPATCHER"}}

    granted = (await data_of(GRANT, role, boss))["grantRole"]
    both = {"username": "zhang.san", "roles": ["RESIDENT", "DISPATCHER"]}
    assert granted == {"user": both, "errors": []}
    # a role takes effect on the next request: it is read with the account, not the token
    pair = await accounts.login("zhang.san", PASSWORD)
    principal = await accounts.authenticate(pair.access_token)
    assert principal is not None and principal.roles == {Role.RESIDENT, Role.DISPATCHER}
    revoked = (await data_of(REVOKE, role, boss))["revokeRole"]
    assert revoked == {"user": {"username": "zhang.san", "roles": ["RESIDENT"]}, "errors": []}

    grant, revoke = await entries("grantRole"), await entries("revokeRole")
    assert [(e.before, e.after) for e in grant + revoke] == [
        (
            {**_snapshot(target), "roles": ["RESIDENT"]},
            {**_snapshot(target), "roles": ["RESIDENT", "DISPATCHER"]},
        ),
        (
            {**_snapshot(target), "roles": ["RESIDENT", "DISPATCHER"]},
            {**_snapshot(target), "roles": ["RESIDENT"]},
        ),
    ]


def _snapshot(user: User) -> dict[str, Any]:
    return audit.snapshot(user, users.AUDITED)


async def test_a_revoked_role_is_gone_from_the_next_request_of_a_token_in_hand() -> None:
    target, _ = await make_user("zhang.san", Role.RESIDENT, Role.DISPATCHER)
    pair = await accounts.login("zhang.san", PASSWORD)
    await users.revoke_role(await admin(), target.id, Role.DISPATCHER)
    principal = await accounts.authenticate(pair.access_token)
    assert principal is not None and principal.roles == {Role.RESIDENT}


async def test_a_wall_screens_account_never_gains_a_role() -> None:
    screen = await User.create(
        username="wall-center-1", password_hash="x", display_name="Wall", roles=["WALL_DISPLAY"]
    )
    person, _ = await make_user("zhang.san")
    boss = await admin()
    for user, role in ((screen, "DISPATCHER"), (screen, "ADMIN"), (person, "WALL_DISPLAY")):
        variables = {"input": {"user": gid(user), "role": role}}
        refused = (await data_of(GRANT, variables, boss))["grantRole"]
        assert refused == {"user": None, "errors": [{"code": "WALL_ACCOUNT", "field": "role"}]}
    assert (await User.get(id=screen.id)).roles == ["WALL_DISPLAY"]
    assert (await User.get(id=person.id)).roles == ["RESIDENT"]
    assert await AuditEntry.all().count() == 0


async def test_an_administrator_keeps_their_own_account_and_admin_role() -> None:
    me, boss = await make_user("wang.admin", Role.ADMIN)
    await make_user("li.admin", Role.ADMIN)
    own = {"input": {"user": gid(me)}}
    refused = (await data_of(DISABLE, own, boss))["disableUser"]
    assert refused["errors"] == [{"code": "OWN_ACCOUNT", "field": "user"}]
    role = {"input": {"user": gid(me), "role": "ADMIN"}}
    refused = (await data_of(REVOKE, role, boss))["revokeRole"]
    assert refused["errors"] == [{"code": "OWN_ACCOUNT", "field": "role"}]
    # another role of their own they may give up
    await users.grant_role(boss, me.id, Role.DISPATCHER)
    dropped = await data_of(REVOKE, {"input": {"user": gid(me), "role": "DISPATCHER"}}, boss)
    assert dropped["revokeRole"]["errors"] == []
    assert (await User.get(id=me.id)).roles == ["ADMIN"] and (await User.get(id=me.id)).is_active


async def test_the_last_active_administrator_stays_one() -> None:
    # given two administrators, one of them disabled
    last, _ = await make_user("wang.admin", Role.ADMIN)
    other, _ = await make_user("li.admin", Role.ADMIN)
    await users.disable(None, other.id, "cli:root")

    # then the operator cannot disable the remaining one or take their role
    for change in (
        users.disable(None, last.id),
        users.revoke_role(None, last.id, Role.ADMIN),
    ):
        with pytest.raises(accounts.DomainError) as refused:
            await change
        assert refused.value.problems[0].code.value == "LAST_ADMIN"
    assert (await User.get(id=last.id)).roles == ["ADMIN"]
    # but the disabled one's ADMIN role may go: it leaves an active administrator
    await users.grant_role(None, other.id, Role.RESIDENT)
    await users.revoke_role(None, other.id, Role.ADMIN)
    assert (await User.get(id=other.id)).roles == ["RESIDENT"]


async def test_an_account_keeps_one_role() -> None:
    target, _ = await make_user("zhang.san")
    variables = {"input": {"user": gid(target), "role": "RESIDENT"}}
    refused = (await data_of(REVOKE, variables, await admin()))["revokeRole"]
    assert refused["errors"] == [{"code": "LAST_ROLE", "field": "role"}]
    assert (await User.get(id=target.id)).roles == ["RESIDENT"]


@pytest.mark.parametrize(
    "user_id",
    [
        gid(999_999),
        gid(2**40),
        str(relay.GlobalID("District", "1")),
    ],
)
async def test_an_unknown_user_is_a_coded_error(user_id: str) -> None:
    boss = await admin()
    one, role = {"input": {"user": user_id}}, {"input": {"user": user_id, "role": "DISPATCHER"}}
    for document, variables in ((DISABLE, one), (ENABLE, one), (GRANT, role), (REVOKE, role)):
        result = await data_of(document, variables, boss)
        [answer] = result.values()
        assert answer == {"user": None, "errors": [{"code": "USER_NOT_FOUND", "field": "user"}]}


class Boom(Exception):
    pass


async def test_a_change_whose_audit_entry_fails_is_not_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target, _ = await make_user("zhang.san")
    boss = await admin()

    async def failing(**_: Any) -> None:
        raise Boom

    monkeypatch.setattr(audit, "record", failing)
    for change in (
        users.disable(boss, target.id),
        users.grant_role(boss, target.id, Role.DISPATCHER),
        users.create(boss, username="li.si", display_name="", roles=[Role.RESIDENT]),
    ):
        with pytest.raises(Boom):
            await change
    row = await User.get(id=target.id)
    assert (row.is_active, row.roles, row.token_version) == (True, ["RESIDENT"], 0)
    assert not await User.exists(username="li.si")
    assert not await Event.filter(type=users.USER_CHANGED).exists()


async def test_a_password_reset_is_audited_and_announced() -> None:
    target, _ = await make_user("zhang.san")
    from services.accounts import passwords

    await passwords.reset_password(await admin(), target.id)

    [entry] = await entries("resetPassword")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["must_change_password"], entry.after["must_change_password"]) == (
        False,
        True,
    )
    assert entry.actor_label == "wang.admin"
    assert await Event.filter(type=users.USER_CHANGED).count() == 1


async def test_two_administrators_disabling_each_other_at_once_leave_one() -> None:
    # given exactly two active administrators
    first, by_first = await make_user("wang.admin", Role.ADMIN)
    second, by_second = await make_user("li.admin", Role.ADMIN)

    # when each disables the other at the same moment (each in its own transaction)
    outcomes = await asyncio.gather(
        users.disable(by_first, second.id),
        users.disable(by_second, first.id),
        return_exceptions=True,
    )

    # then one change went through and the other was refused: an administrator remains
    refused = [o for o in outcomes if isinstance(o, accounts.DomainError)]
    assert len(refused) == 1, outcomes
    assert refused[0].problems[0].code.value == "LAST_ADMIN"
    active = await User.filter(is_active=True, id__in=[first.id, second.id]).count()
    assert active == 1
    assert await AuditEntry.filter(action="disableUser").count() == 1


async def test_two_administrators_changing_each_other_at_once_both_succeed() -> None:
    first, by_first = await make_user("wang.admin", Role.ADMIN)
    second, by_second = await make_user("li.admin", Role.ADMIN)
    await asyncio.gather(
        users.grant_role(by_first, second.id, Role.DISPATCHER),
        users.grant_role(by_second, first.id, Role.DISPATCHER),
    )
    for user in (first, second):
        assert (await User.get(id=user.id)).roles == ["ADMIN", "DISPATCHER"]
