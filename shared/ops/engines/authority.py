"""Who may write, as the operations read it after a move: the authority record
(shared/ops/aws/authority.py, the item every function reads) with the active-region parameter
beside it, and the compatibility write fences.

One function on purpose: the single place the plan engine asks "does the authority agree with
this move".
"""

from __future__ import annotations

from shared.ops.aws.errors import AWS_ERRORS, one_line
from shared.ops.engines.steps import Moves


def authority_settled(moves: Moves) -> tuple[bool, str]:
    """True when the authority names the target and the fences match the move (the source
    fenced, or both open after a failback); what was read, either way."""
    try:
        named, authority = moves.parameters_settled()
        fence = moves.reopen() if moves.request.restore_deployed_dials else moves.fence()
        fenced, fences = fence.check()
    except AWS_ERRORS as error:
        return False, f"unreadable: {one_line(error)}"
    return named and fenced, f"authority {authority}; write fences {fences}"
