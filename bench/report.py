"""The results as Markdown tables, and BENCHMARKS.md's generated section rewritten in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .coldstart import ColdStart
from .contract_speed import ContractSpeed
from .load import LoadResult
from .memory import MemoryResult
from .profile import Profile
from .validation_micro import ValidationTiming

BEGIN = "<!-- bench:begin (written by make bench; edits inside are lost) -->"
END = "<!-- bench:end -->"

MOCK = "ocr-mock serve"
BARE = "bare Starlette"
PRISM = "Prism 5.14.2"
KINDS = ("success", "error")
X = "\u00d7"  # the multiplication sign of the ratios


@dataclass
class Results:
    machine: list[tuple[str, str]] = field(default_factory=list)
    settings: str = ""
    load: dict[tuple[str, str], LoadResult] = field(default_factory=dict)  # (server, kind) -> best run
    skipped: list[str] = field(default_factory=list)
    cold: list[ColdStart] = field(default_factory=list)
    validation: list[ValidationTiming] = field(default_factory=list)
    memory: MemoryResult | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)  # kind -> profile of the mock
    contract: ContractSpeed | None = None
    plugin: dict[str, float] = field(default_factory=dict)  # variant -> per-test ms (fastest run); "start" ms
    elapsed_s: float = 0.0


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _ratio(results: Results, server: str, other: str, kind: str) -> float | None:
    mine, theirs = results.load.get((server, kind)), results.load.get((other, kind))
    if mine is None or theirs is None:
        return None
    return mine.requests_per_second / theirs.requests_per_second


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}{X}"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def targets(results: Results) -> list[tuple[str, str, bool | None]]:
    rows: list[tuple[str, str, bool | None]] = []
    for kind in KINDS:
        bare = _ratio(results, MOCK, BARE, kind)
        rows.append(
            (f"mock ≥ 0.9{X} bare Starlette req/s ({kind})", _fmt_ratio(bare), None if bare is None else bare >= 0.9)
        )
    for kind in KINDS:
        prism = _ratio(results, MOCK, PRISM, kind)
        rows.append((f"mock ≥ 3{X} Prism req/s ({kind})", _fmt_ratio(prism), None if prism is None else prism >= 3))
    for kind in KINDS:
        run = results.load.get((MOCK, kind))
        rows.append(
            (
                f"mock p99 < 20 ms at 32 connections ({kind})",
                "—" if run is None else f"{run.p99_ms:.1f} ms",
                None if run is None else run.p99_ms < 20,
            )
        )
    mock_cold = next((c for c in results.cold if c.name == MOCK), None)
    rows.append(
        (
            "cold start < 1 s (process start to first 200; median of the runs, worst in brackets)",
            "—" if mock_cold is None else f"{mock_cold.median:.2f} s ({mock_cold.worst:.2f} s)",
            None if mock_cold is None else mock_cold.median < 1,
        )
    )
    memory = results.memory
    rows.append(
        (
            f"20 MB base64 image: answered, peak RSS growth < 3{X} body",
            "—" if memory is None else f"{memory.ratio:.3f}{X}" + ("" if memory.answered else " (wrong answer)"),
            None if memory is None else memory.answered and memory.ratio < 3,
        )
    )
    return rows


def _later_targets(results: Results) -> list[tuple[str, str, str]]:
    """The conformance suite's speed and the pytest plugin's cost, when they were measured."""
    rows = []
    if results.contract is not None:
        c = results.contract
        rows.append(("contract suite: ≥ 1,000 cases in < 60 s (default in-process run)",
                     f"{c.cases:,} cases in {c.seconds:.1f} s ({c.per_second:.0f}/s, {c.findings} findings)",
                     _verdict(c.cases >= 1000 and c.seconds < 60 and c.findings == 0)))
    plugin = results.plugin
    if plugin:
        respx = plugin["respx"]
        rows.append((f"pytest fixture, in-process mode ≤ 1.5{X} respx per test",
                     f"{plugin['in-process']:.2f} ms vs {respx:.2f} ms ({plugin['in-process'] / respx:.2f}{X})",
                     _verdict(plugin["in-process"] <= 1.5 * respx)))
        rows.append(("pytest fixture, real-socket mode < 3 ms per test", f"{plugin['socket']:.2f} ms",
                     _verdict(plugin["socket"] < 3)))
        rows.append(("pytest fixture, session start < 300 ms", f"{plugin['start']:.0f} ms",
                     _verdict(plugin["start"] < 300)))
    return rows


def _table_rows(rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(row) + " |" for row in rows]


def markdown(results: Results) -> str:
    out = [f"_Generated by `make bench` in {results.elapsed_s:.0f} s._", "", "### Machine", ""]
    out += _table(("", ""), results.machine)
    out += ["", "### Targets", ""]
    out += _table(("target", "measured", ""), [(name, value, _verdict(ok)) for name, value, ok in targets(results)])
    out += _table_rows(_later_targets(results))
    out += ["", "### Throughput and latency", "", results.settings, ""]
    rows = []
    servers = list(dict.fromkeys(server for server, _ in results.load))
    for server in servers:
        for kind in KINDS:
            run = results.load.get((server, kind))
            if run is None:
                continue
            rows.append(
                (
                    server,
                    kind,
                    f"{run.requests_per_second:,.0f}",
                    f"{run.p50_ms:.2f}",
                    f"{run.p99_ms:.2f}",
                    _fmt_ratio(_ratio(results, server, BARE, kind)),
                    _fmt_ratio(_ratio(results, MOCK, server, kind)),
                    "—" if run.cpu_us_per_request is None else f"{run.cpu_us_per_request:,.0f}",
                    run.errors if not run.statuses_ok else "as expected",
                )
            )
    header = (
        "server",
        "request",
        "req/s",
        "p50 ms",
        "p99 ms",
        "÷ bare",
        "mock ÷ this",
        "server CPU µs/req",
        "statuses",
    )
    out += _table(header, rows)
    out += [f"- skipped: {reason}" for reason in results.skipped]
    out += ["", "### Cold start (process start to first 200 on POST /v1/ocr)", ""]
    out += _table(
        ("server", "median", "worst", "runs"),
        [(c.name, f"{c.median:.2f} s", f"{c.worst:.2f} s", str(len(c.seconds))) for c in results.cold],
    )
    out += ["", "### Body validation, µs per body (in-process)", ""]
    vrows = [(v.path, f"{v.valid_us:,.1f}", f"{v.invalid_us:,.1f}") for v in results.validation]
    if len(results.validation) >= 2:  # the reference, then the mock's path (then its parts)
        slow, fast = results.validation[:2]
        vrows.append(
            ("speed-up", f"{slow.valid_us / fast.valid_us:.0f}{X}", f"{slow.invalid_us / fast.invalid_us:.0f}{X}")
        )
    out += _table(("path", "valid body", "invalid body"), vrows)
    if results.memory is not None:
        m = results.memory
        out += ["", "### Memory: one request with a 20 MB base64 image (`ocr-mock serve`)", ""]
        out += _table(
            ("body", "peak RSS growth", "growth ÷ body", "answered correctly"),
            [
                (
                    f"{m.body_bytes / 1e6:.1f} MB",
                    f"{m.growth_bytes / 1e6:.1f} MB",
                    f"{m.ratio:.3f}{X}",
                    "yes" if m.answered else "no",
                )
            ],
        )
    for kind, prof in results.profiles.items():
        out += ["", f"### Where the time goes: `ocr-mock serve`, {kind} requests (py-spy, {prof.samples} samples)", ""]
        out += _table(("component", "share"), [(name, f"{share:.0%}") for name, share in prof.shares])
        out += ["", "Hottest frames (self time): " + "; ".join(f"`{f}` {s:.0%}" for f, s in prof.top_frames[:5])]
    return "\n".join(out) + "\n"


def write(path: Path, generated: str) -> None:
    """Replace the generated section of ``path`` (or append one)."""
    replace_block(path, BEGIN, END, generated)


def replace_block(path: Path, begin: str, end: str, generated: str) -> None:
    """Replace the text between the ``begin`` and ``end`` markers of ``path`` (or append the block): each
    benchmark writes its own block of BENCHMARKS.md, and the prose around them stays."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{generated}{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
