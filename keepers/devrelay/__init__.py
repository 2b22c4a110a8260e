"""``devrelay``: a local relay in front of anvil that speaks the Flashbots JSON-RPC, so the whole bundle
path runs and is tested on one machine. Development harness: no runtime module imports it.

- :mod:`keepers.devrelay.relay`: :class:`~keepers.devrelay.relay.DevRelay` and
  :func:`~keepers.devrelay.relay.serve_devrelay` (``keepers run devrelay``);
- :mod:`keepers.devrelay.pool`: the bundles it holds until their block;
- :mod:`keepers.devrelay.builder`: how it builds a block on anvil, all of a bundle or none of it;
- :mod:`keepers.devrelay.node`: its JSON-RPC to anvil.

The wire format and the transaction decoding it shares with the relay client live in
:mod:`keepers.bundles`.
"""
