"""`keepers up`'s market maker: its correcting wallets (derived from a fresh mnemonic) and the `mm`
child funded from the local world's tokens, and the opening price of the development exchange's
ticker (the pool's own price, so the market starts in the band)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from eth_account import Account
from web3 import Web3

from keepers.chain.contracts import Contract
from keepers.chain.pools import V3_POOL
from keepers.markets.spot import v3_spot
from keepers.mm.service import derive_wallets
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook
from keepers.world.settings import MM_POOL

E18 = 10**18
WALLET_FUNDS = {"ETH": 100 * E18, "WETH": 150 * E18, "USDC": 500_000 * 10**6}
CHILD_FUNDS = {"WETH": 150 * E18, "USDC": 450_000 * 10**6}


@dataclass(frozen=True)
class MarketMakerKeys:
    mnemonic: str
    wallets: tuple[str, ...]


def fund_market_maker(
    w3: Web3, book: AddressBook, artifacts: ArtifactStore, child: str, wallets: int
) -> MarketMakerKeys:
    """A fresh mnemonic, its first `wallets` accounts holding ETH, WETH and USDC, and the child's
    ladder funds; every transaction from the node's first (unlocked) account, mined before return."""
    Account.enable_unaudited_hdwallet_features()
    _, mnemonic = Account.create_with_mnemonic()
    accounts = derive_wallets(mnemonic, wallets)
    deployer = {"from": w3.eth.accounts[0]}
    weth = w3.eth.contract(book.address("WETH"), abi=artifacts.abi("WETH9"))
    usdc = w3.eth.contract(book.address("USDC"), abi=artifacts.abi("MintableERC20"))
    holders = [(a.address, WALLET_FUNDS) for a in accounts] + [(Web3.to_checksum_address(child), CHILD_FUNDS)]
    hashes = []
    for address, funds in holders:
        if "ETH" in funds:
            w3.provider.make_request("anvil_setBalance", [address, hex(funds["ETH"])])
        hashes.append(weth.functions.deposit().transact(deployer | {"value": funds["WETH"]}))
        hashes.append(weth.functions.transfer(address, funds["WETH"]).transact(deployer))
        hashes.append(usdc.functions.mint(address, funds["USDC"]).transact(deployer))
    for tx_hash in hashes:
        if w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)["status"] != 1:
            raise RuntimeError(f"funding the market maker: transaction {tx_hash.to_0x_hex()} reverted")
    return MarketMakerKeys(mnemonic, tuple(a.address for a in accounts))


def opening_price(w3: Web3, book: AddressBook) -> Decimal:
    """The market pool's price in USDC per ETH, to the cent (the exchange's ticker opens there)."""
    sqrt_price = Contract(w3, book.address(MM_POOL), V3_POOL).call("slot0")[0]
    weth_is_token0 = book.pools[MM_POOL].tokens[0] == "WETH"
    price = v3_spot(sqrt_price, weth_is_token0) * Fraction(
        10 ** book.token("WETH").decimals, 10 ** book.token("USDC").decimals
    )
    return (Decimal(price.numerator) / Decimal(price.denominator)).quantize(Decimal("0.01"))
