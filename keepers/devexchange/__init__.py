"""``devexchange``: a local centralized exchange that speaks Binance's spot REST API and OKX's v5, so the
ccxt price source (and later the venues' order books) runs and is tested on one machine, never the
internet. Development harness: no runtime module imports it.

- :mod:`keepers.devexchange.markets`: its state, markets and tickers (no HTTP);
- :mod:`keepers.devexchange.binance`: Binance's wire format of that state;
- :mod:`keepers.devexchange.okx` and :mod:`keepers.devexchange.okx_signed`: OKX's v5 format of
  the same state (``/api/v5/...``), on the same books and accounts;
- :mod:`keepers.devexchange.server`: :class:`~keepers.devexchange.server.DevExchange`, the HTTP
  server on loopback, and how it misbehaves on request (HTTP errors, malformed JSON, delays).
"""
