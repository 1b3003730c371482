"""A customer's standing: repeat-visitor flags from how often and how recently they come.

The BG/NBD model is fitted over the whole store in the background (at start-up when the
cached fit is older than a day, nightly, or on demand) and its parameters are stored in
``model_fit``. A lookup only evaluates closed forms on the cached parameters, so showing
a flag costs microseconds and the cashier never waits for a fit. Money is never read
here, except by :meth:`StandingService.evaluate`'s spend *baseline*, which exists to
show how much better visits predict return than spend does.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from posassist.domain.bgnbd_params import BgNbdParams
from posassist.domain.flags import (
    EXPECTED_VISITS_HORIZON_DAYS,
    CalibratedThresholds,
    Flag,
    Tier,
    calibrate,
    classify,
    model_is_usable,
)
from posassist.domain.visits import PopulationStats, VisitStats, population_stats
from posassist.errors import InvalidInputError
from posassist.services.access import require
from posassist.services.audit_trail import committed_with_files, record
from posassist.services.context import StoreContext
from posassist.services.csv_files import csv_text
from posassist.storage import queries as q
from posassist.storage.orm import ModelFit

UNIT_DAYS = 7.0  # weeks, as in Fader, Hardie & Lee: keeps parameters comparable
REFIT_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Fit:
    """A fitted (or rules-only) standing model and when it was made."""

    params: BgNbdParams | None
    calibrated: CalibratedThresholds
    as_of: date
    fitted_at: datetime
    seconds: float

    @property
    def method(self) -> str:
        return "model" if model_is_usable(self.params, self.calibrated) else "rules"


@dataclass(frozen=True)
class StandingRow:
    """One line of the managers' Regulars view."""

    customer_id: uuid.UUID
    name: str
    flag: Flag
    visits_total: int
    visits_90d: int
    last_visit: date
    usual_interval_days: float | None


@dataclass(frozen=True)
class Population:
    """What a refit computed for every customer, kept for badges and the Regulars view."""

    ids: list[str]
    stats: PopulationStats
    flags: dict[str, Flag]


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    until: date
    customers: int
    regulars: int
    regulars_returned: float
    all_returned: float
    top_spenders_returned: float


class StandingService:
    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._fit: Fit | None = None
        self._population: Population | None = None
        self._fit = self._load_cached()

    # ----------------------------------------------------------------- cache
    def _load_cached(self) -> Fit | None:
        with self._ctx.db.read() as s:
            row = q.latest_model_fit(s)
            if row is None:
                return None
            return _fit_from_row(row, self._ctx.settings.flags)

    @property
    def fit(self) -> Fit | None:
        return self._fit

    def needs_refit(self) -> bool:
        fit = self._fit
        return fit is None or self._ctx.now() - fit.fitted_at > REFIT_AFTER

    def _calibrated(self) -> CalibratedThresholds:
        fit = self._fit
        if fit is None:
            return CalibratedThresholds(self._ctx.settings.flags, None, 0)
        return fit.calibrated

    # ---------------------------------------------------------------- lookups
    def flag(self, stats: VisitStats) -> Flag:
        """Closed forms on the cached fit: cheap enough for every lookup."""
        fit = self._fit
        return classify(stats, self._ctx.today(), fit.params if fit else None, self._calibrated())

    def method_note(self, flag: Flag) -> str:
        """Tell staff whether a flag came from the fitted model or the fallback rules."""
        fit = self._fit
        if flag.method == "model" and fit is not None:
            return (
                f"Repeat-visitor model fitted {fit.fitted_at.astimezone(self._ctx.tz):%d %b %H:%M}"
            )
        if fit is None:
            return "Simple visit rules (the repeat-visitor model has not been fitted yet)"
        return "Simple visit rules (too little history for the repeat-visitor model)"

    def flag_as_of_refit(self, customer_id: uuid.UUID) -> Flag | None:
        """The flag as of the last refit, for badges in search results (no query)."""
        population = self._population
        return None if population is None else population.flags.get(customer_id.hex)

    def tier_of(self, customer_id: uuid.UUID) -> Tier | None:
        flag = self.flag_as_of_refit(customer_id)
        return flag.tier if flag else None

    # ----------------------------------------------------------------- refits
    def refit_if_stale(self) -> Fit | None:
        """Run from the background worker at start-up and hourly.

        A fresh cached fit is reused for the parameters, but the per-customer badges
        still have to be computed once per process; only a stale fit is stored anew.
        """
        stale = self.needs_refit()
        if stale or self._population is None:
            return self.refit(store=stale)
        return None

    def refit_now(self) -> Fit:
        """Manager → Refit now: a person asking, so behind the reports' check (the
        background refits at start-up and hourly are the register's own, never refused)."""
        require(self._ctx, "reports")
        return self.refit()

    def refit(self, as_of: date | None = None, *, store: bool = True) -> Fit:
        """Fit on all visit days up to ``as_of`` and classify every customer.

        Slow on a large store (seconds): call it from the worker, never the GUI thread.
        """
        import numpy as np  # numpy and scipy load here, on the worker, not at start-up

        from posassist.domain import value_model as vm

        as_of = as_of or self._ctx.today()
        started = time.perf_counter()
        with self._ctx.db.read() as s:
            ids, group, day = q.population_visit_days(s, as_of)
            referrals = {k.hex: v for k, v in q.referral_counts(s).items()}
        pop = population_stats(group, day, as_of)
        thresholds = self._ctx.settings.flags
        params: BgNbdParams | None = None
        calibrated = CalibratedThresholds(thresholds, None, 0)
        if ids:
            x = (pop.total - 1).astype(np.float64)
            t_x = (pop.last - pop.first) / UNIT_DAYS
            big_t = (as_of.toordinal() - pop.first) / UNIT_DAYS
            params = vm.fit_bgnbd(x, t_x, big_t, unit_days=UNIT_DAYS)
            if params.converged:
                scores = vm.expected_visits(
                    params, EXPECTED_VISITS_HORIZON_DAYS / UNIT_DAYS, x, t_x, big_t
                )
                calibrated = calibrate(thresholds, scores)
        seconds = time.perf_counter() - started
        fit = Fit(params, calibrated, as_of, self._ctx.now(), seconds)
        flags = {
            cid: classify(pop.stats(i, referrals.get(cid, 0)), as_of, params, calibrated)
            for i, cid in enumerate(ids)
        }
        with self._lock:
            self._fit = fit
            self._population = Population(ids, pop, flags)
        if store:
            with self._ctx.db.write() as s:
                s.add(_fit_to_row(fit))
        return fit

    # ---------------------------------------------------------------- reports
    def tier_counts(self) -> dict[Tier, int]:
        require(self._ctx, "reports")
        population = self._population
        if population is None:
            return {}
        counts = Counter(flag.tier for flag in population.flags.values())
        for flag in population.flags.values():
            if Tier.AMBASSADOR in flag.badges and flag.tier is not Tier.AMBASSADOR:
                counts[Tier.AMBASSADOR] += 1
        return dict(counts)

    def regulars_ready(self) -> list[StandingRow]:
        """The Regulars list, refitting first if no refit ran in this process yet.

        Slow on a large store: run it on the worker.
        """
        require(self._ctx, "regulars")
        if self._population is None:
            self.refit_if_stale()
        return self.regulars()

    def regulars(self, tiers: tuple[Tier, ...] = (Tier.REGULAR, Tier.LAPSING)) -> list[StandingRow]:
        """Regulars and lapsing regulars, for managers planning who to welcome back."""
        require(self._ctx, "regulars")
        population = self._population
        if population is None:
            return []
        chosen = [
            (i, cid)
            for i, cid in enumerate(population.ids)
            if any(t in population.flags[cid].badges for t in tiers)
        ]
        with self._ctx.db.read() as s:
            names = q.names_of(s, [uuid.UUID(hex=cid) for _, cid in chosen])
        rows = []
        for i, cid in chosen:
            key = uuid.UUID(hex=cid)
            if key not in names:  # erased since the refit
                continue
            stats = population.stats.stats(i)
            rows.append(
                StandingRow(
                    customer_id=key,
                    name=names[key],
                    flag=population.flags[cid],
                    visits_total=stats.visit_days_total,
                    visits_90d=stats.visit_days_90d,
                    last_visit=stats.last_visit or date.min,
                    usual_interval_days=stats.usual_interval_days,
                )
            )
        return rows

    def export_regulars(self, path: Path, rows: list[StandingRow]) -> int:
        """Write the Regulars list as CSV for a manager; returns the number of rows.

        Written through the one export helper (temporary file, fsync, rename; no symlink
        or device at the target), so a failed export never leaves half a file where the
        manager expects the list; audited (``export`` of ``regulars``, the row count) in
        the same transaction, so the file and its entry exist together or not at all.
        """
        require(self._ctx, "regulars")
        header = [
            "name",
            "tier",
            "visits",
            "visits_last_90_days",
            "last_visit",
            "usually_every_days",
            "reasons",
            "method",
        ]
        data = csv_text(
            header,
            (
                [
                    r.name,
                    r.flag.tier.value,
                    r.visits_total,
                    r.visits_90d,
                    r.last_visit.isoformat(),
                    "" if r.usual_interval_days is None else round(r.usual_interval_days, 1),
                    r.flag.reasons,
                    r.flag.method,
                ]
                for r in rows
            ),
        ).encode("utf-8")
        # A list of customers by name leaves the store: audited like a customer export,
        # in the transaction whose commit point is the file.
        with committed_with_files(self._ctx.db, [(path, data)]) as s:
            record(s, self._ctx, "export", "regulars", "-", f"{len(rows)} rows")
        return len(rows)

    def evaluate(self, as_of: date, until: date) -> Evaluation:
        """How well the flags made at ``as_of`` predicted who came back by ``until``.

        Compared with an equally large group chosen by total spend, the baseline a store
        would otherwise use.
        """
        require(self._ctx, "reports")
        if until <= as_of:
            raise InvalidInputError(
                "evaluate_until",
                f"The evaluation end ({until}) must be after the fit date ({as_of}).",
            )
        self.refit(as_of, store=False)
        population = self._population
        assert population is not None
        with self._ctx.db.read() as s:
            returned = q.customers_returning(s, as_of, until)
            spend = q.spend_by_customer(s, as_of)
        regulars = [cid for cid, f in population.flags.items() if f.tier is Tier.REGULAR]
        everyone = population.ids
        top = sorted(everyone, key=lambda cid: spend.get(cid, 0), reverse=True)[: len(regulars)]

        def share(group: list[str]) -> float:
            return sum(1 for cid in group if cid in returned) / len(group) if group else 0.0

        return Evaluation(
            as_of=as_of,
            until=until,
            customers=len(everyone),
            regulars=len(regulars),
            regulars_returned=share(regulars),
            all_returned=share(everyone),
            top_spenders_returned=share(top),
        )


def _fit_to_row(fit: Fit) -> ModelFit:
    p = fit.params
    params: dict[str, Any] = {
        "regular_cutoff": fit.calibrated.regular_min_expected_visits_90d,
        "population_size": fit.calibrated.population_size,
    }
    if p is not None:
        params |= {
            "r": p.r,
            "alpha": p.alpha,
            "a": p.a,
            "b": p.b,
            "log_likelihood": p.log_likelihood,
            "n_customers": p.n_customers,
            "converged": p.converged,
            "iterations": p.iterations,
            "n_repeat_customers": p.n_repeat_customers,
            "unit_days": p.unit_days,
        }
    return ModelFit(
        fitted_at=fit.fitted_at,
        as_of=fit.as_of,
        method=fit.method,
        params=params,
        n_customers=p.n_customers if p else 0,
        seconds=fit.seconds,
    )


def _fit_from_row(row: ModelFit, thresholds: Any) -> Fit:
    data = dict(row.params)
    params = None
    if "r" in data:
        params = BgNbdParams(
            r=float(data["r"]),
            alpha=float(data["alpha"]),
            a=float(data["a"]),
            b=float(data["b"]),
            log_likelihood=float(data["log_likelihood"]),
            n_customers=int(data["n_customers"]),
            converged=bool(data["converged"]),
            iterations=int(data["iterations"]),
            n_repeat_customers=int(data["n_repeat_customers"]),
            unit_days=float(data["unit_days"]),
        )
    cutoff = data.get("regular_cutoff")
    calibrated = CalibratedThresholds(
        thresholds, None if cutoff is None else float(cutoff), int(data.get("population_size", 0))
    )
    return Fit(params, calibrated, row.as_of, row.fitted_at, row.seconds)
