"""``venues``: centralized exchanges through ccxt, typed and exact.

- :mod:`keepers.venues.models`: the settings of a venue (keys as secrets) and what it answers
  (order books, balances, fees, orders, fills), every amount a ``Decimal``;
- :mod:`keepers.venues.errors`: the few errors a venue call ends in, each one line;
- :mod:`keepers.venues.cex`: :class:`~keepers.venues.cex.CexVenue`, the adapter over ccxt;
- :mod:`keepers.venues.polling`: an order book followed by polling at an adaptive interval.
"""
