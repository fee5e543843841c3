#!/usr/bin/env Rscript
# make_crossed_fixtures.R -- lavaan reference for crossed groupings (issue 20).
#
# How to run (from the repository root, /work/main):
#
#     .venv/bin/python tests/reference/make_crossed_data.py   # only if the data or the builders changed
#     Rscript tests/reference/make_crossed_fixtures.R
#
# Requirements (Debian): apt-get install -y r-base-core r-cran-lavaan r-cran-jsonlite
#
# Inputs
#   * tests/reference/data/crossed_cells.csv -- 2,000 persons, L_1..L_4, M_1..M_4 (NA after dropout),
#     life_stage x stigma_group (9 cells), written by make_crossed_data.py.
#   * tests/reference/models/crossed_riclpm_free.lav, crossed_riclpm_free_lags.lav -- the builders'
#     9-group RI-CLPM (every cell its own lags: cl_xy_g1..g9, or cl_xy_<wave>_g1..g9 with free lags).
#
# What it fits: the multigroup model over the 9 cells (group.label in the workbench's cell order, the last
# grouping varying fastest), then the same model with lavaan's own `==` linear constraints on the cell
# effects, written here from the cell grid (independently of the workbench's reparameterisation):
#   omnibus      all 9 cells equal (8 constraints)
#   main_<g>     the means over the other grouping's 3 cells equal across g's 3 levels (2 constraints)
#   interaction  b[i,j] - b[i,j+1] - b[i+1,j] + b[i+1,j+1] == 0, i, j = 1, 2 (4 constraints)
# With free lags b is each cell's mean over the 3 intervals. lavTestLRT(constrained, free) gives the
# test (its default method: the Satorra-Bentler 2001 scaled difference under MLR).
#
# Outputs: tests/reference/crossed/crossed_riclpm_{ml,mlr,free_lags_ml}.json
#   cells: cell label -> x_to_y / y_to_x {est, se} (free lags: the mean over intervals, a := parameter)
#   fit: chisq, df, logl (and chisq.scaling.factor under MLR); lrt: test -> {path -> {chisq_diff, df_diff,
#   pvalue, constraints}}. Deterministic; doubles written with %.17g by fixture_helpers.R's writer.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/reference"
})
source(file.path(script_dir, "fixture_helpers.R"))
out_dir <- file.path(script_dir, "crossed")

dat <- read.csv(file.path(script_dir, "data", "crossed_cells.csv"), stringsAsFactors = FALSE, check.names = FALSE)
stages <- c("16-29", "30-64", "65+")
stigma <- c("low", "medium", "high")
cells <- as.vector(t(outer(stages, stigma, paste, sep = " \u00d7 ")))  # last grouping fastest
dat$cell <- paste(dat$life_stage, dat$stigma_group, sep = " \u00d7 ")
stopifnot(all(dat$cell %in% cells))
base_args <- list(data = dat, group = "cell", group.label = cells, missing = "ML", meanstructure = TRUE,
                  int.ov.free = TRUE, fixed.x = FALSE)

k_of <- function(i, j) (i - 1) * 3 + j
# The cell effect of path `lab` ("cl_xy"/"cl_yx") in cell (i, j), as lavaan expression text.
effect <- function(lab, i, j, free_lags) {
  k <- k_of(i, j)
  if (!free_lags) return(sprintf("%s_g%d", lab, k))
  sprintf("(%s_2_g%d + %s_3_g%d + %s_4_g%d)/3", lab, k, lab, k, lab, k)
}
constraints <- function(test, lab, free_lags) {
  b <- function(i, j) effect(lab, i, j, free_lags)
  switch(test,
    omnibus = vapply(2:9, function(k) {
      i <- (k - 1) %/% 3 + 1; j <- (k - 1) %% 3 + 1
      sprintf("%s == %s", b(1, 1), b(i, j))
    }, ""),
    main_life_stage = vapply(1:2, function(i) sprintf("%s + %s + %s == %s + %s + %s",
      b(i, 1), b(i, 2), b(i, 3), b(i + 1, 1), b(i + 1, 2), b(i + 1, 3)), ""),
    main_stigma_group = vapply(1:2, function(j) sprintf("%s + %s + %s == %s + %s + %s",
      b(1, j), b(2, j), b(3, j), b(1, j + 1), b(2, j + 1), b(3, j + 1)), ""),
    interaction = as.vector(outer(1:2, 1:2, Vectorize(function(i, j)
      sprintf("%s - %s - %s + %s == 0", b(i, j), b(i, j + 1), b(i + 1, j), b(i + 1, j + 1))))))
}

fit_with <- function(model, estimator) {
  warns <- character(0)
  fit <- withCallingHandlers(do.call(lavaan, c(list(model = model, estimator = estimator), base_args)),
                             warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  if (!lavInspect(fit, "converged")) stop("not converged")
  attr(fit, "warns") <- warns
  fit
}

run <- function(case, model_name, estimator, free_lags, tests) {
  model <- read_model(model_name)
  means <- ""
  if (free_lags) {  # the cell means over intervals, for their estimates and delta-method SEs
    means <- paste(unlist(lapply(c("cl_xy", "cl_yx"), function(lab) vapply(1:9, function(k)
      sprintf("m_%s_g%d := (%s_2_g%d + %s_3_g%d + %s_4_g%d)/3", lab, k, lab, k, lab, k, lab, k), ""))),
      collapse = "\n")
  }
  free <- fit_with(paste(model, means, sep = "\n"), estimator)
  pe <- parameterEstimates(free)
  cell_out <- list()
  for (k in 1:9) {
    one <- function(lab, lhs, rhs) {
      r <- if (free_lags) pe[pe$op == ":=" & pe$lhs == sprintf("m_%s_g%d", lab, k), ]
           else pe[pe$op == "~" & pe$lhs == lhs & pe$rhs == rhs & pe$group == k, ]
      list(est = r$est[1], se = r$se[1])
    }
    cell_out[[cells[k]]] <- list(x_to_y = one("cl_xy", "wy2", "wx1"), y_to_x = one("cl_yx", "wx2", "wy1"))
  }
  fm <- fitMeasures(free)
  fit_out <- list(chisq = unname(fm["chisq"]), df = unname(fm["df"]), logl = unname(fm["logl"]), npar = unname(fm["npar"]))
  if (estimator == "MLR") fit_out$chisq_scaling_factor <- unname(fm["chisq.scaling.factor"])
  lrt <- list()
  for (test in names(tests)) {
    lrt[[test]] <- list()
    for (path in tests[[test]]) {
      lab <- if (path == "x_to_y") "cl_xy" else "cl_yx"
      con <- constraints(test, lab, free_lags)
      restricted <- fit_with(paste(model, paste(con, collapse = "\n"), sep = "\n"), estimator)
      a <- lavTestLRT(restricted, free)
      lrt[[test]][[path]] <- list(chisq_diff = a[["Chisq diff"]][2], df_diff = a[["Df diff"]][2],
                                  pvalue = a[["Pr(>Chisq)"]][2], constraints = I(con),
                                  warnings = I(attr(restricted, "warns")))
      cat(case, test, path, a[["Chisq diff"]][2], a[["Df diff"]][2], "\n")
    }
  }
  res <- list(case = case, lavaan_version = LAVAAN_VERSION, r_version = R_VERSION,
              call = sprintf("lavaan(model, data = dat, group = 'cell', group.label = cells, missing = 'ML', meanstructure = TRUE, int.ov.free = TRUE, fixed.x = FALSE, estimator = '%s')", estimator),
              model_file = paste0("models/", model_name, ".lav"),
              data = list(source = "reference", file = "data/crossed_cells.csv", group_levels = I(cells)),
              cells = cell_out, fit = fit_out, lrt = lrt, warnings = I(attr(free, "warns")))
  write_json_file(res, file.path(out_dir, paste0(case, ".json")))
}

both <- c("x_to_y", "y_to_x")
run("crossed_riclpm_ml", "crossed_riclpm_free", "ML", FALSE,
    list(omnibus = "x_to_y", main_life_stage = "x_to_y", main_stigma_group = "x_to_y", interaction = both))
run("crossed_riclpm_mlr", "crossed_riclpm_free", "MLR", FALSE, list(main_stigma_group = "x_to_y", interaction = both))
run("crossed_riclpm_free_lags_ml", "crossed_riclpm_free_lags", "ML", TRUE, list(interaction = "x_to_y"))
cat("lavaan", LAVAAN_VERSION, "|", R_VERSION, "\n")
