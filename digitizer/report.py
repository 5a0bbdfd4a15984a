"""Validation returns reports; actions raise.  One Report type for validate/verify/QC."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Finding:
    level: str        # error | warning | notice
    message: str
    subject: str = "" # file, page or element the finding is about


@dataclass
class Report:
    title: str = ""
    findings: list[Finding] = field(default_factory=list)

    def error(self, message: str, subject: str = "") -> None:
        self.findings.append(Finding("error", message, subject))

    def warning(self, message: str, subject: str = "") -> None:
        self.findings.append(Finding("warning", message, subject))

    def notice(self, message: str, subject: str = "") -> None:
        self.findings.append(Finding("notice", message, subject))

    def extend(self, other: "Report") -> None:
        self.findings.extend(other.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def to_json(self) -> str:
        return json.dumps({"title": self.title, "is_valid": self.is_valid,
                           "findings": [asdict(f) for f in self.findings]}, ensure_ascii=False, indent=2)

    def lines(self) -> list[str]:
        return [f"{f.level.upper()}: {f.subject + ': ' if f.subject else ''}{f.message}" for f in self.findings]
