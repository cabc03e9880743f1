"""The demo company: a helpdesk SaaS for e-commerce brands, built into DuckDB.

`build_demo(path, scale=..., as_of=..., seed=...)` writes six tables (accounts, subscriptions,
tickets, conversions, opportunities, okr_targets) into a fresh DuckDB file. Scale 1 is about
5,000 accounts and 1,000,000 tickets. The same seed, scale and as-of day give the same rows.

Every table is produced by set-based SQL (`range()`, `INSERT ... SELECT`); Python never loops
over rows. The modules, in the order a build runs them:

- `build`: `build_demo` and `DemoSummary`; checks the arguments and runs the steps below.
- `params`: the build's seed, sizes and dates (`Params`), filled into every SQL template.
- `sql`: the reproducible random draws (hash macros) and SQL literals, picks and lookups.
- `schema`: the tables and their columns.
- `names` and `accounts`: brand names and owners; the merchants, their churn and AI adoption.
- `subscriptions`: contract periods and ARR movements.
- `tickets`: the seasonal calendar and the tickets drawn over it.
- `conversions`, `opportunities`, `okr_targets`: orders, deals and this quarter's targets.
"""

from cortex.demo.build import (
    ACCOUNTS_PER_SCALE,
    MAX_SCALE,
    MIN_SCALE,
    TICKETS_PER_SCALE,
    DemoBuildError,
    DemoSummary,
    ProgressCallback,
    build_demo,
)
from cortex.demo.params import HISTORY_MONTHS
from cortex.demo.schema import TABLES

__all__ = [
    "ACCOUNTS_PER_SCALE",
    "HISTORY_MONTHS",
    "MAX_SCALE",
    "MIN_SCALE",
    "TABLES",
    "TICKETS_PER_SCALE",
    "DemoBuildError",
    "DemoSummary",
    "ProgressCallback",
    "build_demo",
]
