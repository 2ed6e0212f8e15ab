"""The HTML outcome report: one self-contained page (inline CSS, no script, no external resource), a grid of
outcome by model coloured by the number of tests, each cell linking to the list of the tests that met it."""

from __future__ import annotations

from html import escape

from mockserver.coverage.tally import Tally
from mockserver.gateway.outcomes import NO_MODEL, OTHER_MODEL, SUCCESS, OutcomeEntry

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430}
h1{font-size:20px;margin:0 0 4px}
p.totals{margin:0 0 16px;color:#4a5568}
table{border-collapse:collapse}
th,td{border:1px solid #d5dae1;padding:4px 8px;text-align:center}
th.row{text-align:left;font-weight:normal;white-space:nowrap}
th.col{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;white-space:nowrap;padding:8px 4px}
td a{color:inherit;text-decoration:none;display:block;font-weight:600}
td.missing{background:#fbe3e4}
td.empty{background:#fafafa;color:#c0c6cf}
tr.unmet th.row{color:#b42318}
ul{margin:4px 0 12px}
section{margin:8px 0;padding:4px 12px;border-left:3px solid #3f9b5d}
section:target{background:#eef8f1}
code{font-size:13px}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border:1px solid #d5dae1}
"""


def _shade(tests: int, most: int) -> str:
    """Green, darker with more tests (a light tint for one, the darkest for the most)."""
    lightness = 86 - (46 * (tests - 1) / max(1, most - 1) if most > 1 else 0)
    text = "#fff" if lightness < 60 else "#1d2430"
    return f"background:hsl(140,45%,{lightness:.0f}%);color:{text}"


def _rows(tally: Tally) -> list[tuple[str, str, list[OutcomeEntry]]]:
    """(outcome, row label, its entries): success once, with one entry per model."""
    rows: dict[str, tuple[str, str, list[OutcomeEntry]]] = {}
    for entry in tally.entries.values():
        label = f"{entry.status} {SUCCESS}" if entry.model is not None else entry.label
        rows.setdefault(entry.outcome, (entry.outcome, label, []))[2].append(entry)
    for outcome in tally.uncatalogued():
        rows[outcome] = (outcome, f"{outcome} (not in the catalogue)", [])
    return list(rows.values())


def _columns(tally: Tally) -> list[str]:
    served = [entry.model for entry in tally.entries.values() if entry.model is not None]
    seen = {model for _, model in tally.cells}
    others = sorted(seen - set(served) - {OTHER_MODEL, NO_MODEL})
    return list(dict.fromkeys(served)) + others + [m for m in (OTHER_MODEL, NO_MODEL) if m in seen]


def render_html(tally: Tally, title: str = "OCR gateway outcomes") -> str:
    rows, columns = _rows(tally), _columns(tally)
    most = max((len(tests) for tests in tally.cells.values()), default=1)
    head = "".join(f'<th class="col">{escape(model)}</th>' for model in columns)
    body, sections = [], []
    for i, (outcome, label, entries) in enumerate(rows):
        per_model = {entry.model for entry in entries if entry.model is not None}
        met = any(tally.tests_of(entry) for entry in entries) if entries else True
        cells = []
        for j, model in enumerate(columns):
            tests = tally.cells.get((outcome, model), {})
            if tests:
                anchor = f"cell-{i}-{j}"
                cells.append(f'<td style="{_shade(len(tests), most)}" title="{len(tests)} tests, '
                             f'{sum(tests.values())} requests"><a href="#{anchor}">{len(tests)}</a></td>')
                items = "".join(f"<li><code>{escape(test)}</code> ({count} request{'s' if count != 1 else ''})</li>"
                                for test, count in sorted(tests.items()))
                sections.append(f'<section id="{anchor}"><strong>{escape(label)}</strong> on '
                                f"<code>{escape(model)}</code><ul>{items}</ul></section>")
            elif model in per_model:
                cells.append('<td class="missing" title="no test">0</td>')
            else:
                cells.append('<td class="empty"></td>')
        row_class = "" if met else ' class="unmet"'
        body.append(f'<tr{row_class}><th class="row">{escape(label)}</th>{"".join(cells)}</tr>')
    _, unmet = tally.lines()
    unmet_list = "".join(f"<li>{escape(label)}</li>" for label in unmet) or "<li>none</li>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="totals">{tally.covered} of {len(tally.entries)} outcomes met ({tally.percent:.1f}%).
Each cell counts the tests that met the outcome on that model; click it for their names.</p>
<p class="legend"><span style="{_shade(1, 2)}">met</span><span class="missing" style="background:#fbe3e4">
no test (a model this outcome exists for)</span></p>
<table><thead><tr><th class="row">outcome \\ model</th>{head}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
<h2>Outcomes no test met ({len(unmet)})</h2><ul>{unmet_list}</ul>
<h2>Tests by cell</h2>
{"".join(sections) or "<p>No test met any outcome.</p>"}
</body></html>
"""
