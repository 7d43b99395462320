"""The update lock a self-managed (DIY) backend holds on a stack, read from the backend itself.

A DIY backend writes history only when an update ends and never reports `updateInProgress`,
so an update that was killed (a second Ctrl-C, SIGTERM, a lost CI runner) leaves no trace in
`pulumi stack history`: only its lock file, `.pulumi/locks/organization/<project>/<stack>/
<id>.json` ({pid, username, hostname, timestamp}), which Pulumi deletes when an update ends and
`pulumi cancel` deletes by hand ("the stack is currently locked by 1 lock(s). Either wait for
the other process(es) to end or delete the lock file with `pulumi cancel`": pulumi/pulumi
pkg/backend/diy, lock.go). Read here for file:// and s3:// backends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from shared import aws_sdk
from shared.orchestrator.backend import Backend
from shared.orchestrator.errors import OrchestratorError


def lock_prefix(project: str, stack: str) -> str:
    return f".pulumi/locks/organization/{project}/{stack}/"


def held_locks(backend: Backend, project: str, stack: str, s3: Any = None) -> list[str]:
    """Who holds `stack`'s lock, one line per lock file ("user@host (pid N) since T")."""
    prefix = lock_prefix(project, stack)
    if backend.local:
        folder = Path(backend.url.removeprefix("file://")) / prefix
        return [_holder(path.read_text(errors="replace")) for path in sorted(folder.glob("*.json"))]
    if backend.url.startswith("s3://"):
        return _s3_locks(backend.url, prefix, s3)
    return []  # gs://, azblob://: not read; Pulumi Cloud reports updateInProgress itself


def _s3_locks(url: str, prefix: str, s3: Any) -> list[str]:
    parsed = urlparse(url)
    query = dict(part.split("=", 1) for part in parsed.query.split("&") if "=" in part)
    root = parsed.path.strip("/")
    key_prefix = f"{root}/{prefix}" if root else prefix
    client = s3 or aws_sdk.client("s3", region_name=query.get("region"))
    try:
        listed = client.list_objects_v2(Bucket=parsed.netloc, Prefix=key_prefix)
        return [_holder(client.get_object(Bucket=parsed.netloc, Key=item["Key"])["Body"].read().decode())
                for item in listed.get("Contents", [])]
    except (BotoCoreError, ClientError) as error:
        raise OrchestratorError(f"cannot read the state lock under {url}/{prefix}: "
                                f"{str(error).splitlines()[0]}") from None


def _holder(text: str) -> str:
    try:
        lock = json.loads(text)
    except json.JSONDecodeError:
        return "an unreadable lock file"
    return (f"{lock.get('username', '?')}@{lock.get('hostname', '?')} (pid {lock.get('pid', '?')}) "
            f"since {lock.get('timestamp', '?')}")
