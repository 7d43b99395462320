"""The DR strategy (`dr:strategy`): what the secondary region runs while it stands by, what a
failover must bring up before it promotes, and the recovery time each can deliver.

AWS's disaster-recovery ladder trades standing cost against recovery time. Three rungs are
offered here (backup-and-restore is not: every store already replicates):

- `hot-standby` (the default, the shape this project always had): the secondary runs what the
  primary runs, its Aurora cluster with a db.serverless instance at dr:auroraMinAcu.
- `warm-standby`: everything present, at minimum size: the secondary instance runs at
  Serverless v2's smallest non-pausing capacity (STANDBY_MIN_ACU) and a failover raises it
  to dr:auroraMinAcu before it promotes.
- `pilot-light`: the data keeps replicating (Aurora storage, the DynamoDB replica, S3
  replication, the replica key, the secret's replica, the parameters), but the secondary Aurora
  cluster is *headless*: no DB instance, so no compute is billed. AWS supports this for a global
  database's secondary ("Creating a headless Aurora DB cluster in a secondary Region", Aurora
  User Guide: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-attach.console.headless.html
  "Without the DB instance, you're not charged for compute, only for storage"); for Aurora
  PostgreSQL the secondary is added through the API without a reader instance, which is what
  the data layer does. Serverless v2 is an instance class (db.serverless), so the cluster keeps
  its scaling range and the instance a failover adds takes it. A failover first adds that
  instance and waits for it (shared/ops/engines/bring_up.py), then promotes.
  What stays running in the secondary: the network (its NLB, ALB and interface endpoints,
  because Global Accelerator's endpoint group and the Route 53 check need a live NLB, and the
  VPC functions need the endpoints), the functions (Lambda has no standing charge) and the
  APIs. Leaving those out would save little (the NLB/ALB pair) and make the failover rebuild
  the entry path under pressure, the slow and risky part.
"""

from __future__ import annotations

from dataclasses import dataclass

PILOT_LIGHT, WARM_STANDBY, HOT_STANDBY = "pilot-light", "warm-standby", "hot-standby"
STRATEGIES = (PILOT_LIGHT, WARM_STANDBY, HOT_STANDBY)
DEFAULT = HOT_STANDBY
# Serverless v2's smallest capacity that never pauses: a standby that must answer its health
# check and replicate at once after a failover cannot wait for a resume.
STANDBY_MIN_ACU = 0.5

# Expected recovery time per strategy. AWS's figures: the Well-Architected Reliability Pillar,
# REL13-BP02 "Use defined recovery strategies to meet the recovery objectives" (pilot light
# "RPO in minutes, RTO in tens of minutes"; warm standby "RPO in seconds, RTO in minutes", and
# "when fully scaled this is known as hot standby"; multi-site active/active "RTO potentially
# zero"; earlier editions said pilot light "RTO in hours"), and the whitepaper "Disaster
# Recovery of Workloads on AWS: Recovery in the Cloud", figure "Disaster recovery strategies"
# (pilot light "10s of minutes", warm standby "minutes", multi-site "real-time").
# https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_planning_for_recovery_disaster_recovery.html
# https://docs.aws.amazon.com/whitepapers/latest/disaster-recovery-workloads-on-aws/disaster-recovery-options-in-the-cloud.html
# The floor is the tightest objective the strategy can be trusted with here: pilot light adds
# an Aurora instance (minutes of provisioning) before anything else; warm standby only raises
# capacity; hot standby (AWS gives it no figure of its own) moves the writer and the dials, which
# this project's drills time in a minute or two.
RTO_SOURCE = ("AWS Well-Architected Reliability Pillar REL13-BP02; whitepaper "
              "'Disaster Recovery of Workloads on AWS', DR strategies figure")


@dataclass(frozen=True)
class Strategy:
    name: str
    secondary_instance: bool  # the secondary Aurora cluster runs a DB instance while standing by
    standby_min_acu: float | None  # capacity floor of the standby instance; None: dr:auroraMinAcu
    rto_floor_minutes: int
    rto_expected: str

    @property
    def standby_omits(self) -> frozenset[str]:
        """Resource types the standing-by secondary has none of, though the primary has."""
        return frozenset() if self.secondary_instance else frozenset(
            {"aws:rds/clusterInstance:ClusterInstance"})

    def secondary_acu(self, min_acu: float, max_acu: float) -> tuple[float, float]:
        """The secondary cluster's Serverless v2 range while it stands by."""
        if self.standby_min_acu is None:
            return min_acu, max_acu
        return min(min_acu, self.standby_min_acu), max_acu

    def describe(self, objective_minutes: int) -> str:
        """One line for `invoke check`: the range this strategy delivers, next to the objective."""
        return (f"DR strategy {self.name}: expected recovery time {self.rto_expected} (at least "
                f"{self.rto_floor_minutes} min; {RTO_SOURCE}); dr:recoveryTimeObjectiveMinutes: "
                f"{objective_minutes}")

    def objective_problem(self, objective_minutes: int) -> str | None:
        """Why an RTO objective is tighter than this strategy delivers, or None."""
        if objective_minutes >= self.rto_floor_minutes:
            return None
        return (f"dr:recoveryTimeObjectiveMinutes {objective_minutes} is tighter than {self.name} "
                f"delivers ({self.rto_expected}, at least {self.rto_floor_minutes} min; "
                f"{RTO_SOURCE})")


BY_NAME = {
    PILOT_LIGHT: Strategy(PILOT_LIGHT, secondary_instance=False, standby_min_acu=None,
                          rto_floor_minutes=10, rto_expected="tens of minutes"),
    WARM_STANDBY: Strategy(WARM_STANDBY, secondary_instance=True, standby_min_acu=STANDBY_MIN_ACU,
                           rto_floor_minutes=5, rto_expected="minutes"),
    HOT_STANDBY: Strategy(HOT_STANDBY, secondary_instance=True, standby_min_acu=None,
                          rto_floor_minutes=1, rto_expected="seconds to minutes"),
}


def strategy(name: str) -> Strategy:
    return BY_NAME[name]
