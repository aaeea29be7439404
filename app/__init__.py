"""The secure sample app: security resources for developing on Azure."""
from app.factory import create_app

__all__ = ["create_app"]
