"""``TickMath``: sqrt(1.0001^tick) as a Q64.96 and back, bit for bit as Uniswap V3 (Solidity 0.7.6) computes it.

Both functions are ports of the library's arithmetic, magic constants included,
not re-derivations from logarithms: a real-valued tick would disagree with the
chain at tick boundaries, and a pool's step sequence depends on those boundaries.
Where the assembly relies on 256-bit wraparound (``mul`` in the log2 loop) the
product is masked to 256 bits; signed values are Python ints, whose ``>>`` and
``|`` already behave as two's complement arithmetic shifts and ors.
"""

from __future__ import annotations

MIN_TICK = -887272
MAX_TICK = -MIN_TICK
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342

_MASK256 = (1 << 256) - 1
_MAX_UINT256 = _MASK256

# ratio multipliers for each bit of |tick|, from bit 1 (0x2) upwards: sqrt(1.0001)^-(2^i) as Q128.128.
_RATIO_FACTORS = (
    (0x2, 0xFFF97272373D413259A46990580E213A),
    (0x4, 0xFFF2E50F5F656932EF12357CF3C7FDCC),
    (0x8, 0xFFE5CACA7E10E4E61C3624EAA0941CD0),
    (0x10, 0xFFCB9843D60F6159C9DB58835C926644),
    (0x20, 0xFF973B41FA98C081472E6896DFB254C0),
    (0x40, 0xFF2EA16466C96A3843EC78B326B52861),
    (0x80, 0xFE5DEE046A99A2A811C461F1969C3053),
    (0x100, 0xFCBE86C7900A88AEDCFFC83B479AA3A4),
    (0x200, 0xF987A7253AC413176F2B074CF7815E54),
    (0x400, 0xF3392B0822B70005940C7A398E4B70F3),
    (0x800, 0xE7159475A2C29B7443B29C7FA6E889D9),
    (0x1000, 0xD097F3BDFD2022B8845AD8F792AA5825),
    (0x2000, 0xA9F746462D870FDF8A65DC1F90E061E5),
    (0x4000, 0x70D869A156D2A1B890BB3DF62BAF32F7),
    (0x8000, 0x31BE135F97D08FD981231505542FCFA6),
    (0x10000, 0x9AA508B5B7A84E1C677DE54F3E99BC9),
    (0x20000, 0x5D6AF8DEDB81196699C329225EE604),
    (0x40000, 0x2216E584F5FA1EA926041BEDFE98),
    (0x80000, 0x48A170391F7DC42444E8FA2),
)
_LOG_SQRT10001 = 255738958999603826347141  # 2^64 / log2(sqrt(1.0001)), Q128.128 scale factor
_TICK_LOW_OFFSET = 3402992956809132418596140100660247210
_TICK_HI_OFFSET = 291339464771989622907027621153398088495


def _int24(x: int) -> int:
    """Solidity's ``int24(x)``: keep the low 24 bits, two's complement."""
    return ((x + (1 << 23)) & 0xFFFFFF) - (1 << 23)


def get_sqrt_ratio_at_tick(tick: int) -> int:
    """``TickMath.getSqrtRatioAtTick``: sqrt(1.0001^tick) * 2^96, rounded up; 'T' when |tick| > MAX_TICK."""
    abs_tick = -tick if tick < 0 else tick
    if abs_tick > MAX_TICK:
        raise ValueError("T")
    ratio = 0xFFFCB933BD6FAD37AA2D162D1A594001 if abs_tick & 0x1 else 0x100000000000000000000000000000000
    for bit, factor in _RATIO_FACTORS:
        if abs_tick & bit:
            ratio = (ratio * factor) >> 128
    if tick > 0:
        ratio = _MAX_UINT256 // ratio
    # Q128.128 -> Q128.96, rounding up so getTickAtSqrtRatio of the result is consistent.
    return (ratio >> 32) + (0 if ratio & 0xFFFFFFFF == 0 else 1)


def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """``TickMath.getTickAtSqrtRatio``: the greatest tick whose sqrt ratio is <= the input; 'R' out of range."""
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise ValueError("R")
    ratio = sqrt_price_x96 << 32
    # The assembly's binary search for the most significant bit computes exactly bit_length - 1.
    msb = ratio.bit_length() - 1
    r = ratio >> (msb - 127) if msb >= 128 else ratio << (127 - msb)
    log_2 = (msb - 128) << 64
    for shift in range(63, 49, -1):
        r = ((r * r) & _MASK256) >> 127
        f = r >> 128
        log_2 |= f << shift
        r >>= f
    log_sqrt10001 = log_2 * _LOG_SQRT10001  # int256, never near overflow for valid inputs
    tick_low = _int24((log_sqrt10001 - _TICK_LOW_OFFSET) >> 128)
    tick_hi = _int24((log_sqrt10001 + _TICK_HI_OFFSET) >> 128)
    if tick_low == tick_hi:
        return tick_low
    return tick_hi if get_sqrt_ratio_at_tick(tick_hi) <= sqrt_price_x96 else tick_low
