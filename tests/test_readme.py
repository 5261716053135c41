"""The README stays true: the two commands come first and every config key is documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from cleaner.config import SECTIONS, Config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section_text(name: str) -> str:
    match = re.search(rf"^### `\[{name}\]`\n(.*?)(?=^### |^## |\Z)", README, re.S | re.M)
    assert match, f"README has no '### `[{name}]`' section"
    return match.group(1)


def test_the_two_commands_are_shown_before_anything_else():
    first_block = README.split("```")[1]
    assert "make dataset" in first_block and "make test" in first_block


def test_every_config_key_is_documented_in_its_section():
    config = Config()
    missing = []
    for section in SECTIONS:
        text = section_text(section)
        for field in dataclasses.fields(getattr(config, section)):
            if f"`{field.name}`" not in text:
                missing.append(f"[{section}] {field.name}")
    assert missing == []


def test_no_documented_key_is_unknown():
    config = Config()
    unknown = []
    for section in SECTIONS:
        names = {field.name for field in dataclasses.fields(getattr(config, section))}
        for row in re.findall(r"^\| `([a-z_]+)`", section_text(section), re.M):
            if row not in names:
                unknown.append(f"[{section}] {row}")
    assert unknown == []
