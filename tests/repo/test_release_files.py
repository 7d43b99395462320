"""What a team evaluating the project looks for first: a licence, a changelog, an honest status."""

import re
import shlex
import subprocess
import sys
import tomllib

import pytest

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


def _quick_start() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def test_the_quick_start_is_two_commands_and_checks_python_before_pip():
    install, test = _quick_start()
    steps = install.split(" && ")
    assert steps[0].startswith("python3 -c ") and "pip install -r requirements.txt" in steps
    assert steps[-1] == "invoke plan --env dev --out plan.json"
    assert test == ". .venv/bin/activate && invoke test"


@pytest.mark.parametrize(("version", "code"), [((3, 10, 12), 1), ((3, 11, 0), 0), ((3, 13, 1), 0)])
def test_the_python_check_stops_an_old_interpreter_with_one_line(version, code):
    check = shlex.split(_quick_start()[0].split(" && ")[0])[2]
    shown = ".".join(map(str, version))
    pretend = f"import sys; sys.version_info = {version!r}; sys.version = '{shown} (x)'\n"
    done = subprocess.run([sys.executable, "-c", pretend + check], capture_output=True, text=True,
                          check=False)
    assert done.returncode == code
    if code:
        assert done.stderr == "Python 3.11+ is needed, this is 3.10.12: install 3.11 or newer first\n"
