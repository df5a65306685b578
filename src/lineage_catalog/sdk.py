"""The Python client, kept importable by its old name: it lives in the lineage-catalog-client
distribution (clients/python), which needs only httpx. New code imports
`lineage_catalog_client`; see docs/sdk.md."""

from lineage_catalog_client import *  # noqa: F403
from lineage_catalog_client import __all__ as __all__
