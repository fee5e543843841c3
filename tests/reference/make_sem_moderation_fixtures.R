#!/usr/bin/env Rscript
# make_sem_moderation_fixtures.R -- lavaan reference for stigma moderating the within-person
# cross-lags of the RI-CLPM (issue 20; analysis/models/sem_moderation.py).
#
# How to run (from the repository root, /work/main):
#
#     .venv/bin/python tests/reference/make_sem_moderation_data.py   # only if the generator changed
#     Rscript tests/reference/make_sem_moderation_fixtures.R
#
# Inputs
#   * tests/reference/data/sem_moderation.csv -- 400 persons, lonely_1..4, mh_1..4 (10% missing per
#     wave after the first), stigma (time-invariant), life_stage (two levels).
#   * tests/reference/sem_moderation/riclpm_moderated.lav, riclpm_moderated_2groups.lav -- the
#     workbench's syntax (moderated_riclpm_syntax), the test checks the files are what it writes.
#
# The product terms are computed HERE, independently of the workbench: each person's mean of x over
# the waves they answered, the deviation at waves 1..3 minus that wave's average deviation, times
# stigma minus its mean. Then lavaan(model, missing = "ML", meanstructure = TRUE, int.ov.free = TRUE,
# fixed.x = FALSE), estimator ML, single group and by life_stage (group.label sorted), and the single
# group under MLR (robust SEs, for the products' non-normality).
#
# Survey design (weighted and clustered cases): the script first writes
# tests/reference/sem_moderation/design.csv (id, stratum, psu, psu_uid, w) for the same 400 persons:
# 50 strata of two PSUs (100 PSUs of about 4 persons: more PSUs than the 90 parameters, so the
# clustered covariance has full rank; psu numbered within stratum, psu_uid = 10 * stratum + psu), informative
# weights (higher for higher wave-1 mh and lower stigma, mean 1, one zero weight), set.seed(2020).
# With weights the centring is weighted (persons with a positive weight): stigma minus its weighted
# mean, and each wave's average deviation a weighted mean. Then lavaan with sampling.weights = "w",
# cluster = "psu_uid", estimator MLR, single group and by life_stage. lavaan has no strata.
#
# Outputs: tests/reference/sem_moderation/{single,by_life_stage,single_mlr,
# single_weighted_cluster,by_life_stage_weighted_cluster}.json -- the interaction (g_xy, g_yx;
# per group), the time-invariant cross-lags (cl_xy, cl_yx), their est/se and the vcov entries the
# simple slopes need, and fit (chisq, df, logl, npar).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/reference"
})
out_dir <- file.path(script_dir, "sem_moderation")
dat <- read.csv(file.path(script_dir, "data", "sem_moderation.csv"), stringsAsFactors = FALSE)
T <- 4

# The survey design (written once, deterministic): strata, PSUs and informative weights.
design_file <- file.path(out_dir, "design.csv")
set.seed(2020)
n <- nrow(dat)
stratum <- sample(rep(1:50, length.out = n))
psu <- integer(n)
for (h in 1:50) {
  idx <- which(stratum == h)
  psu[idx] <- rep(1:2, length.out = length(idx))[sample.int(length(idx))]
}
z <- function(v) (v - mean(v)) / sd(v)
w <- exp(0.4 * z(dat$mh_1) - 0.3 * z(dat$stigma) + rnorm(n, sd = 0.2))
w <- round(w / mean(w), 6)
w[which.max(dat$id == 7)] <- 0  # a zero weight: the person is not used (workbench counts it)
design <- data.frame(id = dat$id, stratum = stratum, psu = psu, psu_uid = 10 * stratum + psu, w = w)
write.csv(design, design_file, row.names = FALSE, quote = FALSE)
design <- read.csv(design_file)
stopifnot(identical(design$id, dat$id))

add_products <- function(d, weights = NULL) {
  wmean <- function(v, wt) if (is.null(wt)) mean(v, na.rm = TRUE) else {
    ok <- !is.na(v) & wt > 0
    sum(v[ok] * wt[ok]) / sum(wt[ok])
  }
  sc <- d$stigma - wmean(d$stigma, weights)
  d$stigma_c <- sc
  for (v in c("x", "y")) {
    cols <- paste0(if (v == "x") "lonely_" else "mh_", 1:T)
    M <- as.matrix(d[, cols])
    dev <- M - rowMeans(M, na.rm = TRUE)
    avg <- apply(dev, 2, wmean, wt = weights)
    dev <- sweep(dev, 2, avg)
    for (t in 1:(T - 1)) d[[paste0("p", v, t)]] <- dev[, t] * sc
  }
  d
}
dat_w <- add_products(cbind(dat, design[, c("stratum", "psu", "psu_uid", "w")]), design$w)
# The workbench leaves a person with a zero weight out (and counts them); lavaan would keep the row in
# its N when rescaling the weights, so the reference leaves them out explicitly.
dat_w <- dat_w[dat_w$w > 0, ]
dat <- add_products(dat)

read_lav <- function(name) paste(readLines(file.path(out_dir, paste0(name, ".lav"))), collapse = "\n")

pick <- function(pe, lhs, op, rhs, group = 1L) {
  grp <- if (is.null(pe$group)) rep(1L, nrow(pe)) else pe$group
  r <- pe[pe$lhs == lhs & pe$op == op & pe$rhs == rhs & grp == group, ]
  list(est = r$est[1], se = r$se[1], label = r$label[1])
}

run <- function(case, model_name, group = NULL, estimator = "ML", survey = FALSE) {
  model <- read_lav(model_name)
  args <- list(model = model, data = if (survey) dat_w else dat, missing = "ML", meanstructure = TRUE,
               int.ov.free = TRUE, fixed.x = FALSE, estimator = estimator)
  if (survey) {
    args$sampling.weights <- "w"
    args$cluster <- "psu_uid"
  }
  levels <- "all"
  if (!is.null(group)) {
    levels <- sort(unique(dat[[group]]))
    args$group <- group
    args$group.label <- levels
  }
  fit <- do.call(lavaan, args)
  pe <- parameterEstimates(fit)
  V <- vcov(fit)
  if (is.null(rownames(V))) stop("vcov has no names")
  groups <- list()
  for (g in seq_along(levels)) {
    paths <- list()
    for (path in c("x_to_y", "y_to_x")) {
      if (path == "x_to_y") { lhs <- "wy2"; rhs <- "px1"; lag <- "wx1" } else { lhs <- "wx2"; rhs <- "py1"; lag <- "wy1" }
      inter <- pick(pe, lhs, "~", rhs, g)
      cl <- pick(pe, lhs, "~", lag, g)
      paths[[path]] <- list(interaction = list(est = inter$est, se = inter$se),
                            cross_lag = list(est = cl$est, se = cl$se),
                            cov_lag_interaction = V[which(rownames(V) == cl$label)[1], which(colnames(V) == inter$label)[1]])
    }
    groups[[as.character(levels[g])]] <- paths
  }
  fm <- fitMeasures(fit, c("chisq", "df", "logl", "npar", if (estimator == "MLR") c("chisq.scaled", "chisq.scaling.factor")))
  res <- list(case = case, lavaan_version = as.character(packageVersion("lavaan")),
              converged = lavInspect(fit, "converged"), groups = groups,
              fit = as.list(setNames(as.numeric(fm), names(fm))))
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out_dir, paste0(case, ".json")))
  cat(case, "written\n")
}

run("single", "riclpm_moderated")
run("by_life_stage", "riclpm_moderated_2groups", group = "life_stage")
run("single_mlr", "riclpm_moderated", estimator = "MLR")
run("single_weighted_cluster", "riclpm_moderated", estimator = "MLR", survey = TRUE)
run("by_life_stage_weighted_cluster", "riclpm_moderated_2groups", group = "life_stage", estimator = "MLR",
    survey = TRUE)
