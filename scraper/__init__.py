"""aktuellt: watches Göteborgs Stad's "Aktuellt" listing and publishes it as feeds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("aktuellt")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
