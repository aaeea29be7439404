"""Advisory data for the dependency stage: OSV records, version matching, severity, a local query server."""

from .database import AdvisoryDB, AdvisoryError
from .server import MirrorServer
from .versions import canonical_name

__all__ = ["AdvisoryDB", "AdvisoryError", "MirrorServer", "canonical_name"]
