"""The network model: schema-driven element tables, building from records, validation, graph."""

from .build import network_from_records
from .network import Network
from .schema import SETTINGS, TABLES, schema_markdown
from .validate import find_problems, validate_network

__all__ = ["Network", "network_from_records", "validate_network", "find_problems", "TABLES",
           "SETTINGS", "schema_markdown"]
