"""How long one run of a Region switch step may take, at most: its clients' timeouts and retries
times the calls it makes, plus its waits. The function's Lambda timeout is derived from it
(shared/components/region_actions.py), so a step is never cut off by Lambda in the middle of a
wait it chose to make; tests/recovery/test_action_timeout.py counts the calls each step really
makes against STEP_CALLS.

Standard library only: packaged with region_action.py and loaded by the component at plan time.
"""

from __future__ import annotations

# The region being deactivated may be down or hanging: short timeouts, one retry.
PEER_CONNECT_SECONDS, PEER_READ_SECONDS, PEER_ATTEMPTS = 2, 5, 2
# The activating region answers, perhaps throttled: two retries (botocore's defaults, 60 s
# connect and read with 4 attempts, would make any bound meaningless).
OWN_CONNECT_SECONDS, OWN_READ_SECONDS, OWN_ATTEMPTS = 2, 5, 3
# botocore's standard retry mode waits at most min(2 ** (attempt - 1), 20) s before a retry
# (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
MAX_BACKOFF_SECONDS = 20


def call_seconds(connect: float, read: float, attempts: int) -> float:
    """The longest one API call takes: every attempt connects and reads to its timeout."""
    backoff = sum(min(2 ** retry, MAX_BACKOFF_SECONDS) for retry in range(attempts - 1))
    return attempts * (connect + read) + backoff


PEER_CALL_SECONDS = call_seconds(PEER_CONNECT_SECONDS, PEER_READ_SECONDS, PEER_ATTEMPTS)
OWN_CALL_SECONDS = call_seconds(OWN_CONNECT_SECONDS, OWN_READ_SECONDS, OWN_ATTEMPTS)
# The most calls one run of each step makes: (with the activating region's client config, with
# the short one: the peer's and Global Accelerator's).
STEP_CALLS = {
    "fence-writes": (4, 4),  # mode, own record twice, own write; peer record twice, flag get + put
    "move-traffic": (6, 9),  # own record, write, two flags; peer record, two flags, four GA calls
    "bring-up-database": (3, 0),
}


def step_seconds(step: str, waits: float = 0.0) -> float:
    own, short = STEP_CALLS[step]
    return own * OWN_CALL_SECONDS + short * PEER_CALL_SECONDS + waits
