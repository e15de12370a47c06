"""Entry point for mod_wsgi-express."""

from app import app as application  # noqa: F401
