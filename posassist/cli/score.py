"""``posassist score``: refit the repeat-visitor model and report (or check it).

With ``--evaluate-until`` it fits on history up to ``--as-of`` and checks who came back
afterwards: how well the model picks the customers who return.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING

from posassist.cli.common import iso_date, opened_backend
from posassist.domain.wording import plural

if TYPE_CHECKING:
    from posassist.domain.flags import Tier
    from posassist.services.standing import Evaluation, Fit

NAME = "score"
HELP = "refit the repeat-visitor model and report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=iso_date, help="fit on history up to this day")
    parser.add_argument(
        "--evaluate-until", type=iso_date, help="check who came back after --as-of until this day"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    with opened_backend(args, writes=True) as backend:
        standing = backend.standing
        as_of: date = args.as_of or backend.ctx.today()
        if args.evaluate_until is not None:
            evaluation = standing.evaluate(as_of, args.evaluate_until)
        else:
            evaluation = None
            # A fit on past history is a what-if: it must not replace the live model.
            standing.refit(as_of, store=as_of == backend.ctx.today())
        fit = standing.fit
        assert fit is not None
        counts = standing.tier_counts()
    if args.json:
        print(json.dumps(_report(as_of, fit, counts, evaluation), indent=2))
    else:
        _print(as_of, fit, counts, evaluation)
    return 0


def _report(
    as_of: date, fit: Fit, counts: dict[Tier, int], evaluation: Evaluation | None
) -> dict[str, object]:
    from posassist.domain.flags import Tier

    p = fit.params
    report: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "method": fit.method,
        "params": None
        if p is None
        else {
            "r": p.r,
            "alpha": p.alpha,
            "a": p.a,
            "b": p.b,
            "log_likelihood": p.log_likelihood,
            "converged": p.converged,
            "customers": p.n_customers,
            "repeat_customers": p.n_repeat_customers,
            "time_unit_days": p.unit_days,
        },
        "regular_cutoff_expected_visits_90d": fit.calibrated.regular_min_expected_visits_90d,
        "tiers": {t.value: counts.get(t, 0) for t in Tier},
        "seconds": round(fit.seconds, 3),
    }
    if evaluation is not None:
        report["evaluation"] = asdict(evaluation) | {
            "as_of": evaluation.as_of.isoformat(),
            "until": evaluation.until.isoformat(),
        }
    return report


def _print(as_of: date, fit: Fit, counts: dict[Tier, int], evaluation: Evaluation | None) -> None:
    from posassist.domain.flags import Tier

    p = fit.params
    print(f"Repeat-visitor model on history up to {as_of} ({fit.method}, {fit.seconds:.2f} s)")
    if p is not None:
        print(
            f"  r = {p.r:.4g}   alpha = {p.alpha:.4g}   a = {p.a:.4g}   b = {p.b:.4g}   "
            f"log-likelihood = {p.log_likelihood:.1f}   converged = {p.converged}"
        )
        came_back = f"{p.n_repeat_customers:,} came back at least once"
        print(f"  {plural(p.n_customers, 'customer')}, {came_back}")
    print("  tiers: " + ", ".join(f"{t.value} {counts.get(t, 0):,}" for t in Tier))
    if evaluation is not None:
        e = evaluation
        print(f"Who came back between {e.as_of} and {e.until}:")
        print(f"  Regulars ({e.regulars:,}):               {e.regulars_returned:6.1%}")
        print(f"  All customers ({e.customers:,}):         {e.all_returned:6.1%}")
        print(f"  Same number of top spenders:     {e.top_spenders_returned:6.1%}")
