"""Documentation generated from the code: the output contract app teams read in the README."""

from __future__ import annotations

import re
from pathlib import Path

from shared.contracts import LAYERS

BEGIN, END = "<!-- contract:begin -->", "<!-- contract:end -->"


def contract_markdown() -> str:
    sections = []
    for spec in LAYERS.values():
        reads = ", ".join(f"`{p}`" for p in spec.depends_on) or "nothing"
        rows = "\n".join(f"| `{o.name}` | {o.description}{' (secret)' if o.secret else ''} |"
                         for o in spec.outputs)
        sections.append(f"#### `{spec.name}`\n\n{spec.description}. Reads: {reads}.\n\n"
                        f"| output | meaning |\n|---|---|\n{rows}\n")
    return "\n".join(sections)


def refresh_readme(path: Path) -> bool:
    """Rewrite the contract section between the markers; True when it changed."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {BEGIN} ... {END} section")
    updated = pattern.sub(lambda _: f"{BEGIN}\n{contract_markdown()}{END}", text)
    path.write_text(updated, encoding="utf-8")
    return updated != text
