"""Issue 16's table in BENCHMARKS.md: the 0.65x target is judged against bare Starlette at uvicorn's defaults
(an access line per request, as the mock writes its log line), and the stricter peer with no log is shown beside
it without a goal."""

from __future__ import annotations

from bench.hot_path_report import X, markdown, targets
from bench.load import LoadResult
from bench.paired import BARE, KINDS, LOGGED_BARE, MOCK, Measurement, Series


def _measured(req_per_s: dict[str, float]) -> Measurement:
    def run(rate: float) -> LoadResult:
        return LoadResult(rate, 2.0, 5.0, int(rate * 4), True, "", 1e6 / rate)

    series = {(server, kind): Series([run(rate)]) for server, rate in req_per_s.items() for kind in KINDS}
    return Measurement(series, {server: 100 * 2**20 for server in req_per_s}, rounds=1)


def _row(table: list[tuple[str, str, str, str, str]], starts: str) -> tuple[str, str, str, str, str]:
    return next(row for row in table if row[0].startswith(starts))


def test_the_target_ratio_is_to_bare_starlette_with_its_access_log() -> None:
    table = targets(_measured({MOCK: 7_000, LOGGED_BARE: 9_000, BARE: 17_000}), None)

    target = _row(table, "success: mock ÷ bare Starlette req/s (uvicorn's defaults")
    assert target[2:] == (f"0.78{X}", f"≥ 0.65{X}", "yes")
    stricter = _row(table, "success: mock ÷ bare Starlette req/s, its access log off")
    assert stricter[2:] == (f"0.41{X}", "none set", "—")


def test_a_ratio_under_the_target_is_marked_not_met() -> None:
    table = targets(_measured({MOCK: 5_000, LOGGED_BARE: 9_000, BARE: 17_000}), None)

    target = _row(table, "success: mock ÷ bare Starlette req/s (uvicorn's defaults")
    assert target[2:] == (f"0.56{X}", f"≥ 0.65{X}", "**no**")


def test_every_run_shows_its_ratio_to_both_bare_peers() -> None:
    text = markdown(_measured({MOCK: 7_000, LOGGED_BARE: 9_000, BARE: 17_000}), None)

    assert "| mock | success | 7,000 | 2.00 | 5.00 | 143 | 0.78 | 0.41 |" in text
    assert "| bare Starlette + access log | success | 9,000 | 2.00 | 5.00 | 111 |  |  |" in text
