"""hello-world: a small long-running HTTP service."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hello-world")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"
