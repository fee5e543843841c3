# Reference values for the random-effects meta-analysis (analysis/pooling/meta.py):
# metafor::rma(method = "REML") on small sets of estimates and standard errors.
# Run from the repository root:  Rscript tests/reference/make_metafor_fixtures.R
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
cases <- list(
  homogeneous = list(yi = c(0.10, 0.12, 0.09, 0.11), sei = c(0.03, 0.04, 0.02, 0.05)),
  heterogeneous = list(yi = c(0.05, 0.20, 0.32, 0.11, -0.02), sei = c(0.03, 0.04, 0.05, 0.02, 0.06)),
  two_studies = list(yi = c(0.15, 0.30), sei = c(0.05, 0.04)),
  three_cohorts = list(yi = c(0.082, 0.041, 0.126), sei = c(0.021, 0.015, 0.033))
)
for (name in names(cases)) {
  cs <- cases[[name]]
  # REML to full precision: metafor stops its Fisher scoring at a change below 1e-5 by default.
  fit <- rma(yi = cs$yi, sei = cs$sei, method = "REML", control = list(threshold = 1e-12, maxiter = 1000))
  pr <- predict(fit)
  out <- list(
    case = name, metafor_version = as.character(packageVersion("metafor")), r_version = R.version.string,
    call = "rma(yi, sei = sei, method = 'REML', control = list(threshold = 1e-12, maxiter = 1000))", yi = cs$yi, sei = cs$sei,
    estimate = as.numeric(fit$b), se = fit$se, ci_lower = fit$ci.lb, ci_upper = fit$ci.ub,
    zval = fit$zval, pvalue = fit$pval, tau2 = fit$tau2, se_tau2 = fit$se.tau2, i2 = fit$I2, h2 = fit$H2,
    q = fit$QE, q_df = fit$k - fit$p, q_pvalue = fit$QEp, pi_lower = pr$pi.lb, pi_upper = pr$pi.ub
  )
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
             file.path("tests", "reference", "metafor", paste0(name, ".json")))
}
