"""Tests for the agreement core (pure numpy/pandas; no Django, no database).

Run: .venv/bin/python -m pytest tests/test_reports_statistics.py -p no:django -q
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agreement import (
    NO_PAIRS,
    NO_VARIATION,
    CriterionSpec,
    bootstrap_alpha_ci,
    coerce_specs,
    criterion_disagreement,
    descriptives,
    fleiss_kappa,
    icc,
    krippendorff_alpha,
    plain_reading,
    reading_code,
    session_statistics,
)

NAN = np.nan
LEVELS = ["nominal", "ordinal", "interval", "ratio"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _isolated_channel_layer():
    """Overrides the Django-only autouse fixture of tests/conftest.py: no Django needed here."""
    yield


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
# Communication, University of Pennsylvania, example C (4 observers x 12 units, missing data).
EXAMPLE_C = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


# --------------------------------------------------------------------------- published examples
@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_2011_example_c(level, expected):
    """Krippendorff (2011) 'Computing Krippendorff's Alpha-Reliability', example C, p. 5-8:
    nominal 0.743, ordinal 0.815, interval 0.849. Also checked against the `krippendorff`
    package (test-only dependency)."""
    import krippendorff

    result = krippendorff_alpha(EXAMPLE_C, level)
    assert round(result.value, 3) == expected
    assert result.reason is None
    assert result.n_units == 11  # unit 12 has a single value and is dropped
    assert result.n_pairable == 40
    assert result.value == pytest.approx(
        krippendorff.alpha(EXAMPLE_C, level_of_measurement=level), abs=1e-12
    )


def test_krippendorff_2011_example_c_ratio_matches_package():
    """Ratio level on example C: 0.797 (krippendorff package docstring, same data)."""
    assert round(krippendorff_alpha(EXAMPLE_C, "ratio").value, 3) == 0.797


def test_krippendorff_2011_example_a_binary():
    """Krippendorff (2011), example A: two observers, binary data, 10 units: nominal 0.095."""
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert round(krippendorff_alpha(data, "nominal").value, 3) == 0.095


def test_fleiss_kappa_wikipedia_example():
    """Wikipedia 'Fleiss' kappa' worked example (10 subjects, 14 raters, 5 categories):
    P-bar = 0.378, P_e = 0.213, kappa = 0.210."""
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    result = fleiss_kappa(counts)
    assert round(result.value, 3) == 0.210
    assert result.reason is None


def test_icc_shrout_fleiss_1979_table_2():
    """Shrout & Fleiss (1979), Psychological Bulletin 86(2), Tables 2 and 4: 6 targets x 4
    judges; ICC(2,1)=.29, ICC(3,1)=.71, ICC(2,4)=.62, ICC(3,4)=.91."""
    data = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    result = icc(data)
    assert (round(result.icc2_1, 2), round(result.icc3_1, 2)) == (0.29, 0.71)
    assert (round(result.icc2_k, 2), round(result.icc3_k, 2)) == (0.62, 0.91)
    # three decimals (the same figures reported by pingouin / R psych::ICC for this table)
    assert [round(v, 3) for v in (result.icc2_1, result.icc3_1, result.icc2_k, result.icc3_k)] == [
        0.290,
        0.715,
        0.620,
        0.909,
    ]


# --------------------------------------------------------------------------- property tests
@st.composite
def reliability_data(draw, max_code=4, min_units=2):
    """raters x units matrix of small codes with about 1/6 missing."""
    n_raters = draw(st.integers(2, 6))
    n_units = draw(st.integers(min_units, 12))
    cells = draw(
        st.lists(
            st.integers(-1, max_code), min_size=n_raters * n_units, max_size=n_raters * n_units
        )
    )
    data = np.array(cells, dtype=float).reshape(n_raters, n_units)
    data[data < 0] = NAN
    return data


# unevenly spaced values so interval and ordinal really differ from "codes 0..4"
SPREAD = np.array([0.0, 0.5, 1.7, 4.0, 10.0])


def spread(data):
    out = np.full(data.shape, NAN)
    ok = ~np.isnan(data)
    out[ok] = SPREAD[data[ok].astype(int)]
    return out


def same(a, b, tol=1e-9):
    if a.value is None or b.value is None:
        return a.value is None and b.value is None and a.reason == b.reason
    return abs(a.value - b.value) < tol


@pytest.mark.parametrize("level", LEVELS)
@SETTINGS
@given(data=reliability_data())
def test_alpha_matches_krippendorff_package(level, data):
    """Cross-check against the `krippendorff` package on random data with missing values.

    The package's ordinal metric ranks its value domain = the observed values (here the
    default) and weights ranks by n_v, the pairable-value counts from the coincidence matrix.
    Krippendorff's ordinal metric uses the same n_g, and unobserved or unpairable categories have
    n_g = 0, so both definitions coincide: no adjustment is needed for any level.
    """
    import krippendorff

    data = spread(data)
    ours = krippendorff_alpha(data, level)
    try:
        with np.errstate(all="ignore"):
            theirs = krippendorff.alpha(data, level_of_measurement=level)
    except ValueError:  # package refuses: < 2 values in the domain or no pairable unit
        assert ours.value is None
        return
    if ours.value is None:
        assert ours.reason in (NO_PAIRS, NO_VARIATION)
        assert math.isnan(theirs) or ours.reason == NO_PAIRS
    else:
        assert ours.value == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@SETTINGS
@given(
    truth=st.lists(st.integers(0, 4), min_size=2, max_size=12),
    n_raters=st.integers(2, 6),
    holes=st.lists(st.booleans(), min_size=72, max_size=72),
)
def test_perfect_agreement_gives_one(level, truth, n_raters, holes):
    assume(len(set(truth)) >= 2)
    data = np.tile(SPREAD[truth], (n_raters, 1))
    mask = np.array(holes[: data.size]).reshape(data.shape)
    mask[:2] = False  # the first two raters rate everything: every unit stays pairable
    data[mask] = NAN
    assert krippendorff_alpha(data, level).value == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("level", LEVELS)
@SETTINGS
@given(data=reliability_data(), seed=st.integers(0, 2**32 - 1))
def test_alpha_invariant_to_rater_and_unit_order(level, data, seed):
    rng = np.random.default_rng(seed)
    data = spread(data)
    permuted = data[rng.permutation(data.shape[0])][:, rng.permutation(data.shape[1])]
    assert same(krippendorff_alpha(data, level), krippendorff_alpha(permuted, level))


@SETTINGS
@given(data=reliability_data(), labels=st.permutations([3.0, 17.0, -2.0, 8.5, 100.0]))
def test_nominal_alpha_invariant_to_relabelling(data, labels):
    relabelled = np.full(data.shape, NAN)
    ok = ~np.isnan(data)
    relabelled[ok] = np.array(labels)[data[ok].astype(int)]
    assert same(krippendorff_alpha(data, "nominal"), krippendorff_alpha(relabelled, "nominal"))


# --------------------------------------------------------------------------- bootstrap
def latent_data(seed, n_raters=5, n_units=30, noise=0.7, missing=0.1):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n_units)
    data = np.clip(np.round(truth + rng.normal(0, noise, (n_raters, n_units))), 1, 5)
    data[rng.random(data.shape) < missing] = NAN
    return data


def test_bootstrap_reproducible_with_seed():
    data = latent_data(1)
    first = bootstrap_alpha_ci(data, "ordinal", n_resamples=500, seed=42)
    assert first == bootstrap_alpha_ci(data, "ordinal", n_resamples=500, seed=42)
    assert first != bootstrap_alpha_ci(data, "ordinal", n_resamples=500, seed=43)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(5))
def test_bootstrap_ci_contains_point_estimate(level, seed):
    data = latent_data(seed)
    low, high = bootstrap_alpha_ci(data, level, n_resamples=1000, seed=seed)
    assert low < krippendorff_alpha(data, level).value < high
    assert high - low < 0.5


def awkward_units():
    """Unit 0 agrees on an awkward float: resamples of unit 0 alone have no variation."""
    return np.array([[0.1, 0.1], [0.1, 0.7], [0.1, 0.3]])


def with_unpairable_unit():
    data = latent_data(11, n_units=15, missing=0.25)
    data[:, 3] = [1, NAN, NAN, NAN, NAN]  # an unpairable unit: never resampled
    return data


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("make", [with_unpairable_unit, awkward_units])
def test_vectorised_bootstrap_equals_naive_loop(level, make):
    """Each weighted resample must equal alpha recomputed on the resampled units (ordinal too,
    whose metric depends on the resampled marginals); undefined resamples are skipped."""
    data = make()
    pairable = data[:, (~np.isnan(data)).sum(axis=0) >= 2]
    rng = np.random.default_rng(5)
    draws = rng.integers(0, pairable.shape[1], size=(200, pairable.shape[1]))
    naive = [krippendorff_alpha(pairable[:, idx], level).value for idx in draws]
    naive = np.array([a for a in naive if a is not None])
    expected = np.quantile(naive, [0.05, 0.95])
    got = bootstrap_alpha_ci(data, level, n_resamples=200, seed=5, confidence=0.90)
    assert got == pytest.approx(tuple(expected), abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@SETTINGS
@given(
    value=st.floats(0.01, 1000, allow_nan=False),
    n_raters=st.integers(2, 6),
    n_units=st.integers(1, 10),
)
def test_constant_data_is_undefined_despite_rounding(level, value, n_raters, n_units):
    result = krippendorff_alpha(np.full((n_raters, n_units), value), level)
    assert result.value is None and result.reason == NO_VARIATION


@pytest.mark.parametrize("level", LEVELS)
def test_bootstrap_skips_resamples_without_variation(level):
    """Units agree internally on awkward floats: resamples drawing one unit only have no
    variation and must be skipped (not turned into rounding noise); the rest give alpha = 1."""
    rng = np.random.default_rng(3)
    data = np.tile(rng.random(3) * 10, (3, 1))
    assert bootstrap_alpha_ci(data, level, n_resamples=300, seed=1) == (1.0, 1.0)


def test_bootstrap_undefined_cases():
    assert bootstrap_alpha_ci([[1, 1, 1], [1, 1, 1]], "nominal") is None  # no variation
    assert bootstrap_alpha_ci([[1, NAN], [NAN, 2]], "nominal") is None  # no pairs
    assert bootstrap_alpha_ci([[1], [2]], "interval") is None  # one unit: no interval


# --------------------------------------------------------------------------- undefined in words
def test_alpha_undefined_reasons_are_words():
    no_pairs = krippendorff_alpha([[1, NAN, 3], [NAN, 2, NAN]], "nominal")
    assert no_pairs.value is None and no_pairs.reason == NO_PAIRS
    assert "Not enough paired ratings" in no_pairs.reason
    same_everywhere = krippendorff_alpha([[2, 2, 2], [2, 2, NAN]], "ordinal")
    assert same_everywhere.value is None and "no variation" in same_everywhere.reason
    assert plain_reading(same_everywhere) == same_everywhere.reason
    assert reading_code(same_everywhere) == "undefined"
    assert plain_reading(None) == "Alpha is undefined."


def test_kappa_and_icc_undefined_reasons():
    assert "same number of ratings" in fleiss_kappa([[2, 1], [1, 1]]).reason
    assert "no variation" in fleiss_kappa([[3, 0], [3, 0]]).reason
    assert fleiss_kappa([[3, 0]]).value is None
    incomplete = icc([[1, 2], [3, NAN], [2, 2]])
    assert incomplete.icc2_1 is None and "1 rating(s) are missing" in incomplete.reason
    assert "at least two" in icc([[1, 2, 3]]).reason
    assert "no variation" in icc([[3, 3], [3, 3]]).reason


def test_plain_reading_thresholds():
    """Krippendorff (2004), Content Analysis, 2nd ed., p. 241: >= .800 reliable, .667-.800
    tentative conclusions only, below .667 not acceptable."""
    assert plain_reading(0.95) == plain_reading(0.800) == "Reliable"
    assert (
        plain_reading(0.7999)
        == plain_reading(0.667)
        == ("Tentative: draw only tentative conclusions")
    )
    assert plain_reading(0.6669) == plain_reading(-0.2) == "Not yet calibrated"
    assert plain_reading(None, "why") == "why"


# --------------------------------------------------------------------------- descriptives
def test_descriptives_definitions():
    values = [1, 2, 2, 3, NAN, 5, 5, 1]
    units = ["a", "a", "a", "a", "b", "b", "b", "c"]
    d = descriptives(values, units)
    assert (d.n_ratings, d.n_na) == (7, 1)
    assert d.mean == pytest.approx(19 / 7)
    assert d.std == pytest.approx(np.std([1, 2, 2, 3, 5, 5, 1], ddof=1))
    assert d.range == 4
    # unit a: mode 2 -> 2/4; unit b: 2/2; unit c has one rating and is skipped
    assert d.exact_agreement == pytest.approx(0.75)
    # unit a: median 2, all within 1 -> 1; unit b -> 1
    assert d.within_one == pytest.approx(1.0)
    spread_out = descriptives([1, 3, 5, 5], ["u"] * 4)
    assert spread_out.within_one == pytest.approx(0.75)  # median 4: 3, 5, 5 within one point
    labels = descriptives([0, 2, 2, 1], ordered=False)
    assert labels.mean is None and labels.within_one is None
    assert labels.exact_agreement == pytest.approx(0.5)


def test_criterion_disagreement_is_scale_normalised():
    binary = CriterionSpec("nominal", "binary", 0, 1)
    five = CriterionSpec("ordinal", "numeric", 1, 5)
    unordered = CriterionSpec("nominal", "labels", 0, 3, ordered=False)
    assert criterion_disagreement([1, 1, 1], binary).value == 0
    assert criterion_disagreement([0, 1, 0, 1], binary).value == pytest.approx(1.0)
    assert criterion_disagreement([1, 5, 1, 5], five).value == pytest.approx(1.0)
    assert criterion_disagreement([3, 3, 4, NAN], five).value == pytest.approx(
        np.std([3, 3, 4]) / 2
    )
    even = criterion_disagreement([0, 1, 2, 3], unordered)
    assert even.value == pytest.approx(1.0) and even.n_distinct == 4
    some = criterion_disagreement([0, 0, 1, 2], unordered)
    assert some.value == pytest.approx(0.5 * 4 / 3) and some.n_distinct == 3
    assert criterion_disagreement([NAN, NAN], five).value is None


def test_criterion_spec_validation_and_coercion():
    with pytest.raises(ValueError, match="nominal"):
        CriterionSpec("ordinal", "labels", 0, 2, ordered=False)
    with pytest.raises(ValueError):
        CriterionSpec("interval", "numeric", 5, 1)
    assert CriterionSpec("nominal", "binary").fail_values == (0.0,)
    frame = pd.DataFrame(
        {
            "criterion": ["a", "b"],
            "level": ["nominal", "ordinal"],
            "scale_kind": ["binary", "labels"],
            "scale_min": [0, 0],
            "scale_max": [1, 3],
            "weight": [2, 1],
            "critical": [True, False],
            "fail_values": [[0], [0, 1]],
            "ordered": [True, True],
        }
    )
    specs = coerce_specs(frame)
    assert specs["a"] == CriterionSpec("nominal", "binary", 0, 1, 2, True, (0,))
    assert specs["b"].fail_values == (0.0, 1.0)


# --------------------------------------------------------------------------- session_statistics
SPECS = {
    "pass": CriterionSpec("nominal", "binary", 0, 1, weight=2, critical=True),
    "score": CriterionSpec("ordinal", "numeric", 1, 5),
    "tone": CriterionSpec("nominal", "labels", 0, 2, ordered=False),
}
# interaction -> criterion -> (ann, bob, cy)
RATINGS = {
    "i1": {"pass": (1, 1, 0), "score": (4, 5, 3), "tone": (0, 0, 1)},
    "i2": {"pass": (0, 0, 0), "score": (2, 3, NAN), "tone": (2, 2, 2)},
    "i3": {"pass": (1, 1, 1), "score": (5, 5, 4), "tone": (1, 0, 1)},
}
CONSENSUS = {
    ("i1", "pass"): 1,
    ("i1", "score"): 4,
    ("i1", "tone"): 0,
    ("i2", "pass"): 0,
    ("i2", "score"): 2,
    ("i2", "tone"): 2,
    ("i3", "pass"): 1,
    ("i3", "score"): 5,
    ("i3", "tone"): 1,
}


def small_session(with_revision=True):
    rows = [
        ("s1", i, c, who, v, "blind")
        for i, crits in RATINGS.items()
        for c, vals in crits.items()
        for who, v in zip(("ann", "bob", "cy"), vals, strict=True)
    ]
    if with_revision:
        rows.append(("s1", "i1", "score", "bob", 1, "revision"))
    return pd.DataFrame(
        rows, columns=["session", "interaction", "criterion", "reviewer", "value", "kind"]
    )


def matrix(criterion, interactions=("i1", "i2", "i3")):
    return np.array([RATINGS[i][criterion] for i in interactions], dtype=float).T


def test_session_statistics_is_json_ready_and_deterministic():
    out = session_statistics(small_session(), SPECS, consensus=CONSENSUS, n_resamples=200)
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == out
    again = session_statistics(small_session(), SPECS, consensus=CONSENSUS, n_resamples=200)
    assert json.dumps(again) == text
    assert set(out) == {"session", "interactions", "criteria", "reviewers", "critical"}
    assert out["session"]["n_ratings"] == 26 and out["session"]["n_na"] == 1
    assert out["session"]["ids"] == ["s1"]


def test_session_statistics_ignores_revisions_by_default():
    with_rev = session_statistics(small_session(True), SPECS, n_resamples=50)
    without = session_statistics(small_session(False), SPECS, n_resamples=50)
    assert with_rev == without
    both = session_statistics(
        small_session(True), SPECS, n_resamples=50, kinds=("blind", "revision")
    )
    assert both["interactions"]["i1"]["criteria"]["score"]["mean"] == pytest.approx(8 / 3, abs=1e-4)


def test_session_criterion_and_interaction_blocks():
    out = session_statistics(small_session(), SPECS, consensus=CONSENSUS, n_resamples=200)
    score = out["criteria"]["score"]
    assert score["alpha"]["alpha"] == round(krippendorff_alpha(matrix("score"), "ordinal").value, 4)
    assert score["alpha"]["reading"].startswith(plain_reading(score["alpha"]["alpha"]))
    assert score["alpha"]["ci"] is None  # three interactions: too few units for an interval
    assert "too few for an interval" in score["alpha"]["caution"]
    assert score["descriptives"]["n_ratings"] == 8 and score["descriptives"]["n_na"] == 1
    assert score["fleiss_kappa"] is None
    assert "missing" in score["icc"]["reason"]  # cy skipped i2
    assert out["criteria"]["tone"]["descriptives"]["mean"] is None  # unordered labels
    assert out["criteria"]["pass"]["fleiss_kappa"]["value"] == round(
        fleiss_kappa([[1, 2], [3, 0], [0, 3]]).value, 4
    )
    cell = out["interactions"]["i1"]["criteria"]["score"]
    assert cell["n_ratings"] == 3 and cell["within_one"] == 1.0 and cell["consensus"] == 4.0
    assert cell["disagreement"] == round(np.std([4, 5, 3]) / 2, 4)
    # mixed levels: headline alpha is nominal over all criteria, answers equal only on one scale
    i1 = out["interactions"]["i1"]
    assert i1["alpha"]["level"] == "nominal" and set(i1["alpha_by_level"]) == {"nominal", "ordinal"}
    encoded = np.array([[101, 204, 300], [101, 205, 300], [100, 203, 301]], dtype=float)
    assert i1["alpha"]["alpha"] == round(krippendorff_alpha(encoded, "nominal").value, 4)
    # session ordinal alpha: the only ordinal criterion is "score"
    assert out["session"]["alpha"]["ordinal"]["alpha"] == score["alpha"]["alpha"]
    nominal_units = np.concatenate([matrix("pass"), matrix("tone") + 10], axis=1)
    expected = krippendorff_alpha(nominal_units, "nominal").value
    assert out["session"]["alpha"]["nominal"]["alpha"] == round(expected, 4)


def test_session_reviewer_scores_against_consensus():
    out = session_statistics(small_session(), SPECS, consensus=CONSENSUS, n_resamples=0)
    bob = out["reviewers"]["bob"]["consensus"]
    # pass: 3 matches; score: +1, +1, 0 on a 4-point range; tone (unordered): 2 of 3 match
    assert bob["bias"] == round(0.5 / 6, 4) and bob["mean_abs_deviation"] == round(0.5 / 6, 4)
    assert bob["exact_match_score"] == 0.75  # (2*3 + 1 + 2) / (2*3 + 3 + 3)
    assert bob["alignment_score"] == 0.875  # (2*3 + (3 - 0.5) + 2) / 12
    assert bob["criteria"]["score"] == {
        "n_compared": 3,
        "bias": 0.6667,
        "mean_abs_deviation": 0.6667,
        "match_share": 0.3333,
    }
    assert bob["criteria"]["tone"]["bias"] is None
    cy = out["reviewers"]["cy"]["consensus"]
    assert cy["bias"] == round(-1.5 / 5, 4)  # harsh: fails i1, scores low
    assert out["reviewers"]["ann"]["baseline"] is None


def test_session_critical_outcomes():
    out = session_statistics(small_session(), SPECS, consensus=CONSENSUS, n_resamples=100)
    crit = out["critical"]
    assert crit["criteria"] == ["pass"]
    assert crit["interactions"]["i1"] == {
        "n_reviewers": 3,
        "n_fail": 1,
        "majority": "pass",
        "agreement": 0.6667,
        "consensus_outcome": "pass",
    }
    assert crit["agreement"] == round((2 / 3 + 1 + 1) / 3, 4)
    outcomes = matrix("pass")  # one critical binary criterion: outcome = the rating
    assert crit["alpha"]["alpha"] == round(krippendorff_alpha(outcomes, "nominal").value, 4)


def test_session_input_errors():
    bad = small_session()
    bad.loc[0, "value"] = 7
    with pytest.raises(ValueError, match="outside"):
        session_statistics(bad, SPECS)
    with pytest.raises(ValueError, match="metadata"):
        session_statistics(small_session(), {"pass": SPECS["pass"]})


def test_benchmark_session_smoke():
    from bench.bench_statistics import make_session

    ratings, specs, consensus, baseline = make_session()
    out = session_statistics(ratings, specs, consensus, baseline, n_resamples=20)
    json.dumps(out, allow_nan=False)
    assert out["session"]["n_ratings"] + out["session"]["n_na"] == 30_000
    assert len(out["interactions"]) == 20 and len(out["criteria"]) == 30
    assert len(out["reviewers"]) == 50


def test_session_accepts_int_ids_and_reference_formats():
    """Ids as the database gives them (ints) and references as Series, DataFrame or dict."""
    frame = small_session()
    codes = {"i1": 11, "i2": 12, "i3": 13, "pass": 1, "score": 2, "tone": 3}
    frame["interaction"] = frame["interaction"].map(codes)
    frame["criterion"] = frame["criterion"].map(codes)
    specs = {codes[k]: v for k, v in SPECS.items()}
    as_dict = {(codes[i], codes[c]): v for (i, c), v in CONSENSUS.items()}
    as_series = pd.Series(as_dict, dtype=float)
    as_frame = as_series.rename("value").rename_axis(["interaction", "criterion"]).reset_index()
    results = [
        session_statistics(frame, specs, consensus=ref, n_resamples=0)
        for ref in (as_dict, as_series, as_frame)
    ]
    assert results[0] == results[1] == results[2]
    assert list(results[0]["interactions"]) == ["11", "12", "13"]
    assert results[0]["reviewers"]["bob"]["consensus"]["exact_match_score"] == 0.75


def test_numeric_points_report_interval_alpha_beside_ordinal():
    ratings = pd.DataFrame(
        [
            {"interaction": i, "criterion": "tone", "reviewer": r, "value": v, "kind": "blind"}
            for i, row in enumerate([[1, 2, 1], [4, 5, 4], [3, 3, 2], [5, 5, 5]])
            for r, v in enumerate(row)
        ]
    )
    specs = {"tone": CriterionSpec(level="ordinal", scale_kind="numeric", scale_min=1, scale_max=5)}

    result = session_statistics(ratings, specs, n_resamples=50)

    criterion = result["criteria"]["tone"]
    assert criterion["alpha"]["level"] == "ordinal"
    assert criterion["alpha_interval"]["level"] == "interval"
    assert criterion["alpha_interval"]["alpha"] != criterion["alpha"]["alpha"]
    assert set(result["session"]["alpha"]) == {"ordinal", "interval"}


def _one_criterion_session(rows_by_interaction):
    return pd.DataFrame(
        [
            {"interaction": i, "criterion": "c", "reviewer": r, "value": v, "kind": "blind"}
            for i, row in enumerate(rows_by_interaction)
            for r, v in enumerate(row)
        ]
    )


SPEC_1_5 = {"c": CriterionSpec(level="ordinal", scale_kind="numeric", scale_min=1, scale_max=5)}


def test_a_single_revealed_interaction_gives_no_criterion_alpha():
    out = session_statistics(_one_criterion_session([[1, 3, 5]]), SPEC_1_5, n_resamples=50)

    block = out["criteria"]["c"]["alpha"]
    assert block["alpha"] is None
    assert "at least two" in block["reading"]


def test_the_interval_needs_five_units_and_a_wide_one_is_called_not_conclusive():
    agreeing = [[1, 1, 2], [5, 5, 5], [3, 3, 3], [2, 2, 2], [4, 4, 5], [1, 2, 1]]
    few = session_statistics(_one_criterion_session(agreeing[:4]), SPEC_1_5, n_resamples=200)
    enough = session_statistics(_one_criterion_session(agreeing), SPEC_1_5, n_resamples=200)

    assert few["criteria"]["c"]["alpha"]["ci"] is None
    block = enough["criteria"]["c"]["alpha"]
    assert block["verdict"] == "reliable" and block["ci"][0] < 0.8
    assert block["reading"].startswith("Reliable (not conclusive: the 95% interval reaches")
