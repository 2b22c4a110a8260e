"""The chain layer every keeper stands on.

- :mod:`keepers.chain.client`: the node connection, logs in ranges;
- :mod:`keepers.chain.contracts`: typed contract access from the ABIs shipped in ``abi/``;
- :mod:`keepers.chain.sender`: **the one transaction path** (`TxSender`, `SenderPool`), with its
  write-ahead :mod:`~keepers.chain.journal`, :mod:`~keepers.chain.fees` policy,
  :mod:`~keepers.chain.signing` and typed :mod:`~keepers.chain.errors`;
- :mod:`keepers.chain.blocks`: following new heads; :mod:`keepers.chain.keys`: signing keys;
- :mod:`keepers.chain.faults`: the named crash points the fault-injection tests use.
"""
