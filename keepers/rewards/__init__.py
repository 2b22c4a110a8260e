"""Reward campaigns: measure contributions from chain data, allocate each epoch, publish a merkle root.

``metrics`` turns a pool's swap and liquidity history into per-account contributions (swap
volume, time-weighted in-range liquidity) and splits an epoch's budget pro rata, in integers;
``tree`` builds the OpenZeppelin ``StandardMerkleTree`` over the cumulative amounts, whose root
``MerkleRewardsFacet`` checks claims against. Both are pure: ints in, ints out, no I/O.
"""
