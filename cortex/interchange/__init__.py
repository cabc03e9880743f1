"""The model travels: metrics.yml to and from dbt MetricFlow, Snowflake semantic views and OSI.

Each format has one module: `dbt` (a dbt project's semantic models, metrics and saved queries,
read and validated with dbt-semantic-interfaces), `snowflake` (a semantic view / Cortex Analyst
semantic model YAML) and `osi` (Open Semantic Interchange). An import returns the metrics.yml
document it could build (`Imported`), an export the files it wrote (`Exported`); both list
what did not map, each at its file:line (`Unmapped`). `write_metrics` writes an import only
when the semantic layer's loader accepts it. What a format cannot say but Cortex needs
(synonyms, owners, certification, snapshots, verified questions...) travels in the format's
own extension fields (`meta`, `custom_extensions`), so that a round trip keeps it.
"""

from cortex.interchange.common import Exported as Exported
from cortex.interchange.common import Imported as Imported
from cortex.interchange.common import InterchangeError as InterchangeError
from cortex.interchange.common import Unmapped as Unmapped
from cortex.interchange.common import write_exported as write_exported
from cortex.interchange.common import write_metrics as write_metrics

__all__ = [
    "Exported",
    "Imported",
    "InterchangeError",
    "Unmapped",
    "write_exported",
    "write_metrics",
]
