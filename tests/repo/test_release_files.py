"""What a team evaluating the project looks for first: a licence, a changelog, an honest status."""

import re
import tomllib

from shared.config import REPO_ROOT

KEEP_A_CHANGELOG_KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security",
                          "Not yet verified"}


def test_the_licence_is_the_whole_apache_2_0_text_and_the_package_declares_it():
    text = (REPO_ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    # The whole text, not a one-line mention: its nine sections and the end of the terms.
    assert "9. Accepting Warranty or Additional Liability" in text
    assert "END OF TERMS AND CONDITIONS" in text
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "Apache-2.0"}


def test_the_changelog_follows_keep_a_changelog_with_an_unreleased_section():
    text = (REPO_ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    versions = re.findall(r"^## \[(.+?)\]", text, flags=re.M)
    assert versions[0] == "Unreleased"
    kinds = set(re.findall(r"^### (.+)$", text, flags=re.M))
    assert kinds and kinds <= KEEP_A_CHANGELOG_KINDS, kinds - KEEP_A_CHANGELOG_KINDS
    assert re.search(r"^- ", text, flags=re.M), "a changelog section without entries"


def test_the_readme_says_what_has_not_run_against_a_real_account_and_links_the_files():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "Nothing here has run against a real AWS account yet" in readme
    for target in ("LICENSE", "CHANGELOG.md", "docs/sandbox-proof.md"):
        assert f"]({target})" in readme, target
        assert (REPO_ROOT / target).is_file(), target
