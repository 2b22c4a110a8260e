"""Pure pool math and arbitrage search: ints in, ints out, no I/O.

``uniswap_v2``, ``uniswap_v3`` and ``balancer_weighted`` (over ``balancer_fixed_point``) reproduce
the protocols' own arithmetic to the wei;
``cycles`` enumerates routes through the base token, ``sizing`` sizes one exactly,
``search`` keeps every route sized block by block; ``spot`` gives display prices;
``price_target`` computes the exact trade moving a pool to a target price and ``pieces``
splits it into randomized pieces for several wallets (the market maker's corrections);
``order_book`` walks a centralized exchange's book as a taker, ``piecewise`` composes legs' real
curves, and ``amounts`` sizes a path of book legs and pool hops exactly (the AmtOptimizer).
"""
