"""Methods text with citations, written from what the run actually did."""

from __future__ import annotations

import html

from analysis.models.survey_design import design_sentence

_SHORT = {"riclpm": "RI-CLPM", "clpm": "CLPM", "dpm": "DPM"}

REFERENCES = {
    "hamaker2015": "Hamaker, E. L., Kuiper, R. M., & Grasman, R. P. P. P. (2015). A critique of the cross-lagged panel "
                   "model. Psychological Methods, 20(1), 102–116.",
    "mulder2021": "Mulder, J. D., & Hamaker, E. L. (2021). Three extensions of the random intercept cross-lagged panel "
                  "model. Structural Equation Modeling, 28(4), 638–648.",
    "allison2017": "Allison, P. D., Williams, R., & Moral-Benito, E. (2017). Maximum likelihood for cross-lagged panel "
                   "models with fixed effects. Socius, 3.",
    "rosseel2012": "Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of Statistical "
                   "Software, 48(2), 1–36.",
    "enders2001": "Enders, C. K., & Bandalos, D. L. (2001). The relative performance of full information maximum "
                  "likelihood estimation for missing data in structural equation models. Structural Equation Modeling, "
                  "8(3), 430–457.",
    "nickell1981": "Nickell, S. (1981). Biases in dynamic models with fixed effects. Econometrica, 49(6), 1417–1426.",
    "holm1979": "Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal of "
                "Statistics, 6(2), 65–70.",
    "orth2022": "Orth, U., Meier, L. L., Bühler, J. L., et al. (2022). Effect size guidelines for cross-lagged effects. "
                "Psychological Methods.",
    "hu1999": "Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure analysis. "
              "Structural Equation Modeling, 6(1), 1–55.",
    "sharma2020": "Sharma, A., & Kiciman, E. (2020). DoWhy: An end-to-end library for causal inference. arXiv:2011.04216.",
}


def methods_html(cfg, results: dict) -> str:
    paras = []
    cl = results.get("crosslag", [])
    if cl:
        kinds = sorted({c["model"] for c in cl})
        paras.append(
            "Cross-lagged panel models were fitted by maximum likelihood with full-information maximum likelihood "
            "for missing waves (Enders & Bandalos 2001), so everyone with at least one observed score contributes. "
            f"Model types: {', '.join(_SHORT.get(k, k.upper()) for k in kinds)}. The random-intercept cross-lagged panel model "
            "(RI-CLPM; Hamaker et al. 2015; syntax as Mulder & Hamaker 2021) separates stable differences between "
            "people (random intercepts) from fluctuations within people, and estimates the lagged effects among the "
            "within-person parts. The dynamic panel model (DPM) treats person effects as fixed and correlated with the "
            "first wave (Allison et al. 2017). Lagged effects were constrained equal over waves unless stated, "
            "and that constraint was tested with a likelihood-ratio test. The estimation engine reproduces lavaan "
            "(Rosseel 2012) to four decimal places on reference models. Fit was judged with CFI, TLI, RMSEA and SRMR "
            "(Hu & Bentler 1999); effect sizes follow Orth et al. (2022).")
        paras.append("Survey design: " + design_sentence(cl[0].get("design")) + (
            " Weights were rescaled to sum to the number of people analysed and enter the likelihood; standard "
            "errors are sandwich (linearisation) estimates with scores summed within PSUs and centred within strata, "
            "as Stata svy, R survey and Mplus TYPE = COMPLEX compute them, and likelihood-ratio tests are "
            "Satorra-Bentler (2001) scaled." if (cl[0].get("design") or {}).get("weight") or
            (cl[0].get("design") or {}).get("cluster") else ""))
        if any(c.get("sensitivity") for c in cl):
            paras.append("As a sensitivity analysis the same effects were estimated by fixed-effects panel regression "
                         "(which has Nickell (1981) bias with few waves), first differences and a random-intercept "
                         "mixed model.")
    if results.get("groups"):
        paras.append("Group differences were tested with multigroup models: every group had its own lagged effects, "
                     "compared by likelihood-ratio tests with models holding one or both cross-lagged effects equal "
                     "across groups, and by Wald tests for pairs of groups with Holm (1979) adjustment. Each person's "
                     "group is the one at the first wave analysed.")
    if results.get("crossed_groups"):
        paras.append("Crossed groupings were compared with one multigroup model over the cells of the "
                     "cross-classification (e.g. life stage × stigma group), each cell with its own lagged effects. "
                     "For each direction, likelihood-ratio tests of linear equality constraints on the cell effects "
                     "asked whether the effect is the same in every cell, whether it differs by each grouping "
                     "(averaged over the other) and whether the differences by one grouping are the same at every "
                     "level of the other (the interaction); Holm (1979) adjustment within each direction.")
    if any(m.get("method", "fixed-effects") != "sem" for m in results.get("moderation", [])):
        paras.append("Stigma as a continuous moderator was examined with fixed-effects regressions including the "
                     "interaction of the lagged predictor with the person's stigma score, with person-clustered "
                     "standard errors.")
    if any("sem" in m for m in results.get("moderation", [])):  # issue 20: the moderator inside the RI-CLPM
        from analysis.reporting.moderation_report import SEM_METHOD

        paras.append(SEM_METHOD)
    if results.get("causal"):
        paras.append("Causal questions were set out as a causal graph and analysed with DoWhy (Sharma & Kiciman "
                     "2020): identification by the back-door criterion, estimation, and refutation tests; confidence "
                     "intervals from a bootstrap over persons.")
    refs = "".join(f"<li>{html.escape(ref)}</li>" for ref in REFERENCES.values())
    return "".join(f"<p>{html.escape(p)}</p>" for p in paras) + f"<h3>References</h3><ul>{refs}</ul>"
