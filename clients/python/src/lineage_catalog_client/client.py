"""CatalogClient: every write of the API as a typed method, runs, evaluations, bulk loads."""

from __future__ import annotations

from lineage_catalog_client.bulk import BulkLoads
from lineage_catalog_client.monitoring import MonitoringWrites
from lineage_catalog_client.runs import RunWrites


class CatalogClient(RunWrites, MonitoringWrites, BulkLoads):
    """A synchronous client of one catalog. The URL and token come from the arguments, else
    from LINEAGE_CATALOG_URL and LINEAGE_CATALOG_TOKEN, else http://127.0.0.1:8000 and none."""

    def __enter__(self) -> CatalogClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
