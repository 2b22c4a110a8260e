"""Market making: keep a pool on its reference price from many wallets and lay a liquidity ladder.

- :mod:`keepers.mm.contract`: reads and encodes the ``mm`` child diamond's MarketMakingFacet, which
  owns the ladder's Uniswap V3 positions and funds the correcting wallets within the owner's caps.
- :mod:`keepers.mm.wallets`: the correcting wallets, each sending its pieces through its own sender.
- :mod:`keepers.mm.ladder`: the ladder's positions drawn from configured ranges.
- :mod:`keepers.mm.journal`: cycles, actions and their token flows; reconciliation and PnL.
"""
