"""The one-page report: the verdict, what was sent, and a table per check. Markdown or HTML by file suffix."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..results import RunResult


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]


Block = str | Table  # a paragraph or a table; headings are paragraphs starting with "#"


def blocks(result: RunResult) -> list[Block]:
    verdict = "PASS: no findings" if result.passed else f"FAIL: {len(result.findings)} findings"
    spent = (
        ""
        if result.budget_usd is None
        else (
            f" Billable requests: {result.billable}, spent ${result.spent_usd:.4f} of ${result.budget_usd:.4f};"
            f" not sent for the budget: {result.not_sent_budget}."
        )
    )
    out: list[Block] = [
        "# Gateway conformance report",
        f"Target: {result.target}. Seed: {result.seed}. {result.cases} cases in {result.elapsed:.1f} s. "
        f"**{verdict}**.{spent}",
        Table(
            ("phase", "cases", "answers"),
            [
                (
                    phase,
                    str(count),
                    " ".join(f"{status}x{n}" for status, n in sorted(result.statuses.get(phase, {}).items())),
                )
                for phase, count in result.phases.items()
            ],
        ),
        "## Checks",
        Table(
            ("check", "what it checks", "answers checked", "findings"),
            [
                (name, tally.description, str(tally.checked), str(len(result.findings_for(name))))
                for name, tally in result.checks.items()
            ],
        ),
    ]
    for name in result.checks:
        findings = result.findings_for(name)
        if not findings:
            continue
        out.append(f"## {name}")
        out.append(
            Table(
                ("finding", "seen", "first example", "details", "request", "answer"),
                [
                    (f.title, str(f.count), f"{f.phase}: {f.sample}", f.message, f.request, f.answer[:200])
                    for f in findings
                ],
            )
        )
    if result.errors:
        out.append("## Requests that got no answer")
        out.extend(result.errors)
    return out


def markdown(items: Iterable[Block]) -> str:
    parts = []
    for block in items:
        if isinstance(block, Table):
            lines = ["| " + " | ".join(block.headers) + " |", "|" + "---|" * len(block.headers)]
            lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in block.rows]
            parts.append("\n".join(lines))
        else:
            parts.append(block)
    return "\n\n".join(parts) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def to_html(items: Iterable[Block]) -> str:
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Gateway conformance report</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px;vertical-align:top;font-size:90%}"
        "td{white-space:pre-wrap;max-width:40em;word-break:break-word}</style>",
    ]
    for block in items:
        if isinstance(block, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            parts.append(f"<table><tr>{head}</tr>{rows}</table>")
        elif block.startswith("#"):
            level = len(block) - len(block.lstrip("#"))
            parts.append(f"<h{level}>{html.escape(block.lstrip('# '))}</h{level}>")
        else:
            parts.append(f"<p>{html.escape(block).replace('**', '')}</p>")
    return "\n".join(parts) + "\n"


def write_page(result: RunResult, path: Path) -> None:
    redact = result.redact
    items = blocks(result)
    text = to_html(items) if path.suffix.lower() in (".html", ".htm") else markdown(items)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(text), encoding="utf-8")
