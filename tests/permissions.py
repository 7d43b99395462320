"""Which AWS operations a Lambda handler really performs, and whether an IAM policy allows them.

The handler tests record every call a function's code makes (a botocore `provide-client-params`
hook on the clients, under moto and the Stubber), attributed to the function whose entry module
is outermost on the stack. `requirements` turns a call into the IAM actions and resource ARNs
AWS authorizes it on; `denied` checks them against a role's policy documents.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

# Variables whose values name resources: a test's values are translated to the plan's.
_NAMING_SUFFIXES = ("_NAME", "_PARAMETER", "_PREFIX", "_ARN", "_REGION")


@dataclass(frozen=True)
class Call:
    function: str  # the handler module Lambda invokes (api, health, ...)
    service: str  # botocore's service name: ssm, dynamodb, ...
    operation: str  # the API operation: GetParameter, PutItem, ...
    region: str
    params: dict[str, Any]
    env: dict[str, str]  # the naming variables the function ran with
    secure: bool = False  # an SSM parameter read back as a SecureString
    extra: dict[str, Any] = field(default_factory=dict)


def naming_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.endswith(_NAMING_SUFFIXES) or k == "AWS_REGION"}


def calling_function(handlers_dir: Path, functions: Iterable[str]) -> str | None:
    """The outermost handler entry module on the stack: the function whose invocation this is."""
    names = set(functions)
    for frame in reversed(inspect.stack(context=0)):
        path = Path(frame.filename)
        if path.parent == handlers_dir and path.stem in names:
            return path.stem
    return None


def recorder(handlers_dir: Path, functions: Iterable[str],
             sink: Callable[[Call], None]) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two hooks to register: `provide-client-params.*.*` records, `after-call.ssm.GetParameter`
    marks a SecureString read (decrypting it needs kms:Decrypt besides ssm:GetParameter)."""
    functions = tuple(functions)

    def record(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        function = calling_function(handlers_dir, functions)
        if function is None:
            return
        call = Call(function, model.service_model.service_name, model.name, context["client_region"],
                    json.loads(json.dumps(params, default=str)), naming_env())
        context["dr_call"] = call
        if (call.service, call.operation) != ("ssm", "GetParameter"):
            sink(call)

    def after(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.get("dr_call")
        if call is not None:
            secure = parsed.get("Parameter", {}).get("Type") == "SecureString"
            sink(Call(**{**asdict(call), "secure": secure}))

    return record, after


def translate(value: str, test_env: Mapping[str, str], plan_env: Mapping[str, str]) -> str:
    """A resource name the test used, renamed to the plan's through the variable that named it
    (the longest test value that prefixes it): TABLE_NAME dr-dev-items -> the plan's table."""
    best = max((k for k, v in test_env.items() if v and value.startswith(v) and k in plan_env),
               key=lambda k: len(test_env[k]), default=None)
    return value if best is None else plan_env[best] + value[len(test_env[best]):]


def requirements(call: Call, region: str, account: str, plan_env: Mapping[str, str],
                 region_key: Callable[[str], str]) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs AWS authorizes `call` on, in the plan's names.
    `region` is where the plan's function would make it; `region_key(region)` is the data layer's
    CMK there (SecureStrings are under it)."""
    def name(key: str) -> str:
        return translate(str(call.params[key]), call.env, plan_env)

    action = f"{call.service}:{call.operation}"
    if call.service == "dynamodb":
        return [(action, f"arn:aws:dynamodb:{region}:{account}:table/{name('TableName')}")]
    if call.service == "ssm":
        needed = [(action, f"arn:aws:ssm:{region}:{account}:parameter{name('Name')}")]
        if call.operation == "GetParameter" and call.params.get("WithDecryption") and call.secure:
            needed.append(("kms:Decrypt", region_key(region)))
        if call.operation == "PutParameter" and call.params.get("Type") == "SecureString":
            needed.append(("kms:Encrypt", name("KeyId") if "KeyId" in call.params else region_key(region)))
        return needed
    raise AssertionError(f"no IAM rule for {call.service}:{call.operation} (called by "
                         f"{call.function}): add one to tests/permissions.py")


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def allowed(documents: Iterable[Mapping[str, Any]], action: str, resource: str) -> bool:
    """Whether an Allow statement grants `action` on `resource` (wildcards as IAM matches them)."""
    return any(statement["Effect"] == "Allow"
               and any(fnmatchcase(action, pattern) for pattern in _listed(statement["Action"]))
               and any(fnmatchcase(resource, pattern) for pattern in _listed(statement["Resource"]))
               for document in documents for statement in document["Statement"])


def denied(documents: list[Mapping[str, Any]], needed: Iterable[tuple[str, str]]) -> list[str]:
    return sorted({f"{action} on {resource}" for action, resource in needed
                   if not allowed(documents, action, resource)})
