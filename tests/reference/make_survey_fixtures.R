#!/usr/bin/env Rscript
# make_survey_fixtures.R -- reference fixtures for survey weights and the complex sample design (issue 14).
#
# How to run (from the repository root, /work/main):
#
#     .venv/bin/python tests/reference/make_survey_models.py   # only if the builders changed (writes models/survey_*.lav)
#     Rscript tests/reference/make_survey_fixtures.R
#
# Requirements (Debian): apt-get install -y r-base-core r-cran-lavaan r-cran-jsonlite r-cran-survey
#
# The committed JSON in tests/reference/survey/ was produced with lavaan 0.6-14, survey 4.1-1,
# R 4.2.2 Patched (2022-11-10 r83330), jsonlite 1.8.4 (Debian bookworm packages).
#
# Inputs
#   * tests/reference/models/survey_*.lav -- model syntax written by the workbench's builders
#     (analysis.models.builders.build_syntax), see make_survey_models.py.
#   * Simulated data, written by this script to tests/reference/data/survey_*.csv (header row,
#     empty cell = NA, values rounded to 5 decimals) and READ BACK from those CSV files before fitting.
#
# Outputs
#   tests/reference/data/survey_panel.csv, tests/reference/data/survey_cfa.csv
#   tests/reference/survey/<case>.json   one fixture per case (layout: README.md, "Survey fixtures")
#
# Same conventions as make_lavaan_fixtures.R: deterministic (set.seed before every simulation),
# stops if a fit does not converge, doubles written with %.17g by the small JSON writer. That writer, the
# lavaan-output helpers and the shared parts of the case runner are in fixture_helpers.R (sourced below).

suppressPackageStartupMessages({
  library(lavaan)
  library(survey)
  library(jsonlite)  # only used for string escaping
})

## ---------------------------------------------------------------------------------------------
## paths
## ---------------------------------------------------------------------------------------------
script_path <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f) == 0) stop("run this file with Rscript")
  normalizePath(f[1])
})
script_dir <- dirname(script_path)
data_dir <- file.path(script_dir, "data")
out_dir <- file.path(script_dir, "survey")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

source(file.path(script_dir, "fixture_helpers.R"))  # JSON writer, lavaan-output helpers, case-runner pieces
SURVEY_VERSION <- as.character(packageVersion("survey"))

## ---------------------------------------------------------------------------------------------
## data
## ---------------------------------------------------------------------------------------------
DESIGN_COLS <- list(weight = "w", strata = "stratum", psu = "psu", psu_unique = "psu_uid")
ref_data <- function(file, df, group = NULL) {
  c(list(source = "reference", file = paste0("data/", file), columns = I(names(df))),
    DESIGN_COLS, if (!is.null(group)) list(group_column = group) else NULL)
}

# Sample design shared by both data sets: H strata, 2-4 PSUs per stratum (the first `n_two` strata
# have exactly 2), a frame of `m_psu` persons in each sampled PSU, persons selected by Poisson sampling
# with a probability that depends on a person-level variable `z` (informative selection).
# Returns the selected persons with stratum, psu (1..k within stratum), psu_uid (unique), the
# PSU random effect and the weight.
#   pi_i = pi_psu(h) * plogis(a0 + a1 * z_i);  weight = 1 / pi_i, rescaled to mean 1, trimmed to [0.25, 4], then
#   rescaled to mean 1.25 (range about 0.3 to 5).
draw_design <- function(H, n_two, m_psu, z_fun, a0, a1, psu_sd) {
  k <- c(rep(2L, n_two), sample(2:4, H - n_two, replace = TRUE))
  frame <- do.call(rbind, lapply(seq_len(H), function(h) {
    do.call(rbind, lapply(seq_len(k[h]), function(j) {
      data.frame(stratum = h, psu = j, psu_eff = rnorm(1, sd = psu_sd))[rep(1, m_psu), ]
    }))
  }))
  rownames(frame) <- NULL
  frame$psu_uid <- frame$stratum * 10L + frame$psu          # globally unique: 11, 12, ..., 204
  pi_psu <- runif(H, 0.05, 0.20)[frame$stratum]            # PSU inclusion probability, varies by stratum
  frame$z <- z_fun(nrow(frame), frame$psu_eff)
  p_person <- plogis(a0 + a1 * as.numeric(scale(frame$z)))
  sel <- runif(nrow(frame)) < p_person
  frame <- frame[sel, ]
  w <- 1 / (pi_psu[sel] * p_person[sel])
  w <- w / mean(w)
  w <- pmin(pmax(w, 0.25), 4)
  frame$w <- round(1.25 * w / mean(w), 5)   # mean 1.25, not 1: lavaan's rescaling to sum N then matters
  frame
}

## --- 4-wave bivariate RI-CLPM panel with design, attrition and item non-response -------------
set.seed(20240614)
sim_survey_panel <- function() {
  SRI <- matrix(c(0.60, 0.25, 0.25, 0.50), 2, 2)          # person-level random-intercept covariance
  # z = the person's random intercept of y (person part + PSU effect); selection favours low RIy
  ri_store <- NULL
  z_fun <- function(n, psu_eff) {
    ri <- matrix(rnorm(n * 2), n) %*% chol(SRI)
    ri[, 1] <- ri[, 1] + 0.6 * psu_eff
    ri[, 2] <- ri[, 2] + psu_eff
    ri_store <<- ri
    ri[, 2]
  }
  fr <- draw_design(H = 20, n_two = 6, m_psu = 80, z_fun = z_fun, a0 = qlogis(0.30), a1 = -1.0, psu_sd = 0.35)
  sel_ri <- ri_store[as.integer(rownames(fr)), , drop = FALSE]
  N <- nrow(fr)
  waves <- 4
  B <- matrix(c(0.40, 0.15,    # wx_t = .40 wx_{t-1} + .15 wy_{t-1}
                0.10, 0.35),   # wy_t = .10 wx_{t-1} + .35 wy_{t-1}
              2, 2, byrow = TRUE)
  Psi <- matrix(c(0.70, 0.20, 0.20, 0.65), 2, 2)
  S1 <- matrix(c(1.00, 0.30, 0.30, 1.00), 2, 2)
  mu <- cbind(x = c(3.0, 3.1, 3.2, 3.3), y = c(2.0, 2.05, 2.1, 2.15))
  grp <- sample(1:2, N, replace = TRUE)
  wth <- array(NA_real_, c(N, 2, waves))
  wth[, , 1] <- matrix(rnorm(N * 2), N) %*% chol(S1)
  for (t in 2:waves) wth[, , t] <- wth[, , t - 1] %*% t(B) + matrix(rnorm(N * 2), N) %*% chol(Psi)
  X <- sapply(1:waves, function(t) mu[t, "x"] + sel_ri[, 1] + wth[, 1, t])
  Y <- sapply(1:waves, function(t) mu[t, "y"] + 0.2 * (grp == 2) + sel_ri[, 2] + wth[, 2, t])
  # monotone MAR attrition: P(drop before wave t | present at t-1) = plogis(qlogis(.10) + .7 (y_{t-1} - mu))
  d <- monotone_attrition(X, Y, mu, p0 = 0.10, slope = 0.7)
  # scattered item non-response: 3 % of the remaining cells MCAR, never a whole row
  m <- matrix(runif(N * ncol(d)) < 0.03, N) & !is.na(as.matrix(d))
  for (i in which(rowSums(is.na(d) | m) == ncol(d))) m[i, ] <- FALSE
  d[m] <- NA
  d <- round(d, 5)
  data.frame(id = seq_len(N), stratum = fr$stratum, psu = fr$psu, psu_uid = fr$psu_uid, w = fr$w,
             group = grp, d)
}
panel <- write_csv(sim_survey_panel(), "survey_panel.csv")

## --- complete-data 3-factor CFA with design ---------------------------------------------------
set.seed(20240615)
sim_survey_cfa <- function() {
  Phi <- matrix(c(1.0, 0.4, 0.3,
                  0.4, 1.0, 0.5,
                  0.3, 0.5, 1.0), 3, 3)
  f_store <- NULL
  z_fun <- function(n, psu_eff) {
    f <- matrix(rnorm(n * 3), n) %*% chol(Phi) * sqrt(0.85) + psu_eff   # PSU effect on all factors
    f_store <<- f
    f[, 1]
  }
  fr <- draw_design(H = 16, n_two = 4, m_psu = 40, z_fun = z_fun, a0 = qlogis(0.35), a1 = 0.9, psu_sd = sqrt(0.15))
  f <- f_store[as.integer(rownames(fr)), , drop = FALSE]
  N <- nrow(fr)
  lam <- c(1.0, 0.8, 0.7)
  nu <- c(3.0, 2.5, 2.0)
  th <- c(0.45, 0.55, 0.60)
  d <- as.data.frame(do.call(cbind, lapply(1:3, function(k) {
    sapply(1:3, function(j) nu[j] + lam[j] * f[, k] + rnorm(N, sd = sqrt(th[j])))
  })))
  names(d) <- paste0("v", 1:9)
  d <- round(d, 5)
  data.frame(id = seq_len(N), stratum = fr$stratum, psu = fr$psu, psu_uid = fr$psu_uid, w = fr$w, d)
}
cfa_dat <- write_csv(sim_survey_cfa(), "survey_cfa.csv")

describe_data <- function(d, name) {
  cat(sprintf("%s: N = %d, strata = %d, PSUs = %d (per stratum %s), weights %.3f..%.3f (mean %.3f)\n",
              name, nrow(d), length(unique(d$stratum)), length(unique(d$psu_uid)),
              paste(table(tapply(d$psu, d$stratum, max)), collapse = "/"), min(d$w), max(d$w), mean(d$w)))
}
describe_data(panel, "survey_panel.csv")
describe_data(cfa_dat, "survey_cfa.csv")
cat("panel missing per column:", paste(names(panel), colSums(is.na(panel)), sep = "=", collapse = " "), "\n")

## ---------------------------------------------------------------------------------------------
## lavaan case runner (as in make_lavaan_fixtures.R, plus the design; shared pieces in fixture_helpers.R)
## ---------------------------------------------------------------------------------------------
WEIGHT_RULE <- paste(
  "lavaan 0.6-14, lav_data.R (lav_data_full, 'sampling weigths, again'): with the default",
  "sampling.weights.normalization = 'total' the weights of the cases lavaan keeps (nobs, after removing",
  "rows with every model variable missing) are rescaled to w * sum(nobs) / sum(all kept w), i.e. to sum to the",
  "TOTAL sample size over all groups (not per group: a group's weights sum to its own n only with",
  "sampling.weights.normalization = 'group'). The option 'none' leaves them unchanged.")

run_case <- function(case, description, fun, model, data, data_name, data_ref, args = list(), extra = NULL) {
  cc <- case_call(fun, model, data, data_name, args)
  warns <- collect_warnings({
    fit <- eval(cc$call, envir = cc$env)
    parts <- inspect_fit(fit)
    # lavInspect(fit, "nclusters") says 1 for single-level cluster = fits (nlevels == 1); read Lp instead
    nclus <- if (length(fit@Data@cluster)) vapply(fit@Data@Lp, function(lp) as.integer(lp$nclusters[[2]]), integer(1)) else NULL
    extra_vals <- if (!is.null(extra)) extra(fit) else NULL
  })
  opt <- parts$opt
  ng <- parts$ng

  options <- lavaan_options(fun, args, opt, more = list(
    sampling.weights = if (!is.null(args$sampling.weights)) args$sampling.weights else NULL,
    sampling.weights.normalization = opt$sampling.weights.normalization,
    cluster = if (!is.null(args$cluster)) args$cluster else NULL
  ))

  # the weights lavaan actually used (after rescaling), per group
  weights_info <- NULL
  if (!is.null(args$sampling.weights)) {
  wts <- fit@Data@weights
  raw_w <- lapply(seq_len(ng), function(g) data[[args$sampling.weights]][fit@Data@case.idx[[g]]])
  scale_total <- sum(unlist(fit@Data@nobs)) / sum(unlist(raw_w))
  max_dev <- max(abs(unlist(wts) - unlist(raw_w) * scale_total))
  weights_info <- list(
    column = args$sampling.weights,
    normalization = opt$sampling.weights.normalization,
    rule = WEIGHT_RULE,
    sum_raw_per_group = I(vapply(raw_w, sum, numeric(1))),
    sum_rescaled_per_group = I(vapply(wts, sum, numeric(1))),
    nobs_per_group = I(as.integer(unlist(fit@Data@nobs))),
    # lavaan redefines nobs as sum(w) per group (lav_samplestats.R); these are the group weights
    # fg = samplestats_nobs[g] / ntotal in the objective, the information and the robust test
    samplestats_nobs = I(as.numeric(unlist(fit@SampleStats@nobs))),
    samplestats_ntotal = fit@SampleStats@ntotal,
    factor = scale_total,
    max_abs_dev_from_rule = max_dev,
    first5_rescaled_group1 = I(head(wts[[1]], 5))
  )
  if (max_dev > 1e-12) stop("case ", case, ": rescaled weights do not follow the documented rule")
  }

  res <- lavaan_result(case, description, cc$call_str, options, model, data_ref, fit, parts, warns,
                       after_data = list(
                         sampling_weights = weights_info,
                         nclusters = if (!is.null(nclus)) I(nclus) else NULL  # PSUs per group (lavaan counts clusters within each group)
                       ))
  fm <- parts$fm
  finish_case(case, res, extra_vals, fit, warns,
              data.frame(case = case, npar = fm[["npar"]], chisq = fm[["chisq"]],
                         chisq.scaled = fm[["chisq.scaled"]], df = fm[["df"]], logl = fm[["logl"]],
                         converged = res$converged, nwarn = length(warns)))
  invisible(fit)
}

## ---------------------------------------------------------------------------------------------
## survey::svyglm case runner
## ---------------------------------------------------------------------------------------------
run_svyglm <- function(case, description, design_call, formula, data, data_name, data_ref) {
  env <- new.env(parent = globalenv())
  assign(data_name, data, envir = env)
  glm_call <- call("svyglm", formula, design = as.name("des"))
  warns <- collect_warnings({
    des <- eval(design_call, envir = env)
    assign("des", des, envir = env)
    fit <- eval(glm_call, envir = env)
    sm <- summary(fit)
    vc <- vcov(fit)
    # the same regression on a design built from the complete cases only (rows dropped before svydesign)
    vars <- all.vars(formula)
    cc <- data[complete.cases(data[, vars]), ]
    assign(data_name, cc, envir = env)
    des_cc <- eval(design_call, envir = env)
    fit_cc <- svyglm(formula, design = des_cc)
    # design effect of the weighted mean of the outcome (complete cases), and the SRS (with replacement) variance
    mn <- svymean(as.formula(paste0("~", vars[1])), des_cc, deff = "replace")
    # design effects of the coefficients: svyglm(..., deff = TRUE) = vcov / (naive glm vcov * mean weight)
    fit_deff <- eval(as.call(c(as.list(glm_call), list(deff = TRUE))), envir = env)
  })
  coefs <- sm$coefficients
  tab <- data.frame(term = rownames(coefs), est = unname(coefs[, 1]), se = unname(coefs[, 2]),
                    t = unname(coefs[, 3]), p = unname(coefs[, 4]), stringsAsFactors = FALSE)
  same <- max(abs(coef(fit) - coef(fit_cc)), abs(vc - vcov(fit_cc)))
  ncc <- nrow(cc)
  res <- list(
    case = case,
    description = description,
    survey_version = SURVEY_VERSION,
    r_version = R_VERSION,
    design_call = paste(deparse(design_call, width.cutoff = 500L), collapse = " "),
    call = paste(deparse(glm_call, width.cutoff = 500L), collapse = " "),
    formula = paste(deparse(formula), collapse = " "),
    data = data_ref,
    n_used = length(fit$y),
    n_complete_cases = ncc,
    n_strata = length(unique(cc$stratum)),
    n_psu = length(unique(cc$psu_uid)),
    degf = degf(des),
    degf_complete_case_design = degf(des_cc),
    df.residual = fit$df.residual,
    dispersion = unname(sm$dispersion[1]),
    coefficients = plain_df(tab),
    vcov = mat_obj(vc),
    complete_case_design_max_abs_diff = same,
    mean_outcome = list(call = sprintf("svymean(~%s, design_complete_cases, deff = \"replace\")", vars[1]),
                        mean = unname(coef(mn)), se = as.numeric(SE(mn)), deff = as.numeric(deff(mn))),
    deff_coefficients = list(call = paste(deparse(as.call(c(as.list(glm_call), list(deff = TRUE))), width.cutoff = 500L), collapse = " "),
                             deff = named_vec_obj(diag(attr(fit_deff, "deff")))),
    psu_per_stratum = named_vec_obj(tapply(data$psu, data$stratum, function(v) length(unique(v)))),
    warnings = I(warns)
  )
  write_json_file(res, file.path(out_dir, paste0(case, ".json")))
  ALL_WARNINGS[[case]] <<- warns
  cat(sprintf("%s: degf = %d, coef = %s, se = %s\n", case, degf(des),
              paste(sprintf("%.6f", tab$est), collapse = " "), paste(sprintf("%.6f", tab$se), collapse = " ")))
  invisible(fit)
}

## ---------------------------------------------------------------------------------------------
## models
## ---------------------------------------------------------------------------------------------
RICLPM <- read_model("survey_riclpm_invariant")
CLPM_MG <- read_model("survey_clpm_mg_equal_cl")
CFA <- '
  f1 =~ v1 + v2 + v3
  f2 =~ v4 + v5 + v6
  f3 =~ v7 + v8 + v9
'
REG <- '
  y4 ~ x3 + y3
'
panel_ref <- ref_data("survey_panel.csv", panel)
panel_ref_g <- ref_data("survey_panel.csv", panel, group = "group")
cfa_ref <- ref_data("survey_cfa.csv", cfa_dat)
ric_args <- list(missing = "ML", meanstructure = TRUE, int.ov.free = TRUE)

## ---------------------------------------------------------------------------------------------
## cases
## ---------------------------------------------------------------------------------------------
run_case("weighted_riclpm_cluster_mlr",
  "Builder RI-CLPM (4 waves, lags invariant over time) on the simulated survey panel (N ~ 1,500, MAR attrition + 3% item non-response), FIML, sampling weights w, cluster = globally unique PSU id psu_uid (strata ignored: lavaan has no strata), estimator MLR.",
  "lavaan", RICLPM, panel, "dat", panel_ref,
  args = c(ric_args, list(sampling.weights = "w", cluster = "psu_uid", estimator = "MLR")))

run_case("weighted_riclpm_mlr_nocluster",
  "Same RI-CLPM and data, sampling weights w only (no cluster), estimator MLR.",
  "lavaan", RICLPM, panel, "dat", panel_ref,
  args = c(ric_args, list(sampling.weights = "w", estimator = "MLR")))

run_case("unweighted_riclpm_mlr",
  "Same RI-CLPM and data without weights (estimator MLR): the comparison that shows the weights matter.",
  "lavaan", RICLPM, panel, "dat", panel_ref,
  args = c(ric_args, list(estimator = "MLR")))

run_case("weighted_multigroup_clpm",
  "Builder multigroup CLPM (4 waves, lags invariant over time, cross-lags cl_xy / cl_yx equal across groups, autoregressions per group) by the column 'group', FIML, sampling weights w (normalisation 'total'), fixed.x = FALSE, estimator MLR.",
  "lavaan", CLPM_MG, panel, "dat", panel_ref_g,
  args = c(ric_args, list(fixed.x = FALSE, group = "group", sampling.weights = "w", estimator = "MLR")))

run_case("weighted_multigroup_clpm_cluster",
  "Same multigroup CLPM with cluster = 'psu_uid' as well (PSUs are split across the groups: lavaan counts clusters per group).",
  "lavaan", CLPM_MG, panel, "dat", panel_ref_g,
  args = c(ric_args, list(fixed.x = FALSE, group = "group", sampling.weights = "w", cluster = "psu_uid", estimator = "MLR")))

run_case("weighted_cfa_complete",
  "Three-factor CFA (3 indicators each) on the complete simulated survey CFA data (N ~ 600), cfa() with sampling.weights = 'w' only, estimator left at its default (lavaan then uses ML estimates with robust.huber.white SEs and the Yuan-Bentler-Mplus test, as MLR).",
  "cfa", CFA, cfa_dat, "dat", cfa_ref,
  args = list(sampling.weights = "w"))

run_case("weighted_cfa_complete_cluster",
  "Same CFA with sampling.weights = 'w' and cluster = 'psu_uid' (estimator default -> robust.cluster SEs, yuan.bentler.mplus test).",
  "cfa", CFA, cfa_dat, "dat", cfa_ref,
  args = list(sampling.weights = "w", cluster = "psu_uid"))

run_case("weighted_regression_cluster_mlr",
  "The svyglm regression y4 ~ x3 + y3 written as an SEM: sem() on the complete cases of y4, x3, y3 (rows dropped before fitting; fixed.x = TRUE default), sampling.weights = 'w', cluster = 'psu_uid', estimator MLR. Compare with svyglm_nostrata (same point estimates; SEs differ by lavaan's/survey's small-sample factors, see SURVEY_NOTES.md).",
  "sem", REG, panel[complete.cases(panel[, c("y4", "x3", "y3")]), ], "dat_cc", panel_ref,
  args = list(sampling.weights = "w", cluster = "psu_uid", estimator = "MLR"))

run_svyglm("svyglm_strata",
  "Weighted linear regression y4 ~ x3 + y3 with the stratified cluster design: svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE) on the full panel (psu numbered within strata, hence nest = TRUE), svyglm drops the incomplete rows (na.omit); linearisation (Taylor) variance.",
  quote(svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = dat)),
  y4 ~ x3 + y3, panel, "dat", panel_ref)

run_svyglm("svyglm_nostrata",
  "Same regression, PSUs only: svydesign(ids = ~psu_uid, weights = ~w) (the globally unique PSU id, since without strata psu alone would merge PSUs of different strata).",
  quote(svydesign(ids = ~psu_uid, weights = ~w, data = dat)),
  y4 ~ x3 + y3, panel, "dat", panel_ref)

## ---------------------------------------------------------------------------------------------
## summary
## ---------------------------------------------------------------------------------------------
cat("lavaan", LAVAAN_VERSION, "| survey", SURVEY_VERSION, "|", R_VERSION, "\n")
print_summary()
pick <- function(case, lhs, op, rhs) {
  pe <- parameterEstimates(FITS[[case]])
  r <- pe[pe$lhs == lhs & pe$op == op & pe$rhs == rhs, ][1, ]
  sprintf("%.4f (%.4f)", r$est, r$se)
}
cat("cross-lag wy2 ~ wx1 (cl_xy), est (se):",
    "weighted+cluster", pick("weighted_riclpm_cluster_mlr", "wy2", "~", "wx1"),
    "| weighted", pick("weighted_riclpm_mlr_nocluster", "wy2", "~", "wx1"),
    "| unweighted", pick("unweighted_riclpm_mlr", "wy2", "~", "wx1"), "\n")
cat("mean of y1 (intercept), est (se):",
    "weighted", pick("weighted_riclpm_mlr_nocluster", "y1", "~1", ""),
    "| unweighted", pick("unweighted_riclpm_mlr", "y1", "~1", ""), "\n")
print_warnings()
