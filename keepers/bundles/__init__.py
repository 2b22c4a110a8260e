"""Bundles: Flashbots-style relay clients and ``devrelay``, a local relay in front of anvil.

- :mod:`keepers.bundles.signing`: the ``X-Flashbots-Signature`` header (sign, verify).
- :mod:`keepers.bundles.client`: :class:`RelayClient` (callBundle, sendBundle to every
  relay, cancelBundle) and :func:`track_inclusion` (from receipts).
- :mod:`keepers.bundles.devrelay`: :class:`DevRelay` and :func:`serve_devrelay`
  (:mod:`keepers.bundles.pool`: the bundles it holds until their block).
- :mod:`keepers.bundles.builder`: how the devrelay builds a block on anvil
  (:mod:`keepers.bundles.node`: its JSON-RPC to anvil).
- :mod:`keepers.bundles.models`, :mod:`keepers.bundles.transactions`: the wire format
  and the decoded transactions both ends share; :mod:`keepers.bundles.jsonsafe`: parsing
  untrusted JSON without crashing.
"""
