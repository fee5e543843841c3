"""The results of :func:`analysis.models.sem_moderation.moderate_within`: read-only, with summary and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.interpret import p_text, readable, significant
from analysis.models.builders import PanelDesign
from analysis.models.sem import SEMResults
from analysis.models.survey_design import NO_DESIGN, Design, design_sentence
from analysis.naming import name_of
from analysis.outputs import json_safe

#: Direction -> (label of the interaction, label of the cross-lag) in the syntax.
DIRECTIONS = {"x_to_y": ("g_xy", "cl_xy"), "y_to_x": ("g_yx", "cl_yx")}

#: The caveat on the size of the interaction (module docstring of sem_moderation), carried in ``notes``.
SIZE_CAVEAT = ("The product term uses each person's observed deviation from their own mean, not the latent "
               "within-person component; with few waves this overstates the size of the interaction (in "
               "simulations by 20-60% with four waves and 10-30% with eight; no moderation stays at zero). "
               "Read its sign and test, not its exact size.")


@dataclass(frozen=True)
class WithinModerationResults:
    """Interaction of the within-person cross-lags with stigma in the RI-CLPM: read-only.

    Attributes
    ----------
    interaction : DataFrame
        ``path, group, est, se, z, pvalue, ci_lower, ci_upper, per_sd`` (one row per
        direction and group).
    simple_slopes : DataFrame
        ``path, group, level, moderator_value, est, se, ci_lower, ci_upper, pvalue``: the
        cross-lag at low, medium and high stigma.
    equality : DataFrame
        With ``by``: Wald tests that the interaction is equal in every group
        (``path, chisq, df, pvalue``); empty otherwise.
    survey : Design
        The weight, PSU and strata columns the fit used (none: unweighted, simple random sample).
    notes : tuple of str
        Caveats that change what the estimates mean (wave spacing, the size of the interaction).
    """

    x: str
    y: str
    moderator: str
    by: str | None
    interaction: pd.DataFrame
    simple_slopes: pd.DataFrame
    equality: pd.DataFrame
    moderator_mean: float
    moderator_sd: float
    syntax: str
    sem: SEMResults = field(repr=False)
    wide: pd.DataFrame = field(repr=False)
    waves: tuple[str, ...] = ()
    level: float = 0.95
    survey: Design = NO_DESIGN
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        r = self.interaction
        parts = ", ".join(f"{row.path}{'' if row.group is None else f'[{row.group}]'} {row.est:.3f} ({row.se:.3f})"
                          for row in r.itertuples())
        return f"WithinModerationResults({self.x}<->{self.y} by {self.moderator}: {parts})"

    @property
    def design(self) -> dict:
        """The survey design of the fit (``weight, cluster, strata, n_psu, n_strata, zero_weight, missing_weight``)."""
        from analysis.models.sem.data import SampleDesign

        return dict(self.sem.design or SampleDesign().to_dict())

    @property
    def group_sizes(self) -> dict[str, int]:
        """Persons used by the fit, per group of ``by`` (``{"all": n}`` without it)."""
        if self.by is None:
            return {"all": int(self.sem.fit["nobs"])}
        return {str(k): int(v) for k, v in self.sem.nobs.items()}

    def answer(self) -> str:
        """The answer in one or two plain sentences: does the moderator change each within-person link?"""
        m = name_of(self.moderator)
        parts = []
        for path in DIRECTIONS:
            src, dst = (self.x, self.y) if path == "x_to_y" else (self.y, self.x)
            rows = self.interaction[self.interaction.path == path]
            found = [r for r in rows.itertuples() if significant(r.pvalue)]
            link = f"the within-person link from {name_of(src)} to later {name_of(dst)}"
            if not found:
                parts.append(f"the data do not show that {m} changes {link}")
                continue
            verbs = {"stronger" if r.est > 0 else "weaker" for r in found}
            where = "" if self.by is None else f" (for {name_of(self.by)} {', '.join(str(r.group) for r in found)})"
            parts.append(f"{link} is {' or '.join(sorted(verbs))} for people with more {m}{where}")
        text = f"{parts[0][0].upper()}{parts[0][1:]}; {parts[1]}."
        if not self.equality.empty:
            arrow = {"x_to_y": f"{name_of(self.x)} → later {name_of(self.y)}",
                     "y_to_x": f"{name_of(self.y)} → later {name_of(self.x)}"}
            diff = [arrow[r.path] for r in self.equality.itertuples() if significant(r.pvalue)]
            text += (f" This differs between {name_of(self.by)} groups for {' and '.join(diff)}." if diff else
                     f" The data do not show that this differs between {name_of(self.by)} groups.")
        return text

    def interpretation(self) -> str:
        """Plain-language sentences, one per direction (and group)."""
        m = name_of(self.moderator)
        out = []
        for row in self.interaction.itertuples():
            src, dst = (self.x, self.y) if row.path == "x_to_y" else (self.y, self.x)
            single = row.group is None or (isinstance(row.group, float) and np.isnan(row.group))
            where = "" if single else f" For {name_of(self.by)} {row.group}:"
            sl = self.simple_slopes
            same = sl.group.isna() if single else sl.group == row.group
            slopes = sl[(sl.path == row.path) & same]
            lo, hi = slopes.iloc[0], slopes.iloc[-1]
            if significant(row.pvalue):
                verb = "stronger" if row.est > 0 else "weaker"
                out.append(f"{where} Within persons, the link from {name_of(src)} to later {name_of(dst)} is {verb} "
                           f"for people with more {m} (interaction {readable(row.est)} per unit, "
                           f"{readable(row.per_sd)} per SD, p {p_text(row.pvalue)}): {readable(lo.est)} at low and "
                           f"{readable(hi.est)} at high {m}.")
            else:
                out.append(f"{where} The data do not show that {m} changes the within-person link from {name_of(src)} "
                           f"to later {name_of(dst)} (interaction {readable(row.est)} per unit, p {p_text(row.pvalue)}).")
        out.append("These are associations within persons, not proof of cause.")
        return " ".join(s.strip() for s in out)

    def summary(self) -> str:
        """A screen of text: the interactions, the simple slopes, the equality tests."""
        f = self.sem.fit
        est = "MLR" if self.sem.options.get("estimator") == "mlr" or self.survey.used else "ML"
        lines = [f"Moderation of the within-person cross-lags by {self.moderator} (RI-CLPM, {est} with FIML)",
                 f"  persons {f.get('nobs')}, waves {', '.join(self.waves)}; {self.moderator} mean "
                 f"{self.moderator_mean:.3f}, SD {self.moderator_sd:.3f}; chi-square {f.get('chisq', float('nan')):.2f} "
                 f"on {f.get('df')} df", f"  {design_sentence(self.design)}", "",
                 "Interaction (change in the cross-lag per unit of the moderator)"]
        drop = ["group"] if self.by is None else []
        lines.append(self.interaction.drop(columns=drop).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        lines += ["", "Cross-lag at low / medium / high moderator"]
        cols = ["path", *(["group"] if self.by else []), "level", "moderator_value", "est", "se", "pvalue"]
        lines.append(self.simple_slopes[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        if not self.equality.empty:
            lines += ["", f"Equal interaction in every {self.by} group (Wald)"]
            lines.append(self.equality.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        lines += ["", self.interpretation(), *[f"Note: {n}" for n in self.notes]]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-safe: interaction, simple slopes, equality tests, moderator, design, notes, fit and syntax."""
        rec = lambda df: [{k: json_safe(v) for k, v in r.items()} for r in df.to_dict("records")]  # noqa: E731
        return {"x": self.x, "y": self.y, "moderator": self.moderator, "by": self.by, "waves": list(self.waves),
                "interaction": rec(self.interaction), "simple_slopes": rec(self.simple_slopes),
                "equality": rec(self.equality), "moderator_mean": json_safe(self.moderator_mean),
                "moderator_sd": json_safe(self.moderator_sd), "fit": {k: json_safe(v) for k, v in self.sem.fit.items()},
                "estimation": {"estimator": self.sem.options.get("estimator"),
                               "missing": self.sem.options.get("missing")},
                "design": json_safe(self.design), "notes": list(self.notes), "group_sizes": self.group_sizes,
                "answer": self.answer(),
                "interpretation": self.interpretation(), "syntax": self.syntax}

    def compare_fixed_effects(self) -> pd.DataFrame:
        """This interaction beside the fixed-effects moderation (:func:`analysis.models.moderation.moderation`).

        Same data, waves and survey design (pooled over groups).  Returns ``path, sem_est,
        sem_se, fe_est, fe_se, difference, agree`` with the sentence in ``attrs["sentence"]``:
        they agree when the difference is within 1.96 times the smaller of the two SEs.
        """
        from analysis.models.moderation import moderation

        design = PanelDesign(x=tuple(f"{self.x}_{w}" for w in self.waves), y=tuple(f"{self.y}_{w}" for w in self.waves))
        fe = moderation(self.wide, design, x=self.x, y=self.y, moderator=self.moderator,
                        survey=self.survey if self.survey.used else "none",
                        waves=list(self.waves)).interaction.set_index("path")
        sem = self.interaction if self.by is None else self._pooled()
        rows = []
        for path in DIRECTIONS:
            s = sem.set_index("path").loc[path]
            f = fe.loc[path]
            agree = abs(s.est - f.est) <= 1.96 * min(s.se, f.se)
            rows.append({"path": path, "sem_est": float(s.est), "sem_se": float(s.se), "fe_est": float(f.est),
                         "fe_se": float(f.se), "difference": float(s.est - f.est), "agree": bool(agree)})
        out = pd.DataFrame(rows)
        arrow = {"x_to_y": f"{name_of(self.x)} → later {name_of(self.y)}",
                 "y_to_x": f"{name_of(self.y)} → later {name_of(self.x)}"}
        out.attrs["sentence"] = (
            "The RI-CLPM interaction and the fixed-effects interaction agree in both directions (their difference "
            "is within 1.96 standard errors)." if out.agree.all() else
            "The RI-CLPM interaction and the fixed-effects interaction differ for "
            + " and ".join(arrow[p] for p in out.path[~out.agree]) + " (by more than 1.96 standard errors); with "
            "few waves the fixed-effects regressions carry Nickell bias, and the RI-CLPM's person-mean product "
            "overstates the size of the interaction (see the notes).")
        return out

    def _pooled(self) -> pd.DataFrame:
        # Precision-weighted average over groups: a single number to set beside the pooled FE fit.
        rows = []
        for path, g in self.interaction.groupby("path"):
            w = 1 / g.se.to_numpy() ** 2
            rows.append({"path": path, "est": float((w * g.est).sum() / w.sum()), "se": float(np.sqrt(1 / w.sum()))})
        return pd.DataFrame(rows)
