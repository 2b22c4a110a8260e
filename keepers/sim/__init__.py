"""Market activity on a local world: seeded agents that trade, move liquidity and claim rewards.

`keepers up` runs it (``keepers run market``) so the demo lives: traders swap on the world's
pools every block, an occasional large trade opens an arbitrage, liquidity providers add and
remove liquidity, and a reward campaign's participants claim each epoch, one of them
gaslessly. Everything is drawn from one seed, so a run can be replayed. It only runs on a
development chain (anvil): it funds its accounts with ``anvil_setBalance``.
"""
