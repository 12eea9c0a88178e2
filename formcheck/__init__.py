"""formcheck: a pose-tracking form checker for hip rehabilitation exercises."""

__version__ = "0.1.0"
