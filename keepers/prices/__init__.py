"""Reference prices for the market maker: sources that each answer a dated quote or say why not,
and the rule that makes one price of them.

A price is an exact ``Fraction`` of quote-token base units per base-token base unit, as in
:mod:`keepers.markets.spot`.

- :mod:`keepers.prices.quote`: :class:`~keepers.prices.quote.Quote`, the
  :class:`~keepers.prices.quote.PriceSource` base, :class:`~keepers.prices.quote.PriceUnavailable`;
- :mod:`keepers.prices.pool`: a pool's spot price on another chain, over a second RPC;
- :mod:`keepers.prices.twap`: a pool's time-weighted price (V3 ``observe``, V2 cumulative prices);
- :mod:`keepers.prices.cex`: an exchange's ticker through ccxt;
- :mod:`keepers.prices.reference`: the combination rule (median of live sources, band, minimum);
- :mod:`keepers.prices.settings`: the pydantic settings; :mod:`keepers.prices.sources` builds from them.

See ``docs/prices.md``.
"""
