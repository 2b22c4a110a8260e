"""POST /api/quote on the running system: behind the operator's token, a malformed or untradable
route refused with what is wrong, and a quote that equals what the chain's router quotes at the
block it names (the quote's own chain tests: tests/arb/e2e/test_quote.py)."""

from __future__ import annotations

import pytest

from keepers.chain.contracts import Contract, abi
from tests.api.conftest import TOKEN

E18 = 10**18


def quote(running_system, body: dict, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return running_system.http.post("/api/quote", json=body, headers=headers)


def body(running_system, *pools: str, amount: int = E18) -> dict:
    book = running_system.book
    return {"route": [book.address(p) for p in pools], "token": book.address("WETH"), "amount_in": str(amount)}


def test_a_path_quote_is_what_the_router_quotes_at_its_block(running_system):
    book = running_system.book
    head = running_system.w3.eth.block_number
    answer = quote(running_system, body(running_system, "uniswap_v2:WETH/DAI", "uniswap_v2:DAI/USDC") | {"block": head})

    assert answer.status_code == 200, answer.text
    q = answer.json()
    router = Contract(running_system.w3, book.address("uniswap_v2_router"), abi("UniswapV2Router02"))
    path = [book.address(s) for s in ("WETH", "DAI", "USDC")]
    expected = router.call("getAmountsOut", E18, path, block=head)
    assert q["block"] == head and not q["cycle"] and q["simulation"] is None
    assert [int(q["amount_in"])] + [int(h["amount_out"]) for h in q["hops"]] == list(expected)
    assert [h["kind"] for h in q["hops"]] == ["uniswap_v2", "uniswap_v2"]


def test_an_arbitrage_quote_carries_the_loan_fee_and_the_profit(running_system):
    q = quote(running_system, body(running_system, "uniswap_v2:WETH/DAI", "v2b:WETH/DAI") | {"lender": "aave"}).json()

    assert q["cycle"] and q["lender"] == "aave" and int(q["loan_fee"]) > 0
    assert int(q["gross_profit"]) == int(q["amount_out"]) - E18 - int(q["loan_fee"])


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"route": ["0x" + "12" * 20]}, 422, "not registered with the arb child"),
        ({"route": ["not-an-address"]}, 422, "route"),
        ({"amount_in": "0"}, 422, "amount_in"),
        ({"amount_in": "1.5"}, 422, "amount_in"),
        ({"lender": "bank"}, 422, "lender"),
        ({"surprise": 1}, 422, "surprise"),
        ({"route": []}, 422, "route"),
    ],
    ids=["unknown pool", "bad address", "zero", "fraction", "lender", "unknown field", "empty route"],
)
def test_a_bad_quote_request_says_what_is_wrong(running_system, change, status, says):
    answer = quote(running_system, body(running_system, "uniswap_v2:WETH/DAI") | change)
    assert answer.status_code == status and says in answer.text, answer.text


def test_quotes_need_the_operators_token(running_system):
    request = body(running_system, "uniswap_v2:WETH/DAI")
    assert quote(running_system, request, token=None).status_code == 401
    assert quote(running_system, request, token="wrong").status_code == 403
