"""JUnit XML: one test case per check, failing with its findings; one more for transport errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ..results import RunResult


def write_junit(result: RunResult, path: Path) -> None:
    redact = result.redact
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root, "testsuite", name="contract_tests", tests=str(len(result.checks) + 1), time=f"{result.elapsed:.3f}"
    )
    failures = 0
    for name, tally in result.checks.items():
        case = ET.SubElement(suite, "testcase", classname=f"contract_tests.{_slug(result.target)}", name=name)
        ET.SubElement(case, "system-out").text = redact(f"{tally.description}\nanswers checked: {tally.checked}")
        findings = result.findings_for(name)
        if findings:
            failures += 1
            text = "\n\n".join(
                f"{f.title} (x{f.count}, {f.phase}: {f.sample})\n{f.message}\nrequest: {f.request}\nanswer: {f.answer}"
                for f in findings
            )
            ET.SubElement(case, "failure", message=redact(findings[0].title), type=name).text = redact(text)
    run = ET.SubElement(suite, "testcase", classname=f"contract_tests.{_slug(result.target)}", name="run")
    if result.errors or result.interrupted:
        failures += 1
        message = "interrupted" if result.interrupted else f"{len(result.errors)} requests failed"
        ET.SubElement(run, "error", message=message).text = redact("\n".join(result.errors))
    suite.set("failures", str(failures))
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _slug(target: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in target).strip("_")
