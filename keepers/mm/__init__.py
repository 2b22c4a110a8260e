"""Market making: keep a pool on its reference price from many wallets and lay a liquidity ladder.

``contract`` reads and encodes the ``mm`` child diamond's MarketMakingFacet, which owns the
ladder's Uniswap V3 positions and funds the correcting wallets within the owner's caps.
"""
