"""The community service bank (社区服务银行, "serve to be served"): confirmed hours are deposited
as credits, which a volunteer may give to another volunteer (a family member), donate to a
community's pool, or spend on service for themselves.

The one way in for the rest of the code; the parts live in modules named by what they hold:
`timebank_rules` (limits, input checks, error codes), `timebank_accounts` (opening accounts,
who sees one), `timebank_ledger` (double entry under row locks, idempotency keys, the ledger
check), `timebank_transfers` (transfer, donate, spend), `timebank_deposits` (credits for
confirmed service) and `timebank_statements` (statements and CSV).
"""

from __future__ import annotations

from services.timebank_accounts import (
    bank_account,
    community_account,
    may_view,
    my_account,
    volunteer_account,
)
from services.timebank_deposits import deposit_for_record
from services.timebank_ledger import TIME_TRANSFERRED, LedgerCheck, account_topic, verify_ledger
from services.timebank_rules import TimeBankErrorCode, credits_for
from services.timebank_statements import Statement, StatementLine, statement, statement_csv
from services.timebank_transfers import donate, spend, transfer

__all__ = [
    "TIME_TRANSFERRED",
    "LedgerCheck",
    "Statement",
    "StatementLine",
    "TimeBankErrorCode",
    "account_topic",
    "bank_account",
    "community_account",
    "credits_for",
    "deposit_for_record",
    "donate",
    "may_view",
    "my_account",
    "spend",
    "statement",
    "statement_csv",
    "transfer",
    "verify_ledger",
    "volunteer_account",
]
