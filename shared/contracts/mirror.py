"""The contract mirror: every layer's published outputs as SSM parameters in both DR regions.

Path: `/dr/<env>/contract/<layer>/<output_name>`, one standard-tier parameter per output (the
biggest output, monitoring's `alarm_names`, is about 1 KB; one document per layer would not fit
compute's outputs in 4 KB, and per-output names let CloudFormation, Terraform and the AWS CLI
read one value directly). Never under `/dr/<env>/shared/`, which the parameter replicator copies:
each region's copy is written by the deploy itself.

Encoding, by the output's declared type (shared/contracts/base.py):
- `string`: the text itself, so `aws ssm get-parameter ... --query Parameter.Value` is the value;
- `number`, `list`, `map`, and any output declared nullable: compact JSON with sorted keys
  (`80`, `["subnet-1","subnet-2"]`, `{"api":"arn:..."}`, `null`, `"api.example.com"`); a nullable
  string is JSON too, so null and the text "null" stay different.
Pure Python: the Pulumi side (shared/components/contract_mirror.py) and the boto3 reader
(shared/ops/aws/mirror.py) share it.
"""

from __future__ import annotations

import json
from typing import Any

from shared.contracts.base import LIST, MAP, NUMBER, STRING, OutputSpec

# Standard-tier parameter values hold at most 4 KB.
STANDARD_VALUE_LIMIT = 4096
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {STRING: (str,), NUMBER: (int, float), LIST: (list, tuple),
                                              MAP: (dict,)}


class MirrorValueError(ValueError):
    """A value that does not match its output's declared type, or does not fit a parameter."""


def contract_prefix(environment: str) -> str:
    return f"/dr/{environment}/contract/"


def layer_prefix(environment: str, layer: str) -> str:
    return f"{contract_prefix(environment)}{layer}/"


def parameter_name(environment: str, layer: str, output: str) -> str:
    return f"{layer_prefix(environment, layer)}{output}"


def _check_type(spec: OutputSpec, value: Any) -> None:
    if value is None:
        if not spec.nullable:
            raise MirrorValueError(f"output {spec.name} is null but is declared {spec.type_label}")
        return
    allowed = _PYTHON_TYPES[spec.type]
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise MirrorValueError(f"output {spec.name} is a {type(value).__name__}, "
                               f"declared {spec.type_label} (shared/contracts/)")


def is_raw(spec: OutputSpec) -> bool:
    """Whether the parameter holds the text itself (a non-null string) rather than JSON."""
    return spec.type == STRING and not spec.nullable


def encode(spec: OutputSpec, value: Any) -> str:
    """The parameter value holding `value`; refuses a wrong type, an empty text or one over 4 KB."""
    _check_type(spec, value)
    text = value if is_raw(spec) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    if not text:
        raise MirrorValueError(f"output {spec.name} is empty; a parameter cannot hold an empty value")
    size = len(text.encode("utf-8"))
    if size > STANDARD_VALUE_LIMIT:
        raise MirrorValueError(f"output {spec.name} is {size} bytes encoded, over the {STANDARD_VALUE_LIMIT}"
                               "-byte limit of a standard parameter")
    return text


def decode(spec: OutputSpec, text: str) -> Any:
    """The output's value from its parameter's text; the inverse of `encode`."""
    if is_raw(spec):
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise MirrorValueError(f"output {spec.name}: the parameter is not the JSON its type "
                               f"({spec.type_label}) is stored as") from None
    _check_type(spec, value)
    return value
