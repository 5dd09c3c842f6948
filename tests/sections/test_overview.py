"""The summary a force report opens with: every pillar, words not codes, nothing withheld shown."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research import reference
from soteria_research.reference import vocabulary as vocab
from soteria_research.sections.overview import (
    COLUMNS,
    SummaryTable,
    judgement,
    pillar_summary_table,
)


def finding(measure: str, pillar: str, unit: str, value, **extra) -> dict:
    row = {
        "pillar": pillar,
        "measure": measure,
        "unit": unit,
        "value": value,
        "ci_low": extra.pop("ci_low", pd.NA),
        "ci_high": extra.pop("ci_high", pd.NA),
        "comparator_value": extra.pop("comparator_value", pd.NA),
        "funnel_position": extra.pop("funnel_position", pd.NA),
        "spc_signal": extra.pop("spc_signal", pd.NA),
        "reason": extra.pop("reason", pd.NA),
        "suppressed": extra.pop("suppressed", False),
    }
    assert not extra
    return row


@pytest.fixture
def table() -> pd.DataFrame:
    rows = [
        finding("recorded_crimes", "data_performance", "count", 2378.0, spc_signal="none"),
        finding(
            "charge_rate",
            "suspect_focus",
            "proportion",
            0.005046,
            ci_low=0.002889,
            ci_high=0.0088,
            comparator_value=0.041497,
            funnel_position="below998",
        ),
        finding(
            "pending_share",
            "suspect_focus",
            "proportion",
            0.3616,
            ci_low=0.3426,
            ci_high=0.3812,
            comparator_value=0.1233,
            funnel_position="above998",
        ),
        finding(
            "median_days_to_charge",
            "suspect_focus",
            "days",
            382.5,
            ci_low=205,
            ci_high=495,
            comparator_value=323.0,
        ),
        finding("isva_share", "victim_engagement", "proportion", pd.NA, suppressed=True),
        finding("repeat_suspect_share", "repeat_suspects", "proportion", 0.0904),
        finding("self_maturity", "suspect_focus", "rating", 3.0),
        finding("peer_maturity", "suspect_focus", "rating", 2.25),
    ]
    for slug in reference.pillar_slugs():
        if slug != "suspect_focus":
            for measure in ("self_maturity", "peer_maturity"):
                rows.append(
                    finding(
                        measure, slug, "rating", pd.NA, reason="no self-assessment for the force"
                    )
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("position", "better", "words"),
    [
        ("within", True, "In line with the national figure"),
        ("above95", True, "Somewhat higher than the national figure (could be chance): better"),
        ("below95", True, "Somewhat lower than the national figure (could be chance): worse"),
        ("above998", False, "Clearly higher than the national figure: worse"),
        ("below998", False, "Clearly lower than the national figure: better"),
        ("above998", None, "Clearly higher than the national figure"),
        (pd.NA, True, "No national figure"),
        ("not_placed", True, "No national figure"),
    ],
)
def test_judgement_in_plain_words(position, better, words) -> None:
    assert judgement(position, better) == words


def test_every_pillar_in_framework_order_with_labels_not_codes(table) -> None:
    rows = pillar_summary_table(table)
    assert list(rows.columns) == COLUMNS
    names = vocab.labels("pillar")
    assert list(dict.fromkeys(rows["pillar"])) == [names[s] for s in reference.pillar_slugs()]
    shown = rows.to_string()
    for code in ("suspect_focus", "charge_rate", "below998", "above998", "_share", "maturity,"):
        assert code not in shown


def test_values_intervals_comparison_and_judgement_follow_the_precision_rule(table) -> None:
    rows = pillar_summary_table(table).set_index("measure")
    charge = rows.loc["Charge rate (naive)"]
    assert (charge["value"], charge["interval"], charge["national"]) == (
        "0.5%",
        "0.3% to 0.9%",
        "4.1%",
    )
    assert charge["judgement"] == "Clearly lower than the national figure: worse"
    # pending has no better direction: the words say only where it sits
    assert rows.loc["Still pending", "judgement"] == "Clearly higher than the national figure"
    days = rows.loc["Median days from recording to charge"]
    assert (days["value"], days["interval"]) == ("383 days", "205 to 495 days")
    # shown beside all forces but never on a funnel: not "no national figure"
    assert (days["national"], days["judgement"]) == (
        "323 days",
        "Beside the national figure; not placed on a funnel",
    )
    assert rows.loc["Crimes recorded", "value"] == "2,378"
    assert rows.loc["Crimes recorded", "judgement"] == "No unusual change in monthly volumes"


def test_withheld_figures_read_withheld_and_ratings_pair_self_and_peer(table) -> None:
    rows = pillar_summary_table(table)
    isva = rows[rows["measure"] == "Victim referred to an ISVA"].iloc[0]
    assert (isva["value"], isva["interval"]) == ("withheld", "")
    assert isva["judgement"] == "Withheld by disclosure control"
    ratings = rows[rows["measure"] == "Maturity, self / peer"]
    assert len(ratings) == 6
    first = ratings.iloc[0]
    assert (first["value"], first["judgement"]) == (
        "3.0 / 2.3",
        "Peer reviewers rate it lower than the force does",
    )
    assert ratings.iloc[1]["judgement"] == "No rating: no self-assessment for the force"
    # a pillar with nothing but an unanswered self-assessment still has its row
    learning = rows[rows["pillar"] == "Officer learning and wellbeing"]
    assert len(learning) == 1


def test_html_groups_rows_by_pillar_and_escapes(table) -> None:
    rows = pillar_summary_table(table)
    rows.loc[0, "judgement"] = "<b>x</b>"
    page = SummaryTable(rows, "Caption & more")._repr_html_()
    assert page.count('class="pillar"') == 6
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "Caption &amp; more" in page
    assert "maturity, self / peer: 3.0 / 2.3. Peer reviewers rate it lower" in page


def test_the_summary_keeps_to_the_key_measures(table) -> None:
    # survey scales, review items and changes between rounds have sections of their own:
    # thirty review rows must not push the summary off the first screen
    extra = pd.DataFrame(
        [
            finding("survey_victim_voice", "victim_engagement", "rating", 3.9),
            finding("review_yes_share_sf01", "suspect_focus", "proportion", 0.6),
            finding("maturity_change", "suspect_focus", "rating", 0.5),
        ]
    )
    rows = pillar_summary_table(pd.concat([table, extra], ignore_index=True))
    assert rows.equals(pillar_summary_table(table))


@pytest.mark.parametrize(
    ("comparator", "area"), [("national", "England and Wales"), ("region", "North East")]
)
def test_every_judgement_and_the_header_name_the_comparator(table, comparator, area) -> None:
    from types import SimpleNamespace

    from soteria_research.sections.summary import comparator_area

    ctx = SimpleNamespace(force="Durham", comparator=comparator)
    assert comparator_area(ctx) == area
    rows = pillar_summary_table(table, area)
    compared = rows[~rows["judgement"].str.startswith(("Withheld", "No unusual", "No rating"))]
    compared = compared[compared["measure"] != "Maturity, self / peer"]
    assert len(compared) and compared["judgement"].str.contains(f"{area} figure").all()
    assert not rows["judgement"].str.contains("national").any()
    html = SummaryTable(rows, "caption", f"Comparator: {area}")._repr_html_()
    assert f'<th scope="col">Comparator: {area}</th>' in html
