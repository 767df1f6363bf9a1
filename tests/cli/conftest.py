"""Fixtures of the command-line tests."""

from served import served

__all__ = ["served"]
