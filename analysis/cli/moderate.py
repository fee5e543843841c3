"""``python -m analysis moderate``: does a continuous score (e.g. stigma) change the cross-lags?"""

from __future__ import annotations

import argparse

from analysis.cli._disclosure import add_threshold, shown, write_results
from analysis.cli._parser import add_constructs, add_spec_and_data, add_survey_options, comma_list

HELP = "a continuous moderator (e.g. stigma) of the cross-lags: fixed effects, inside the RI-CLPM, or both"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "moderate",
        help=HELP,
        description=(
            "Load the panel described by a data spec and ask whether a continuous score, such as the stigma "
            "score, changes the lagged links between two constructs, without cutting it into groups. "
            "--method fixed-effects (default): fixed-effects regressions with a lag x moderator interaction. "
            "--method sem: the moderator inside the RI-CLPM, on the within-person cross-lags (with --by, one "
            "interaction per group and a test that they are equal), set beside the fixed-effects "
            "interaction. --method both: both. The moderator is each person's value at the first wave analysed; "
            "the spec's survey weights and design are used unless --unweighted. Associations within persons, "
            "not proof of cause."
        ),
    )
    add_spec_and_data(p)
    add_constructs(p)
    p.add_argument("--moderator", required=True, help="the continuous moderator, e.g. perceived_stigma")
    p.add_argument("--by", metavar="GROUPING",
                   help="with --method sem or both: one interaction per group of this grouping, e.g. life_stage, "
                        "and a test that they are equal")
    p.add_argument("--method", choices=("fixed-effects", "sem", "both"), default="fixed-effects",
                   help="fixed-effects (default), sem (inside the RI-CLPM) or both")
    p.add_argument("--estimator", choices=("ml", "mlr"), default=None,
                   help="with --method sem or both: ml (default) or mlr (robust SEs; always so under a survey design)")
    p.add_argument("--waves", type=comma_list, metavar="LIST",
                   help="comma-separated wave names, e.g. i,j,k,l (default: every wave with both constructs)")
    p.add_argument("--allow-unequal-intervals", action="store_true",
                   help="when a wave in between is missing or skipped, pool intervals of unequal length anyway "
                        "(refused without it; said in the output)")
    add_survey_options(p)
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to this file")
    add_threshold(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from analysis.data import load_panel
    from analysis.errors import UsageError

    if args.method == "fixed-effects":
        if args.by:
            raise UsageError("--by fits one interaction per group inside the RI-CLPM, so it needs --method sem or "
                             "--method both.")
        if args.estimator:
            raise UsageError("--estimator is an option of the RI-CLPM, so it needs --method sem or --method both.")
    panel = load_panel(args.spec, data=args.data)
    if args.by:  # a misspelt grouping is said before any fit
        from analysis.data.panel import known_names

        known_names(args.by, panel.groupings, what="grouping")
    if args.moderator not in panel.long.columns:
        from analysis.data.panel import known_names

        known_names(args.moderator, list(panel.constructs), what="construct")
    survey = {"survey": "none" if args.unweighted else "spec", "weight_rule": args.weight_rule}
    common = {"x": args.x, "y": args.y, "moderator": args.moderator, "waves": args.waves,
              "allow_unequal_intervals": args.allow_unequal_intervals, **survey}
    out: dict = {"x": args.x, "y": args.y, "moderator": args.moderator, "method": args.method}
    if args.method in ("fixed-effects", "both"):
        from analysis.models.moderation import moderate_panel

        fe = moderate_panel(panel, **common)
        print(shown(_fixed_effects_text(fe), args))
        out["fixed_effects"] = {"interaction": fe.interaction.to_dict("records"),
                                "marginal_effects": fe.marginal_effects.to_dict("records"),
                                "interpretation": fe.interpretation(), "design": fe.design, "notes": list(fe.notes)}
    if args.method in ("sem", "both"):
        from analysis.models.sem_moderation import moderate_within
        from analysis.runs.moderation_section import sem_block

        res = moderate_within(panel, by=args.by, estimator=args.estimator or "ml", **common)
        block, _ = sem_block(res, threshold=args.threshold)
        print(shown("\n".join(["", block["answer"], "", res.summary(), "",
                               block["comparison_with_fixed_effects"]["sentence"]]), args))
        block.pop("tables")  # a run's CSV files; the command writes none
        out["sem"] = {**block, "syntax": res.syntax}
    if args.json:
        write_results(out, args)  # JSON-safe, small counts nulled
    return 0


def _fixed_effects_text(fe) -> str:
    """The fixed-effects moderation on a screen: the interaction, the effects at low/medium/high, the answer."""
    fmt = lambda v: f"{v:.4f}"  # noqa: E731
    lines = [f"Moderation of the cross-lags by {fe.moderator} (fixed-effects regressions)",
             fe.interaction.to_string(index=False, float_format=fmt), "",
             "Effect at low / medium / high moderator",
             fe.marginal_effects.to_string(index=False, float_format=fmt), "", fe.interpretation()]
    if (fe.design or {}).get("note"):
        lines.append(f"Survey design: {fe.design['note']}.")
    lines += [f"Note: {n}" for n in fe.notes]
    return "\n".join(lines)
