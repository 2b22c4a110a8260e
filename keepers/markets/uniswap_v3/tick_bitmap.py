"""``TickBitmap``: where the next initialized tick is, searched one 256-tick word at a time.

A pool keeps one bit per initialized tick (``tick / tickSpacing``) in 256-bit words and
a swap step never looks past the current word: when no initialized tick is left in it,
the step ends at the word's edge anyway. Those extra stops change the step sequence
and therefore the rounding, so the search must stop exactly where the pool's does.
Here the initialized ticks are a sorted tuple and a word is a range of it; the
answers are those of ``nextInitializedTickWithinOneWord`` over the equivalent bitmap.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence


def position(compressed_tick: int) -> tuple[int, int]:
    """``TickBitmap.position``: (word index ``tick >> 8``, bit index ``uint8(tick % 256)``) of a compressed tick."""
    return compressed_tick >> 8, compressed_tick & 0xFF


def compress(tick: int, tick_spacing: int) -> int:
    """``tick / tickSpacing`` rounded towards negative infinity, as the bitmap search does."""
    return tick // tick_spacing


def next_initialized_tick_within_one_word(
    initialized: Sequence[int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """``TickBitmap.nextInitializedTickWithinOneWord`` over ``initialized`` (sorted ticks, multiples of the spacing).

    Returns (next tick, whether it is initialized). With ``lte``: the greatest initialized tick
    <= ``tick`` within the word of ``tick``, else the word's first tick. Without: the smallest
    initialized tick > ``tick`` within the word of the next compressed tick, else that word's
    last tick. ``tick`` is compressed rounding towards negative infinity, as in the pool.
    """
    compressed = tick // tick_spacing
    if lte:
        word_start = (compressed >> 8) << 8
        i = bisect_right(initialized, compressed * tick_spacing) - 1
        if i >= 0 and initialized[i] >= word_start * tick_spacing:
            return initialized[i], True
        return word_start * tick_spacing, False
    start = compressed + 1
    word_end = ((start >> 8) << 8) + 255
    i = bisect_left(initialized, start * tick_spacing)
    if i < len(initialized) and initialized[i] <= word_end * tick_spacing:
        return initialized[i], True
    return word_end * tick_spacing, False


def bitmap_words(initialized: Iterable[int], tick_spacing: int) -> dict[int, int]:
    """The pool's ``tickBitmap`` (word index -> 256-bit word) for these initialized ticks."""
    words: dict[int, int] = {}
    for tick in initialized:
        if tick % tick_spacing:
            raise ValueError(f"tick {tick} is not a multiple of the spacing {tick_spacing}")
        word, bit = position(tick // tick_spacing)
        words[word] = words.get(word, 0) | (1 << bit)
    return words
