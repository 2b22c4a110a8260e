"""The combination rule: median of live sources, refused when they disagree, are stale, or are too few."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from keepers.prices.quote import PriceSource, PriceUnavailable, Quote, Refusal, fresh
from keepers.prices.reference import NoReference, Reference, ReferencePrices, combine, median, spread_bps
from keepers.prices.settings import CcxtSourceSettings, ReferenceSettings
from keepers.prices.sources import build_reference

NOW = 1_800_000_000
USDC_PER_WETH = Fraction(10**6, 10**18)  # 1 USDC per WETH, in base units
PROPERTIES = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def quote(source: str, usdc: int | Fraction, age: int = 0, max_age: int = 60) -> Quote:
    return Quote(source, usdc * USDC_PER_WETH, observed_at=NOW - age, max_age=max_age)


def test_median_of_live_quotes_odd_and_even():
    result = combine([quote("a", 2000), quote("b", 2010), quote("c", 2004)], NOW, band_bps=100)
    assert isinstance(result, Reference)
    assert result.price == 2004 * USDC_PER_WETH
    assert [q.source for q in result.quotes] == ["a", "c", "b"]  # cheapest first
    assert result.spread_bps == Fraction(10 * 10_000, 2004)

    even = combine([quote("a", 2000), quote("b", 2001)], NOW, band_bps=100)
    assert isinstance(even, Reference) and even.price == Fraction(4001, 2) * USDC_PER_WETH  # exact mean


def test_disagreement_past_the_band_is_refused_and_at_the_band_passes():
    # 2000 and 2020 around a median of 2010: a spread of 20 / 2010 = 99.5 bp.
    readings = [quote("a", 2000), quote("b", 2020)]
    assert isinstance(combine(readings, NOW, band_bps=100), Reference)
    refused = combine(readings, NOW, band_bps=99)
    assert isinstance(refused, NoReference)
    assert refused.reason == "sources disagree by 99.6 bp > band 99 bp (a 2e-09, b 2.02e-09)"
    exact = [quote("a", 1990), quote("b", 2010)]  # spread exactly 100 bp of the median 2000
    assert isinstance(combine(exact, NOW, band_bps=100), Reference)


def test_stale_quotes_are_left_out_with_their_reason():
    result = combine([quote("fresh", 2000), quote("old", 3000, age=61)], NOW, band_bps=10)
    assert isinstance(result, Reference) and result.price == 2000 * USDC_PER_WETH
    assert result.refusals == (Refusal("old", "stale: observed 61 s ago, the limit is 60 s", stale=True),)


def test_all_stale_and_no_live_source_say_so():
    stale = combine([quote("a", 2000, age=100), quote("b", 2000, age=61)], NOW, band_bps=100)
    assert isinstance(stale, NoReference)
    assert stale.reason.startswith("all sources stale: a: stale: observed 100 s ago")
    failing = combine([quote("a", 2000, age=100), Refusal("binance", "HTTP 500")], NOW, band_bps=100)
    assert isinstance(failing, NoReference)
    assert failing.reason == ("no live source: a: stale: observed 100 s ago, the limit is 60 s; binance: HTTP 500")
    assert combine([], NOW, band_bps=100) == NoReference("no price sources configured")


def test_fewer_live_sources_than_the_minimum_is_refused():
    readings = [quote("a", 2000), Refusal("binance", "binance ETH/USDC: no answer within 5 s")]
    result = combine(readings, NOW, band_bps=100, min_sources=2)
    assert isinstance(result, NoReference)
    assert result.reason == "1 live source, 2 required: binance: binance ETH/USDC: no answer within 5 s"
    assert result.quotes == (quote("a", 2000),)


def test_a_clock_ahead_of_ours_is_not_stale():
    assert fresh(quote("ahead", 2000, age=-30), NOW).age(NOW) == 0


@PROPERTIES
@given(st.lists(st.integers(1, 10**30), min_size=1, max_size=9))
def test_median_is_a_middle_value(values):
    prices = [Fraction(v) for v in values]
    m = median(prices)
    assert min(prices) <= m <= max(prices)
    assert sum(p < m for p in prices) <= len(prices) // 2 >= sum(p > m for p in prices)
    assert median(list(reversed(prices))) == m


@PROPERTIES
@given(
    st.lists(st.tuples(st.integers(1, 10**12), st.integers(0, 120)), min_size=1, max_size=7),
    st.integers(0, 1_000),
    st.integers(1, 7),
)
def test_a_reference_is_the_median_of_the_fresh_quotes_and_within_the_band(entries, band, minimum):
    readings = [quote(f"s{i}", price, age=age) for i, (price, age) in enumerate(entries)]
    result = combine(readings, NOW, band_bps=band, min_sources=minimum)
    live = [r.price for r in readings if r.age(NOW) <= r.max_age]
    if isinstance(result, Reference):
        assert len(live) >= minimum
        assert result.price == median(live)
        assert spread_bps(live) <= band
        assert len(result.quotes) + len(result.refusals) == len(readings)
    else:
        assert not live or len(live) < minimum or spread_bps(live) > band
        assert result.reason


class Fixed(PriceSource):
    """A source whose observation is given (or whose refusal is)."""

    def __init__(self, name: str, answer: Quote | str | Exception):
        super().__init__(name, max_age=60)
        self.answer = answer

    def observe(self) -> Quote:
        if isinstance(self.answer, Quote):
            return self.answer
        if isinstance(self.answer, str):
            raise self.unavailable(self.answer)
        raise self.answer


def test_reference_prices_reads_every_source_and_never_raises():
    prices = ReferencePrices(
        [
            Fixed("a", quote("a", 2000)),
            Fixed("b", quote("b", 2002, age=5)),
            Fixed("c", "HTTP 500"),
            Fixed("d", quote("d", 1000, age=3600)),
            Fixed("bug", ZeroDivisionError("oops")),
        ],
        band_bps=50,
        min_sources=2,
        clock=lambda: NOW + 0.9,
    )
    result = prices.read()
    assert isinstance(result, Reference) and result.price == 2001 * USDC_PER_WETH
    assert [str(r) for r in result.refusals] == [
        "c: HTTP 500",
        "d: stale: observed 3600 s ago, the limit is 60 s",
        "bug: unexpected ZeroDivisionError: oops",
    ]
    with pytest.raises(ValueError, match="must differ"):
        ReferencePrices([Fixed("a", "x"), Fixed("a", "y")])


def test_a_source_never_hands_out_a_stale_quote():
    with pytest.raises(PriceUnavailable, match="stale: observed 61 s ago") as caught:
        Fixed("a", quote("a", 2000, age=61)).quote(NOW)
    assert caught.value.stale and caught.value.source == "a"


def test_settings_validate_and_build():
    cex = {"kind": "ccxt", "name": "binance", "base_decimals": 18, "quote_decimals": 6}
    settings_ = ReferenceSettings.model_validate({"sources": [cex], "band_bps": 150})
    assert isinstance(settings_.sources[0], CcxtSourceSettings)
    assert settings_.sources[0].options["fetchMarkets"] == {"types": ["spot"]}
    prices = build_reference(settings_)
    assert [s.name for s in prices.sources] == ["binance"] and prices.band_bps == 150
    assert ReferenceSettings().sources == [] and ReferenceSettings().min_sources == 1

    with pytest.raises(ValidationError, match="symbl"):
        ReferenceSettings.model_validate({"sources": [{**cex, "symbl": "ETH/USDT"}]})
    with pytest.raises(ValidationError, match="repeated"):
        ReferenceSettings.model_validate({"sources": [cex, cex]})
    with pytest.raises(ValidationError, match="min_sources 2 is more than the 1 sources"):
        ReferenceSettings.model_validate({"sources": [cex], "min_sources": 2})
    pool = {"name": "x", "pool": "0x12", "pool_kind": "uniswap_v2", "base_token": "0x" + "2" * 40}
    with pytest.raises(ValidationError, match="String should match pattern"):
        ReferenceSettings.model_validate({"sources": [{**pool, "kind": "pool", "rpc_url": "http://n"}]})
    twap = {**pool, "kind": "twap", "pool": "0x" + "1" * 40, "pool_kind": "uniswap_v3"}
    with pytest.raises(ValueError, match="no rpc_url and no market chain"):
        build_reference(ReferenceSettings.model_validate({"sources": [twap]}))
