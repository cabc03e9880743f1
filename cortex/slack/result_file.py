"""The whole result of an answer as a CSV file, for the thread when its table is cut.

A table block shows at most 99 rows; the file holds every row the query returned, with the
column labels as the header and the values as numbers (not `$4.2M`), so a spreadsheet can sum
them. Its name comes from the answer's metrics.
"""

from __future__ import annotations

import re

from cortex.answer import Answer

__all__ = ["result_csv"]


def result_csv(answer: Answer) -> tuple[str, bytes] | None:
    """(file name, CSV bytes) of the answer's result, or None without a result."""
    if answer.compiled is None or answer.result is None:
        return None
    columns = list(answer.compiled.columns)
    frame = answer.result.frame[[c.name for c in columns]]
    frame = frame.set_axis([c.label or c.name for c in columns], axis=1)
    names = "-".join(m.name for m in answer.compiled.provenance.metrics) or "result"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", names)[:80].strip("-") or "result"
    return f"cortex-{stem}.csv", frame.to_csv(index=False).encode("utf-8")
