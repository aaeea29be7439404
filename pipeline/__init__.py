"""secure-pipeline: run security scanners, normalise their findings, and decide one gated verdict."""

__version__ = "0.1.0"
