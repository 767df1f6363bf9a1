"""The code of the testing guide runs: every Python block of the sections below is executed,
and every ``test_*`` function it defines is called, so the guide cannot drift from the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "testing-with-fakes.md"
#: Sections whose code is complete (the others show fragments of a larger test).
SECTIONS = ["The rig: both fakes and a service in two lines", "A complete test"]


def blocks(section: str) -> list[str]:
    """The Python code blocks of one ``##`` section of the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    body = text[start:] if end < 0 else text[start:end]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


@pytest.mark.parametrize("section", SECTIONS)
def test_the_guide_sections_code_runs(section: str) -> None:
    code = blocks(section)
    assert code, f"the section {section!r} shows no Python code"
    for n, source in enumerate(code):
        namespace: dict[str, object] = {"__name__": f"guide_block_{n}"}
        exec(compile(source, f"{GUIDE.name}[{section}#{n}]", "exec"), namespace)
        for name, value in namespace.items():
            if name.startswith("test_") and callable(value):
                test: Callable[[], object] = value  # type: ignore[assignment]
                test()


def test_the_rig_section_shows_the_two_lines() -> None:
    first = blocks(SECTIONS[0])[0].strip().splitlines()
    assert [line for line in first if line] == [
        "from autotask_fn.testing.rig import SyncRig", "rig = SyncRig()"]
