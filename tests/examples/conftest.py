"""Fixtures of the example tests: the served fakes of the command-line tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))

from served import served

__all__ = ["served"]
