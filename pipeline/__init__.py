"""gendan (跟单): the merchandiser's document desk.

The public surface: a `Desk` over a `Workspace` processes inbox files into the archive.
"""

from .config import Settings, Workspace, load_settings
from .errors import GendanError
from .process import Desk, Outcome

__all__ = ["Desk", "GendanError", "Outcome", "Settings", "Workspace", "load_settings"]
__version__ = "0.1.0"
