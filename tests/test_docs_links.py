"""Every link in the README and docs/ resolves: the file exists, and an anchor names a heading of
that file (GitHub's slugs), so moving a section never leaves a reader at a dead end. The front
page stays a front page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("README.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, in_code = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            found.add(slug(line))
    return found


def links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [target for target in LINK.findall(text) if not re.match(r"^[a-z]+:", target)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(doc: Path) -> None:
    broken = []
    for target in links(doc):
        name, _, anchor = target.partition("#")
        path = (doc.parent / name).resolve() if name else doc
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.relative_to(ROOT)}")
    assert broken == []


def test_the_checker_sees_a_dead_anchor_and_a_missing_file(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Top: `invoke plan --compare REF`\n"
                    "[a](#top-invoke-plan---compare-ref) [b](#gone) [c](x.md)\n")
    assert links(page) == ["#top-invoke-plan---compare-ref", "#gone", "x.md"]
    assert anchors(page) == {"top-invoke-plan---compare-ref"}


def test_the_readme_is_a_front_page_that_reaches_every_doc() -> None:
    readme = ROOT / "README.md"
    assert len(readme.read_text(encoding="utf-8").splitlines()) <= 250
    reachable, todo = set(), [readme]
    while todo:
        page = todo.pop()
        for target in links(page):
            name = target.partition("#")[0]
            path = (page.parent / name).resolve() if name else page
            if path.suffix == ".md" and path.exists() and path not in reachable:
                reachable.add(path)
                todo.append(path)
    unreachable = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")
                         if p not in reachable)
    assert unreachable == []
