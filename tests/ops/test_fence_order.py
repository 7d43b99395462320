"""A planned move never leaves nobody writing because of the source: it checks it can fence the
source before the authority record stops every writer, and gives the source its writes back when
the source's replica never receives the record that stops it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from shared.ops.aws.errors import StepFailed
from shared.ops.engines.move import PLANNED, FailoverRequest
from tests.ops.conftest import PRIMARY, SECONDARY
from tests.ops.test_failover import queue_preflight


def refuse_fence_writes(aws, region: str) -> None:
    """`region`'s Parameter Store refuses the write-fence flag (a policy, a grey region)."""
    fence = aws.topology.writes_enabled_parameter_name

    def refuse(params, **_) -> None:
        if params.get("Name") == fence:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}},
                              "PutParameter")

    aws.clients.ssm(region).meta.events.register_first("provide-client-params.ssm.PutParameter", refuse)


def test_a_source_that_cannot_be_fenced_fails_the_step_before_anyone_stops_writing(aws, engine):
    queue_preflight(aws)
    refuse_fence_writes(aws, PRIMARY)

    with pytest.raises(StepFailed, match="step fence failed"):
        engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()  # nothing past the fence was asked of Aurora
    for region in (PRIMARY, SECONDARY):  # no record was written: the primary still writes
        record = aws.authority_in(region)
        assert (record.generation, record.active_region) == (0, PRIMARY)


def test_a_source_replica_that_never_receives_the_record_gets_its_writes_back(aws, engine):
    queue_preflight(aws)
    aws.replication.lagging.add(PRIMARY)  # the primary answers, its replica receives nothing

    with pytest.raises(StepFailed) as failed:
        engine.run(FailoverRequest("secondary", PLANNED))

    assert "rolled back: generation 2: us-east-1 writes" in str(failed.value)
    aws.verify_all_used()
    record = aws.authority_in(PRIMARY)  # written there first; the primary never stopped
    assert (record.generation, record.active_region) == (2, PRIMARY)
    assert aws.fence_in(PRIMARY) == "true"
