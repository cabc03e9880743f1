"""okr.status: how the company stands against its objectives (OKRs), read where metrics.yml's
`objectives` says they live; `okr_ids` lists them for planners."""

from __future__ import annotations

from skills.okr.objectives import okr_ids
from skills.okr.skill import OkrStatus, OkrStatusInput

__all__ = ["OkrStatus", "OkrStatusInput", "okr_ids"]
