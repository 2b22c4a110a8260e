"""Balancer V2's 18-decimal fixed-point arithmetic, as the April 2021 pools compute it.

``FixedPoint`` (``mul_down``/``mul_up``/``div_down``/``div_up``/``pow_down``/``pow_up``/
``complement``) and ``LogExpMath.pow`` of ``@balancer-labs/v2-solidity-utils`` as built into the
``20210418-weighted-pool`` deployment the local world runs. Pure functions over ints; every
``_require`` of the library is a ``BalancerError`` carrying the same ``BAL#`` code the contract
reverts with, so a refusal here names the refusal on chain.

That version's ``powDown``/``powUp`` always go through ``LogExpMath.pow`` (later versions
short-cut exponents of exactly 1, 2 and 4; this one does not), then widen the result by
``MAX_POW_RELATIVE_ERROR`` (1e-14) plus one wei. ``LogExpMath`` works on Solidity's signed
integers, whose division truncates toward zero and whose remainder takes the dividend's sign;
``_sdiv``/``_smod`` keep that, Python's floor division would not.
"""

from __future__ import annotations

ONE = 10**18
MAX_UINT256 = (1 << 256) - 1
MAX_POW_RELATIVE_ERROR = 10_000  # 1e-14 in 18-decimal fixed point

# Error codes of Balancer's ``Errors`` library that these functions raise.
ADD_OVERFLOW = 0
SUB_OVERFLOW = 1
MUL_OVERFLOW = 3
ZERO_DIVISION = 4
DIV_INTERNAL = 6
X_OUT_OF_BOUNDS = 7
Y_OUT_OF_BOUNDS = 8
PRODUCT_OUT_OF_BOUNDS = 9
INVALID_EXPONENT = 10


class BalancerError(ValueError):
    """A Balancer ``_require`` that fails: ``code`` is the number the contract reverts with as ``BAL#code``."""

    def __init__(self, code: int, detail: str = ""):
        self.code = code
        self.reason = f"BAL#{code:03d}"
        super().__init__(f"{self.reason} {detail}".rstrip())


# --- FixedPoint ---------------------------------------------------------------------------------


def add(a: int, b: int) -> int:
    """``FixedPoint.add``: checked uint256 addition."""
    c = a + b
    if c > MAX_UINT256:
        raise BalancerError(ADD_OVERFLOW, f"{a} + {b}")
    return c


def sub(a: int, b: int) -> int:
    """``FixedPoint.sub``: checked uint256 subtraction."""
    if b > a:
        raise BalancerError(SUB_OVERFLOW, f"{a} - {b}")
    return a - b


def _product(a: int, b: int) -> int:
    product = a * b
    if product > MAX_UINT256:
        raise BalancerError(MUL_OVERFLOW, f"{a} * {b}")
    return product


def mul_down(a: int, b: int) -> int:
    """``FixedPoint.mulDown``: a * b / 1e18, rounded down."""
    return _product(a, b) // ONE


def mul_up(a: int, b: int) -> int:
    """``FixedPoint.mulUp``: a * b / 1e18, rounded up."""
    product = _product(a, b)
    return 0 if product == 0 else (product - 1) // ONE + 1


def _inflated(a: int, b: int) -> int:
    if b == 0:
        raise BalancerError(ZERO_DIVISION, f"{a} / 0")
    inflated = a * ONE
    if inflated > MAX_UINT256:
        raise BalancerError(DIV_INTERNAL, f"{a} * 1e18 overflows")
    return inflated


def div_down(a: int, b: int) -> int:
    """``FixedPoint.divDown``: a * 1e18 / b, rounded down."""
    inflated = _inflated(a, b)
    return 0 if a == 0 else inflated // b


def div_up(a: int, b: int) -> int:
    """``FixedPoint.divUp``: a * 1e18 / b, rounded up."""
    inflated = _inflated(a, b)
    return 0 if a == 0 else (inflated - 1) // b + 1


def pow_down(x: int, y: int) -> int:
    """``FixedPoint.powDown``: x^y, lowered by the most ``LogExpMath.pow`` may be off (0 if that is all of it)."""
    raw = pow_(x, y)
    max_error = add(mul_up(raw, MAX_POW_RELATIVE_ERROR), 1)
    return 0 if raw < max_error else raw - max_error


def pow_up(x: int, y: int) -> int:
    """``FixedPoint.powUp``: x^y, raised by the most ``LogExpMath.pow`` may be off."""
    raw = pow_(x, y)
    return add(raw, add(mul_up(raw, MAX_POW_RELATIVE_ERROR), 1))


def complement(x: int) -> int:
    """``FixedPoint.complement``: 1 - x, floored at 0."""
    return ONE - x if x < ONE else 0


# --- LogExpMath ---------------------------------------------------------------------------------

ONE_18 = 10**18
ONE_20 = 10**20
ONE_36 = 10**36
MAX_NATURAL_EXPONENT = 130 * ONE_18
MIN_NATURAL_EXPONENT = -41 * ONE_18
LN_36_LOWER_BOUND = ONE_18 - 10**17
LN_36_UPPER_BOUND = ONE_18 + 10**17
MILD_EXPONENT_BOUND = 2**254 // ONE_20

# e^x for x = 2^(7-n): the first two without decimals (x in 18 decimals), the rest in 20 decimals.
X0, A0 = 128 * 10**18, 38877084059945950922200000000000000000000000000000000000
X1, A1 = 64 * 10**18, 6235149080811616882910000000
# (x_n, a_n) for n = 2..11, both in 20 decimals.
TWENTY_DECIMAL_STEPS: tuple[tuple[int, int], ...] = (
    (32 * 10**20, 7896296018268069516100000000000000),
    (16 * 10**20, 888611052050787263676000000),
    (8 * 10**20, 298095798704172827474000),
    (4 * 10**20, 5459815003314423907810),
    (2 * 10**20, 738905609893065022723),
    (1 * 10**20, 271828182845904523536),
    (5 * 10**19, 164872127070012814685),
    (25 * 10**18, 128402541668774148407),
    (125 * 10**17, 113314845306682631683),
    (625 * 10**16, 106449445891785942956),
)
EXP_STEPS = TWENTY_DECIMAL_STEPS[:8]  # exp stops at x9 = 0.25; its Taylor series covers the rest


def _sdiv(a: int, b: int) -> int:
    """Solidity's signed division: truncates toward zero."""
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


def _smod(a: int, b: int) -> int:
    """Solidity's signed remainder: takes the sign of the dividend."""
    return a - _sdiv(a, b) * b


def pow_(x: int, y: int) -> int:
    """``LogExpMath.pow``: x^y for 18-decimal x and y, as exp(ln(x) * y).

    Near 1 (within 0.1) ln(x) is taken with 36 decimals for the precision small exponents lose.
    """
    if y == 0:
        return ONE_18
    if x == 0:
        return 0
    if x >> 255:
        raise BalancerError(X_OUT_OF_BOUNDS, f"x = {x}")
    if y >= MILD_EXPONENT_BOUND:
        raise BalancerError(Y_OUT_OF_BOUNDS, f"y = {y}")
    if LN_36_LOWER_BOUND < x < LN_36_UPPER_BOUND:
        ln_36_x = _ln_36(x)
        # ln_36_x has 36 decimals: split it so that the product with y stays within 256 bits.
        logx_times_y = _sdiv(ln_36_x, ONE_18) * y + _sdiv(_smod(ln_36_x, ONE_18) * y, ONE_18)
    else:
        logx_times_y = _ln(x) * y
    logx_times_y = _sdiv(logx_times_y, ONE_18)
    if not MIN_NATURAL_EXPONENT <= logx_times_y <= MAX_NATURAL_EXPONENT:
        raise BalancerError(PRODUCT_OUT_OF_BOUNDS, f"ln(x) * y = {logx_times_y}")
    return exp(logx_times_y)


def exp(x: int) -> int:
    """``LogExpMath.exp``: e^x for an 18-decimal x in [-41, 130].

    x is decomposed into the sum of the x_n it contains (e^x is then the product of their a_n) and
    a remainder below 0.25 whose exponential is the Taylor series to its twelfth term.
    """
    if not MIN_NATURAL_EXPONENT <= x <= MAX_NATURAL_EXPONENT:
        raise BalancerError(INVALID_EXPONENT, f"x = {x}")
    if x < 0:
        return (ONE_18 * ONE_18) // exp(-x)
    if x >= X0:
        x -= X0
        first_an = A0
    elif x >= X1:
        x -= X1
        first_an = A1
    else:
        first_an = 1
    x *= 100  # 20 decimals from here on
    product = ONE_20
    for x_n, a_n in EXP_STEPS:
        if x >= x_n:
            x -= x_n
            product = product * a_n // ONE_20
    series_sum = term = ONE_20
    for n in range(1, 13):
        term = term * x // ONE_20 // n
        series_sum += term
    return product * series_sum // ONE_20 * first_an // 100


def _ln(a: int) -> int:
    """``LogExpMath._ln``: the natural log of an 18-decimal a, as the sum of the x_n whose a_n divide
    it, plus 2·atanh((a-1)/(a+1)) of the rest to its sixth term (z^11/11)."""
    if a < ONE_18:
        # ln(a) = -ln(1/a); 1/a is taken in 18 decimals.
        return -_ln(ONE_18 * ONE_18 // a)
    total = 0
    if a >= A0 * ONE_18:
        a //= A0
        total += X0
    if a >= A1 * ONE_18:
        a //= A1
        total += X1
    total *= 100
    a *= 100
    for x_n, a_n in TWENTY_DECIMAL_STEPS:
        if a >= a_n:
            a = a * ONE_20 // a_n
            total += x_n
    z = (a - ONE_20) * ONE_20 // (a + ONE_20)
    return (total + 2 * _odd_series(z, ONE_20, 11)) // 100


def _ln_36(x: int) -> int:
    """``LogExpMath._ln_36``: ln of an 18-decimal x near 1, with 36 decimals (atanh series to z^15/15)."""
    x *= ONE_18
    z = _sdiv((x - ONE_36) * ONE_36, x + ONE_36)
    return 2 * _odd_series(z, ONE_36, 15)


def _odd_series(z: int, one: int, last: int) -> int:
    """z + z^3/3 + z^5/5 + ... + z^last/last with ``one`` as the fixed-point unit, truncating as Solidity."""
    z_squared = _sdiv(z * z, one)
    num = series = z
    for n in range(3, last + 1, 2):
        num = _sdiv(num * z_squared, one)
        series += _sdiv(num, n)
    return series
