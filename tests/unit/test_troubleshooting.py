"""docs/troubleshooting.md explains every public error class (a new one must be added there)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import interop.errors as errors

PAGE = Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md"


def test_every_public_error_class_has_a_section() -> None:
    classes = {
        name
        for name, obj in vars(errors).items()
        if inspect.isclass(obj)
        and issubclass(obj, errors.InteropError)
        and obj.__module__ == errors.__name__
        and not name.startswith("_")
    }
    headings = set(re.findall(r"^### (\w+)$", PAGE.read_text(), flags=re.M))
    assert classes - headings == set(), "errors missing from docs/troubleshooting.md"
    assert headings - classes == set(), "sections for errors that do not exist"
