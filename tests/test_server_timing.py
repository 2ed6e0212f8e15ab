"""The Server-Timing value the exchange writes (pipeline/telemetry/timer.ts L59-82, bff496d80): ``name;dur=<ms>``
with three decimals, joined with ", ", in the order recorded; the value is formatted from a template shared by the
requests that record the same spans."""

from __future__ import annotations

from mockserver.gateway.exchange import Exchange


def recorded(*spans: tuple[tuple[str, ...], float]) -> str:
    exchange = Exchange()
    for names, ms in spans:
        exchange.span(*names, ms=ms)
    return exchange.server_timing()


def test_untimed_and_measured_spans_in_the_order_recorded() -> None:
    assert recorded((("a",), 0.0), (("b", "c"), 1.23456), ((), 0.0), (("d",), 0.0)) == (
        "a;dur=0.000, b;dur=1.235, c;dur=1.235, d;dur=0.000")


def test_the_same_spans_with_other_durations_share_a_template_not_a_value() -> None:
    assert recorded((("a",), 0.0), (("t",), 2.0)) == "a;dur=0.000, t;dur=2.000"
    assert recorded((("a",), 0.0), (("t",), 0.5)) == "a;dur=0.000, t;dur=0.500"
    assert recorded() == ""


def test_a_name_with_braces_is_written_as_it_is() -> None:
    assert recorded((("x{0}",), 0.0), (("{y}",), 3.0)) == "x{0};dur=0.000, {y};dur=3.000"
