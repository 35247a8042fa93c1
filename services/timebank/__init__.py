"""The community service bank (社区服务银行, "serve to be served"): confirmed hours are deposited
as credits, which a volunteer may give to another volunteer (a family member), donate to a
community's pool, or spend on a service order for themselves or a family member.

The one way in for the rest of the code; the parts live in modules named by what they hold:
`timebank.rules` (limits, input checks, error codes), `timebank.accounts` (opening accounts,
who sees an account or a transfer), `timebank.ledger` (double entry under row locks,
idempotency keys, the ledger check), `timebank.family` (registered relatives),
`timebank.transfers` (transfer, donate), `timebank.spending` (buying a service order),
`timebank.refunds` (giving it back when the order is cancelled or expires; dispatch calls it
directly, as this module imports dispatch), `timebank.deposits` (credits for confirmed
service), `timebank.statements` (statements, CSV) and `timebank.lookups` (DataLoader batches).
"""

from __future__ import annotations

from services.timebank.accounts import (
    bank_account,
    community_account,
    may_view,
    my_account,
    visible_transfers,
    volunteer_account,
)
from services.timebank.deposits import deposit_for_record
from services.timebank.family import (
    NewFamilyMember,
    confirm_family_member,
    family_links_of,
    may_view_family_member,
    register_family_member,
    remove_family_member,
)
from services.timebank.ledger import TIME_TRANSFERRED, LedgerCheck, account_topic, verify_ledger
from services.timebank.rules import credits_for
from services.timebank.spending import Place, Purchase, Spent, spend
from services.timebank.statements import Statement, StatementLine, statement, statement_csv
from services.timebank.transfers import donate, transfer

__all__ = [
    "TIME_TRANSFERRED",
    "LedgerCheck",
    "NewFamilyMember",
    "Place",
    "Purchase",
    "Spent",
    "Statement",
    "StatementLine",
    "account_topic",
    "bank_account",
    "community_account",
    "confirm_family_member",
    "credits_for",
    "deposit_for_record",
    "donate",
    "family_links_of",
    "may_view",
    "may_view_family_member",
    "my_account",
    "register_family_member",
    "remove_family_member",
    "spend",
    "statement",
    "statement_csv",
    "transfer",
    "verify_ledger",
    "visible_transfers",
    "volunteer_account",
]
