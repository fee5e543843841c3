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
# Outputs: tests/reference/sem_moderation/{single,by_life_stage,single_mlr}.json -- the interaction (g_xy, g_yx;
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
sc <- dat$stigma - mean(dat$stigma, na.rm = TRUE)
dat$stigma_c <- sc
for (v in c("x", "y")) {
  cols <- paste0(if (v == "x") "lonely_" else "mh_", 1:T)
  M <- as.matrix(dat[, cols])
  dev <- M - rowMeans(M, na.rm = TRUE)
  dev <- sweep(dev, 2, colMeans(dev, na.rm = TRUE))
  for (t in 1:(T - 1)) dat[[paste0("p", v, t)]] <- dev[, t] * sc
}

read_lav <- function(name) paste(readLines(file.path(out_dir, paste0(name, ".lav"))), collapse = "\n")

pick <- function(pe, lhs, op, rhs, group = 1L) {
  grp <- if (is.null(pe$group)) rep(1L, nrow(pe)) else pe$group
  r <- pe[pe$lhs == lhs & pe$op == op & pe$rhs == rhs & grp == group, ]
  list(est = r$est[1], se = r$se[1], label = r$label[1])
}

run <- function(case, model_name, group = NULL, estimator = "ML") {
  model <- read_lav(model_name)
  args <- list(model = model, data = dat, missing = "ML", meanstructure = TRUE, int.ov.free = TRUE,
               fixed.x = FALSE, estimator = estimator)
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
  fm <- fitMeasures(fit, c("chisq", "df", "logl", "npar"))
  res <- list(case = case, lavaan_version = as.character(packageVersion("lavaan")),
              converged = lavInspect(fit, "converged"), groups = groups,
              fit = as.list(setNames(as.numeric(fm), names(fm))))
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out_dir, paste0(case, ".json")))
  cat(case, "written\n")
}

run("single", "riclpm_moderated")
run("by_life_stage", "riclpm_moderated_2groups", group = "life_stage")
run("single_mlr", "riclpm_moderated", estimator = "MLR")
