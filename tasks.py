"""invoke tasks: plan, deploy, operate and check the multi-region DR system.

Each task lives in a module of shared/cli by concern; this file is their index.
`invoke --list` shows them, `invoke --help <task>` explains one.
"""

from shared.cli.adopt import adopt
from shared.cli.check import check
from shared.cli.cost import cost
from shared.cli.deploy import deploy_all, destroy, destroy_all, outputs, preview_all, up
from shared.cli.deployer import deployer_policy
from shared.cli.leftovers import clean_leftovers
from shared.cli.ops import drill, failback, failover, redrive, status
from shared.cli.plan import docs, graph, lint, plan, test
from shared.cli.proof import prove
from shared.cli.unfence import unfence

__all__ = ["adopt", "check", "clean_leftovers", "cost", "deploy_all", "deployer_policy", "destroy",
           "destroy_all", "docs", "drill", "failback", "failover", "graph", "lint", "outputs", "plan",
           "preview_all", "prove", "redrive", "status", "test", "unfence", "up"]
