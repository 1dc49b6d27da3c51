"""The one rule for whether a CI push is corroborated (``connectors.corroboration.judge``), over plain reads."""

from hypothesis import given
from hypothesis import strategies as st

from connectors.corroboration import ABSENT, NO_SOURCE, NOT_ON_BRANCH, REACHABLE, Lookup, judge

CLAIM = {
    "git_commit": "0123456789abcdef",
    "dataset_name": "golden",
    "dataset_version": "7",
    "mlflow_run_id": "abc",
    "metrics": [{"name": "correctness", "value": 0.9}],
}
ON_MAIN = Lookup(REACHABLE, "app-repo")


def run_with(value):
    return Lookup("found", "tracking", metrics={"correctness": value})


def test_a_claim_read_back_everywhere_is_verified():
    assert judge(CLAIM, commit=ON_MAIN, run=run_with(0.9)).state == "verified"


def test_values_within_the_tolerance_agree_and_beyond_it_disagree():
    assert judge(CLAIM, commit=ON_MAIN, run=run_with(0.9 + 5e-7)).state == "verified"
    differing = judge(CLAIM, commit=ON_MAIN, run=run_with(0.9 + 2e-6))
    assert differing.state == "unverified"
    assert "correctness pushed 0.9, the run logged 0.900002" in differing.reasons[0]


def test_what_was_looked_at_and_found_wrong_wins_over_what_could_not_be_looked_at():
    unreachable = Lookup("unknown", "tracking", "MLflow timed out")
    assert judge(CLAIM, commit=ON_MAIN, run=unreachable).state == "unknown"
    both = judge(CLAIM, commit=Lookup(ABSENT, "app-repo"), run=unreachable)
    assert both.state == "unverified"
    assert both.reasons == (
        "commit 0123456789ab is not in the repository app-repo",
        "MLflow run abc could not be looked up in tracking: MLflow timed out",
    )


@given(
    commit=st.sampled_from([REACHABLE, NOT_ON_BRANCH, ABSENT, NO_SOURCE, "unknown", None]),
    has_commit=st.booleans(),
    dataset=st.sampled_from([("golden", "7", ""), ("golden", "", "sha256:ab"), ("golden", "", ""), ("", "", "")]),
    run=st.sampled_from(["found", ABSENT, NO_SOURCE, "unknown", None]),
    value=st.floats(min_value=0, max_value=1),
)
def test_only_a_fully_read_back_claim_is_ever_verified(commit, has_commit, dataset, run, value):
    claim = {
        **CLAIM,
        "git_commit": CLAIM["git_commit"] if has_commit else "",
        "dataset_name": dataset[0],
        "dataset_version": dataset[1],
        "dataset_hash": dataset[2],
    }
    lookup = None if commit is None else Lookup(commit, "app-repo")
    read = None if run is None else Lookup(run, "tracking", metrics={"correctness": value})
    verdict = judge(claim, commit=lookup, run=read)
    fully = (
        has_commit
        and commit == REACHABLE
        and dataset[0]
        and (dataset[1] or dataset[2])
        and run == "found"
        and abs(value - 0.9) <= 1e-6
    )
    assert (verdict.state == "verified") == bool(fully)
