"""What an import did: the report, and the row errors gathered on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
# Error rows kept in the report; the counts stay exact beyond it.
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True, slots=True)
class RowError:
    """One rejected row (severity "error") or one row imported with a fix-up ("warning")."""

    file: str
    line: int
    reason: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did; `rejected` counts rows of every feed that were left out."""

    catalog_path: Path
    products: int
    imported: int
    updated: int
    unchanged: int
    retired: int
    rejected: int
    inventory_rows: int = 0
    appearance_rows: int = 0
    stores: int = 0
    warnings: int = 0
    errors: tuple[RowError, ...] = ()
    errors_omitted: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.products / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"catalog: {self.catalog_path}",
            f"products: {self.products} active ({self.imported} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.retired} retired)",
            f"inventory rows: {self.inventory_rows} across {self.stores} stores; "
            f"appearances: {self.appearance_rows}",
            f"rejected rows: {self.rejected}; warnings: {self.warnings}",
            f"took {self.seconds:.2f} s ({rate:,.0f} products/s)",
        ]
        return "\n".join(lines)


@dataclass
class Collector:
    """Gathers row errors for the report without letting a million bad rows eat memory."""

    errors: list[RowError] = field(default_factory=list)
    omitted: int = 0
    rejected: int = 0
    warnings: int = 0

    def reject(self, file: str, line: int, reason: str) -> None:
        self.rejected += 1
        self._keep(RowError(file, line, reason, "error"))

    def warn(self, file: str, line: int, reason: str) -> None:
        self.warnings += 1
        self._keep(RowError(file, line, reason, "warning"))

    def _keep(self, error: RowError) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)
        else:
            self.omitted += 1


class RowProblem(Exception):
    """A row cannot be imported; the message is the reason shown to the retailer."""
