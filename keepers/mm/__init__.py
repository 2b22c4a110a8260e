"""The market maker: keeps a pool on its reference price by correction trades from several wallets.

- :mod:`keepers.mm.wallets`: the correcting wallets, each sending its pieces through its own sender.
"""
