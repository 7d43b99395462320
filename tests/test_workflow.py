"""The platform CI workflow calls tasks that exist, with options they take, with no more
permission than each job uses, and deploys with OIDC credentials and the shared backend."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from invoke import Collection
from invoke.parser import ParseError, Parser

import tasks
from shared import ci_settings
from shared.config import REPO_ROOT

IAM_SECTION = "## The deployer's IAM permissions"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "platform.yml"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return document


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on` key as the boolean true.
    raw: dict[Any, Any] = workflow
    triggers: dict[str, Any] = raw["on"] if "on" in raw else raw[True]
    return triggers


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    return steps


def _invoke_calls(workflow: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(job, argv after `invoke`) for every invoke command in a `run:` script."""
    calls = []
    for job, spec in workflow["jobs"].items():
        for step in spec["steps"]:
            script = EXPRESSION.sub("EXPR", step.get("run", "")).replace("\\\n", " ")
            for line in script.splitlines():
                words = shlex.split(line, comments=True)
                for redirect in (">", ">>"):
                    if redirect in words:
                        words = words[: words.index(redirect)]
                if words[:1] == ["invoke"]:
                    calls.append((job, words[1:]))
    return calls


def _uses(workflow: dict[str, Any], job: str, action: str) -> dict[str, Any]:
    found = [s for s in _steps(workflow, job) if s.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"{job} should use {action} once"
    return found[0]


def test_every_invoke_call_names_a_task_and_options_it_takes(workflow: dict[str, Any]) -> None:
    parser = Parser(contexts=Collection.from_module(tasks).to_contexts())
    calls = _invoke_calls(workflow)
    called = {argv[0] for _, argv in calls}
    assert {"test", "check", "plan", "deploy-all"} <= called
    for job, argv in calls:
        try:
            parsed = parser.parse_argv(argv)
        except ParseError as error:
            pytest.fail(f"{job}: invoke {' '.join(argv)}: {error}")
        assert len(parsed) == 1, f"{job}: one task per invoke line, got {argv}"


def test_pull_requests_test_check_and_post_the_plan_diff(workflow: dict[str, Any]) -> None:
    assert "pull_request" in _triggers(workflow)
    calls = _invoke_calls(workflow)
    # the README's test command (Quick start), as .ci/run runs it
    assert "pull_request" in workflow["jobs"]["test"]["if"] and ("test", ["test"]) in calls
    # prod is checked and planned with CI's explicit test certificates, exactly those
    prod_flags = ci_settings.set_flags("prod").split()
    assert ("plan-diff", ["check", "--env", "prod", *prod_flags]) in calls
    prod_plans = [argv for job, argv in calls if argv[:3] == ["plan", "--env", "prod"]]
    assert prod_plans and all(argv[-len(prod_flags):] == prod_flags for argv in prod_plans)
    diff = [argv for job, argv in calls if job == "plan-diff" and argv[0] == "plan"]
    assert diff and all(argv[argv.index("--compare") + 1] == "$BASE" for argv in diff)
    assert all(argv[argv.index("--format") + 1] == "markdown" for argv in diff)
    base = next(s for s in _steps(workflow, "plan-diff") if "env" in s)["env"]["BASE"]
    assert base == "origin/${{ github.base_ref }}"
    # the base branch's commit must be in the clone for `git archive`
    assert _uses(workflow, "plan-diff", "actions/checkout")["with"]["fetch-depth"] == 0
    assert _uses(workflow, "plan-diff", "marocchino/sticky-pull-request-comment")["with"]["path"] \
        == "plan-diff.md"


def test_main_deploys_dev_with_oidc_and_the_shared_backend(workflow: dict[str, Any]) -> None:
    assert _triggers(workflow)["push"]["branches"] == ["main"]
    job = workflow["jobs"]["deploy-dev"]
    assert "refs/heads/main" in job["if"]
    assert ("deploy-dev", ["deploy-all", "--env", "dev", "--yes", "--report",
                           "deploy-report.json"]) in _invoke_calls(workflow)
    credentials = _uses(workflow, "deploy-dev", "aws-actions/configure-aws-credentials")["with"]
    assert credentials["role-to-assume"].startswith("${{ vars.")
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(credentials)
    assert job["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert job["env"]["PULUMI_CONFIG_PASSPHRASE"].startswith("${{ secrets.")
    assert "AWS_ACCESS_KEY_ID" not in WORKFLOW.read_text()
    version = str(_uses(workflow, "deploy-dev", "pulumi/actions")["with"]["pulumi-version"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pin the Pulumi CLI to one release"


def _layer_venvs() -> set[Path]:
    """The virtualenv each layer's Pulumi.yaml names, resolved as Pulumi does: from its folder."""
    found = set()
    for project in sorted((REPO_ROOT / "stacks").glob("*/Pulumi.yaml")):
        options = yaml.safe_load(project.read_text(encoding="utf-8"))["runtime"]["options"]
        found.add((project.parent / options["virtualenv"]).resolve())
    return found


@pytest.mark.parametrize("job", ["deploy-dev", "test"])
def test_jobs_that_start_layer_programs_install_into_the_venv_every_layer_names(
        workflow: dict[str, Any], job: str) -> None:
    """deploy-dev's pulumi, and test's tests/stacks/test_as_pulumi_up.py, start each program
    with the interpreter of the venv its Pulumi.yaml names."""
    (venv,) = _layer_venvs()
    name = str(venv.relative_to(REPO_ROOT))
    steps = _steps(workflow, job)
    scripts = [" ".join(step.get("run", "").split()) for step in steps]
    first_invoke = next(i for i, s in enumerate(scripts) if s.startswith("invoke "))
    setup = " ".join(scripts[:first_invoke])
    # Pulumi's language host would create the venv empty and the program die on `import pulumi`.
    assert f"python -m venv {name}" in setup
    assert re.search(rf"{re.escape(name)}/bin/(python -m )?pip install -r requirements.txt", setup)
    # invoke (and the pulumi it starts) must come from that venv too
    assert f'echo "$PWD/{name}/bin" >> "$GITHUB_PATH"' in setup


def test_the_deploy_job_checks_guardrails_first_and_outlives_a_first_deploy(
        workflow: dict[str, Any]) -> None:
    calls = [argv for job, argv in _invoke_calls(workflow) if job == "deploy-dev"]
    assert calls[0] == ["check", "--env", "dev"] and calls[1][0] == "deploy-all"
    credentials = _uses(workflow, "deploy-dev", "aws-actions/configure-aws-credentials")["with"]
    # The OIDC session's default is one hour; a first deploy of the seven layers takes longer.
    assert int(credentials.get("role-duration-seconds", 3600)) >= 3 * 3600
    artifact = _uses(workflow, "deploy-dev", "actions/upload-artifact")["with"]
    assert ".runs/dev/" in artifact["path"]
    # upload-artifact >= 4.4 drops hidden paths (.runs/) unless told otherwise
    assert artifact.get("include-hidden-files") is True


def test_a_fork_pull_request_keeps_the_plan_diff_green(workflow: dict[str, Any]) -> None:
    comment = _uses(workflow, "plan-diff", "marocchino/sticky-pull-request-comment")
    condition = " ".join(comment.get("if", "").split())
    assert condition == "github.event.pull_request.head.repo.full_name == github.repository"
    scripts = [step.get("run", "") for step in _steps(workflow, "plan-diff")]
    assert any('plan-diff.md >> "$GITHUB_STEP_SUMMARY"' in script for script in scripts)


def test_permissions_are_only_what_each_job_uses(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {}
    granted = {name: job.get("permissions") for name, job in workflow["jobs"].items()}
    assert granted == {
        "test": {"contents": "read"},
        "plan-diff": {"contents": "read", "pull-requests": "write"},
        "deploy-dev": {"contents": "read", "id-token": "write"},
    }


def test_every_action_is_pinned_to_a_release(workflow: dict[str, Any]) -> None:
    uses = [step["uses"] for job in workflow["jobs"] for step in _steps(workflow, job)
            if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+)*", use) for use in uses)



def test_the_ci_doc_sends_the_deploy_role_to_the_generated_policy() -> None:
    # The permissions themselves are generated and checked in tests/deployer/.
    readme = (REPO_ROOT / "docs/platform/ci.md").read_text(encoding="utf-8")
    section = readme.split(IAM_SECTION, 1)[1].split("\n#", 1)[0]
    assert "invoke deployer-policy --env dev" in section
    assert "us-west-2 for Global Accelerator" in " ".join(section.replace("*", "").split())
