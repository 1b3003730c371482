"""Command-line use cases that store IT and managers run (no window).

Each opens the store like the app does, runs one service call and prints a result a
person can read (or JSON for scripts).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date

from posassist.app import open_backend
from posassist.domain.flags import Tier
from posassist.services.importing import ImportService


def run_import(args: argparse.Namespace) -> int:
    backend = open_backend(args.data_dir, config_file=args.config)
    try:
        result = ImportService(backend.ctx, backend.customers).transactions(args.file)
    finally:
        backend.close()
    print(
        f"Imported {args.file}: {result.rows:,} rows, {result.customers_new:,} new customers, "
        f"{result.interactions_new:,} new purchases, {result.duplicates_skipped:,} already there."
    )
    return 0


def run_score(args: argparse.Namespace) -> int:
    backend = open_backend(args.data_dir, config_file=args.config)
    try:
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
    finally:
        backend.close()
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
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"Repeat-visitor model on history up to {as_of} ({fit.method}, {fit.seconds:.2f} s)")
    if p is not None:
        print(
            f"  r = {p.r:.4g}   alpha = {p.alpha:.4g}   a = {p.a:.4g}   b = {p.b:.4g}   "
            f"log-likelihood = {p.log_likelihood:.1f}   converged = {p.converged}"
        )
        print(f"  {p.n_customers:,} customers, {p.n_repeat_customers:,} came back at least once")
    print("  tiers: " + ", ".join(f"{t.value} {counts.get(t, 0):,}" for t in Tier))
    if evaluation is not None:
        e = evaluation
        print(f"Who came back between {e.as_of} and {e.until}:")
        print(f"  Regulars ({e.regulars:,}):               {e.regulars_returned:6.1%}")
        print(f"  All customers ({e.customers:,}):         {e.all_returned:6.1%}")
        print(f"  Same number of top spenders:     {e.top_spenders_returned:6.1%}")
    return 0
