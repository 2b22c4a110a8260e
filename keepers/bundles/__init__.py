"""Bundles: the Flashbots-style relay client, and the wire format relays and clients share.

- :mod:`keepers.bundles.signing`: the ``X-Flashbots-Signature`` header (sign, verify).
- :mod:`keepers.bundles.client`: :class:`RelayClient` (callBundle, sendBundle to every
  relay, cancelBundle) and :func:`track_inclusion` (from receipts).
- :mod:`keepers.bundles.models`, :mod:`keepers.bundles.transactions`: the wire format
  and the decoded transactions both ends share; :mod:`keepers.bundles.jsonsafe`: parsing
  untrusted JSON without crashing.

The local relay that serves these on one machine is :mod:`keepers.devrelay` (harness).
"""
