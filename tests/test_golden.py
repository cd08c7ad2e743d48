"""Golden outputs stay identical (see tests/golden.py for the cases and how to regenerate)."""

import json
import math

import pandas as pd
import pytest

from tests.golden import CASES, load_case, run_case


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize("name", list(CASES))
def test_golden_outputs_are_identical(name):
    summary, ts, events, digest = run_case(name)
    want_summary, want_ts, want_events, want_digest = load_case(name)
    # the summary went through JSON when recorded: compare in the same form. Outputs must be
    # identical, in the same order; config columns may only be added (a new config field with
    # today's value), never changed or removed.
    got = json.loads(json.dumps(summary))
    outputs = [k for k in got if not k.startswith("config.")]
    assert outputs == [k for k in want_summary if not k.startswith("config.")], \
        "summary output columns changed"
    missing = [k for k in want_summary if k not in got]
    assert not missing, f"config columns removed: {missing}"
    differ = {k: (got[k], want_summary[k]) for k in want_summary
              if not _same(got[k], want_summary[k])}
    assert not differ, f"{len(differ)} summary values differ, e.g. {list(differ.items())[:5]}"
    pd.testing.assert_frame_equal(ts, want_ts, check_exact=True)
    pd.testing.assert_frame_equal(events, want_events, check_exact=True)
    assert digest == want_digest, "flow raster differs"
