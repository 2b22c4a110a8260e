"""The arb journal: a standing opportunity retried with the very same signed transaction (same nonce,
state and fees) takes over that transaction's row; a transaction still in flight or landed never does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from keepers.arb.execution import ArbOrder
from keepers.arb.journal import ArbJournal
from keepers.markets.cycles import Cycle, Hop
from keepers.store.db import Store
from keepers.store.models import Bundle

A, B, WETH, DAI = ("0x" + c * 40 for c in "abcd")
TX = "0x" + "12" * 32


def order() -> ArbOrder:
    cycle = Cycle((Hop(A, WETH, DAI, True), Hop(B, DAI, WETH, False)))
    return ArbOrder(cycle, 10**18, "balancer", 0, 10**18 + 5 * 10**15)


@pytest.fixture
def journal(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'arb.db'}")
    yield ArbJournal(store, 1)
    store.close()


def test_the_same_transaction_signed_again_takes_over_its_expired_row(journal):
    first = journal.found(10, order(), None)
    bundle = journal.submitting(first, A, 0, TX, "0x02", 11, 11, "u1")
    with pytest.raises(ValueError, match="already submitting"):
        journal.submitting(first, A, 0, TX, "0x02", 12, 12, "u2")
    journal.expired(bundle, "not included by block 11")

    second = journal.found(12, order(), None)
    again = journal.submitting(second, A, 0, TX, "0x02", 13, 13, "u3")

    assert again == bundle
    with journal.store.transaction() as session:
        row = session.scalars(select(Bundle)).one()
        assert (row.opportunity_id, row.first_block, row.status) == (second, 13, "submitting")
    journal.landed(again, 13, 100_000, 10**9, 5 * 10**15)
    with pytest.raises(ValueError, match="already landed"):
        journal.submitting(journal.found(14, order(), None), A, 0, TX, "0x02", 15, 15, "u4")
