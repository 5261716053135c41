"""Violations as text, JSON or a JUnit report for CI systems.

A violation can quote the data (an id, a column name of a tampered file, a path): every
format shows it inert (:mod:`cleaner.text.escape`), so a report cannot steer the terminal,
forge a CI annotation with a newline, or make the XML invalid.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

from cleaner.publish.validate.violations import CHECKS, Violation
from cleaner.text.escape import terminal, xml_text

# --- output formats ------------------------------------------------------------------------

def format_text(path: Path, violations: list[Violation]) -> str:
    """One line per violation, naming the file; ``PATH: valid`` when there is none."""
    if not violations:
        return f"{terminal(path)}: valid"
    return "\n".join(f"{terminal(Path(path) / v.file)}: {terminal(v.message)}"
                     for v in violations)


def format_json(path: Path, violations: list[Violation]) -> str:
    """``{"path", "valid", "violations": [{"file", "message", "check"}]}``"""
    return json.dumps({"path": terminal(path), "valid": not violations,
                       "violations": [{key: terminal(value) for key, value in asdict(v).items()}
                                      for v in violations]},
                      ensure_ascii=False, indent=2)


def write_junit(junit_path: Path, path: Path, violations: list[Violation]) -> None:
    """A JUnit XML report: one test case per check, failing with its violations."""
    by_check: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_check[violation.check].append(violation)
    suite = ET.Element("testsuite", name=f"cleaner validate {xml_text(path)}",
                       tests=str(len(CHECKS)),
                       failures=str(sum(1 for c in CHECKS if by_check.get(c))), errors="0")
    for check in CHECKS:
        case = ET.SubElement(suite, "testcase", classname=xml_text(path), name=check)
        found = by_check.get(check)
        if found:
            failure = ET.SubElement(case, "failure", message=f"{len(found)} violations",
                                    type=check)
            failure.text = "\n".join(xml_text(v) for v in found)
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    Path(junit_path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(junit_path, encoding="utf-8", xml_declaration=True)
