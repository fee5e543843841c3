#!/usr/bin/env Rscript
# make_lavaan_fixtures.R -- regenerate the lavaan reference fixtures.
#
# How to run (from the repository root, /work/main):
#
#     Rscript tests/reference/make_lavaan_fixtures.R [RICLPM_DATA_DIR]
#
# Requirements (Debian): apt-get install -y r-base-core r-cran-lavaan r-cran-jsonlite
#
# The committed JSON in tests/reference/lavaan/ was produced with
#     lavaan 0.6-14, R 4.2.2 Patched (2022-11-10 r83330), jsonlite 1.8.4 (Debian bookworm packages).
# Other lavaan versions can differ in the last digits (or in defaults); re-run and diff if you upgrade.
#
# Inputs
#   * RI-CLPM tutorial data (Mulder & Hamaker) is NOT copied into the project. It is read from, in order:
#       1. the first command-line argument, if given;
#       2. the environment variable RICLPM_DATA_DIR, if set;
#       3. <dir of this script>/../../../shared/data/riclpm   (i.e. /work/shared/data/riclpm).
#     When 3. does not exist (a clone without ../shared), the tutorial cases are left out (their committed
#     fixtures stay as they are) and everything else is written; a folder named by 1. or 2. must exist.
#   * The project's own stand-in for the tutorial data, tests/reference/data/riclpm_standin.csv and
#     riclpm_standin_items.csv (written by make_riclpm_standin.py, committed), is only read. Every tutorial case is
#     also fitted to it, as <case>_standin, so that a fresh clone checks every RI-CLPM agreement claim.
#   * HolzingerSwineford1939 and PoliticalDemocracy (shipped with lavaan) and all simulated data sets
#     are written to tests/reference/data/*.csv (header row, empty cell = NA) and then READ BACK from
#     those CSV files before fitting, so the fixtures correspond exactly to the numbers in the CSVs.
#     Simulated data are rounded to 5 decimals before writing.
#
# Outputs
#   tests/reference/data/*.csv           data sets (see README.md)
#   tests/reference/lavaan/<case>.json   one fixture per case (see README.md for the layout)
#
# JSON numbers: jsonlite 1.8.4 prints at most 15 significant digits even with digits = NA, which
# does not round-trip doubles. This script therefore uses its own small JSON writer (in fixture_helpers.R,
# shared with make_survey_fixtures.R) that prints
# every non-integral double with %.17g (exact round trip; e.g. 0.9 appears as 0.90000000000000002),
# integral values as integers. NA / NaN / Inf are written as null. Layout otherwise follows
# jsonlite::toJSON(..., auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE).
# Everything is deterministic (set.seed before every simulation).

suppressPackageStartupMessages({
  library(lavaan)
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
trailing <- commandArgs(trailingOnly = TRUE)
riclpm_dir <- if (length(trailing) >= 1) {
  normalizePath(trailing[1], mustWork = TRUE)
} else if (nzchar(Sys.getenv("RICLPM_DATA_DIR"))) {
  normalizePath(Sys.getenv("RICLPM_DATA_DIR"), mustWork = TRUE)
} else {
  file.path(script_dir, "..", "..", "..", "shared", "data", "riclpm")
}
have_tutorial <- dir.exists(riclpm_dir)
if (have_tutorial) {
  riclpm_dir <- normalizePath(riclpm_dir)
} else {
  message("RI-CLPM tutorial data not found at ", riclpm_dir, ": the tutorial cases are left out (their fixtures ",
          "are not rewritten); the stand-in cases and all others are written.")
}
data_dir <- file.path(script_dir, "data")
out_dir <- file.path(script_dir, "lavaan")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

source(file.path(script_dir, "fixture_helpers.R"))  # JSON writer, lavaan-output helpers, case-runner pieces

## ---------------------------------------------------------------------------------------------
## case runner (the pieces are in fixture_helpers.R)
## ---------------------------------------------------------------------------------------------
run_case <- function(case, description, fun, model, data, data_name, data_ref, args = list(),
                     extra = NULL, polish = FALSE) {
  cc <- case_call(fun, model, data, data_name, args)
  env <- cc$env
  cl <- cc$call
  warns <- collect_warnings({
    fit <- eval(cl, envir = env)
    if (polish) {
      for (k in 1:2) {
        assign("previous.fit", fit, envir = env)
        fit <- eval(as.call(c(as.list(cl), list(start = as.name("previous.fit")))), envir = env)
      }
    }
    parts <- inspect_fit(fit)
    extra_vals <- if (!is.null(extra)) extra(fit) else NULL
  })

  options <- lavaan_options(fun, args, parts$opt)
  res <- lavaan_result(case, description, cc$call_str, options, model, data_ref, fit, parts, warns,
                       after_call = list(polished = polish))
  fm <- parts$fm
  finish_case(case, res, extra_vals, fit, warns,
              data.frame(case = case, npar = fm[["npar"]], chisq = fm[["chisq"]],
                         df = fm[["df"]], logl = fm[["logl"]],
                         converged = res$converged, iterations = res$iterations,
                         nwarn = length(warns)))
  invisible(fit)
}

lrt_obj <- function(fit_a, fit_b, name_a, name_b) {
  a <- lavTestLRT(fit_a, fit_b, model.names = c(name_a, name_b))
  tab <- as.data.frame(a)
  tab <- cbind(model = rownames(tab), tab)
  rownames(tab) <- NULL
  # lavaan's column names "Chisq diff", "Df diff", "Pr(>Chisq)" -> Chisq_diff, Df_diff, Pr_gt_Chisq
  names(tab) <- sub("^Pr\\(>Chisq\\)$", "Pr_gt_Chisq", gsub(" ", "_", names(tab)))
  stopifnot(all(c("Chisq_diff", "Df_diff", "Pr_gt_Chisq") %in% names(tab)))
  list(
    call = sprintf("lavTestLRT(%s, %s)", name_a, name_b),
    heading = I(attr(a, "heading")),
    table = plain_df(tab),
    chisq_diff = tab$Chisq_diff[2],
    df_diff = tab$Df_diff[2],
    pvalue = tab$Pr_gt_Chisq[2]
  )
}

ref_data <- function(file, df) list(source = "reference", file = paste0("data/", file), columns = I(names(df)))

## ---------------------------------------------------------------------------------------------
## data
## ---------------------------------------------------------------------------------------------
hs <- write_csv(lavaan::HolzingerSwineford1939, "hs1939.csv")
pd <- write_csv(lavaan::PoliticalDemocracy, "poldem.csv")

ric_cols <- c("x1", "x2", "x3", "x4", "x5", "y1", "y2", "y3", "y4", "y5")
mi_cols <- c(as.vector(t(outer(paste0("x", 1:5), 1:3, paste0))), as.vector(t(outer(paste0("y", 1:5), 1:3, paste0))))
shared_data <- function(file, cols) list(source = "shared", file = file,
                                         format = "whitespace-separated, no header",
                                         columns = I(cols))

# The RI-CLPM data sets of one source, each with its fixture `data` entry and its name in the descriptions:
# ric (x1..x5, y1..y5), ric_z (+ z1, z2), ric_mg (+ G), ric_mi (3 items per construct and wave).
# sfx is appended to every case name of that source.
tutorial_sets <- function(dir) {
  tab <- function(file, cols) list(df = read.table(file.path(dir, file), col.names = cols), name = file,
                                   ref = shared_data(paste0("riclpm/", file), cols))
  list(sfx = "",
       ric = tab("RICLPM.dat", ric_cols),
       ric_z = tab("RICLPM-Z.dat", c(ric_cols, "z2", "z1")),
       ric_mg = tab("RICLPM-MG.dat", c(ric_cols, "G")),
       ric_mi = tab("RICLPM-MI.dat", mi_cols))
}
standin_sets <- function() {
  # read only: the files are written (and committed) by make_riclpm_standin.py
  csv <- function(file) {
    df <- read.csv(file.path(data_dir, file), stringsAsFactors = FALSE)
    list(df = df, name = file, ref = ref_data(file, df))
  }
  panel <- csv("riclpm_standin.csv")
  list(sfx = "_standin", ric = panel, ric_z = panel, ric_mg = panel, ric_mi = csv("riclpm_standin_items.csv"))
}

## --- simulated: 4-wave CLPM with monotone MAR attrition (N = 800) ----------------------------
set.seed(20240601)
sim_clpm_attrition <- function(N = 800, waves = 4) {
  B <- matrix(c(0.50, 0.20,    # x_t = .50 x_{t-1} + .20 y_{t-1}
                0.15, 0.45),   # y_t = .15 x_{t-1} + .45 y_{t-1}
              2, 2, byrow = TRUE)
  Psi <- matrix(c(0.60, 0.15, 0.15, 0.55), 2, 2)    # innovation covariance
  S1 <- matrix(c(1.00, 0.30, 0.30, 1.00), 2, 2)     # wave-1 covariance
  mu <- cbind(x = c(3.0, 3.1, 3.2, 3.3), y = c(2.0, 2.1, 2.15, 2.2))
  dev <- array(NA_real_, c(N, 2, waves))
  dev[, , 1] <- matrix(rnorm(N * 2), N) %*% chol(S1)
  for (t in 2:waves) {
    dev[, , t] <- dev[, , t - 1] %*% t(B) + matrix(rnorm(N * 2), N) %*% chol(Psi)
  }
  X <- sapply(1:waves, function(t) mu[t, "x"] + dev[, 1, t])
  Y <- sapply(1:waves, function(t) mu[t, "y"] + dev[, 2, t])
  # monotone MAR dropout: P(drop before wave t | present at t-1) = plogis(a + 1.0 * (y_{t-1} - mean))
  round(monotone_attrition(X, Y, mu, p0 = 0.11, slope = 1.0), 5)
}
clpm_att <- write_csv(sim_clpm_attrition(), "clpm_attrition.csv")

## --- simulated: 5-wave RI-CLPM with monotone MAR attrition (N = 1000) ------------------------
set.seed(20240602)
sim_riclpm_attrition <- function(N = 1000, waves = 5) {
  B <- matrix(c(0.40, 0.15,
                0.10, 0.35), 2, 2, byrow = TRUE)
  Psi <- matrix(c(0.80, 0.20, 0.20, 0.75), 2, 2)
  S1 <- matrix(c(1.00, 0.30, 0.30, 1.00), 2, 2)
  SRI <- matrix(c(0.80, 0.35, 0.35, 0.60), 2, 2)    # random-intercept covariance
  mu <- cbind(x = c(3.0, 3.1, 3.2, 3.3, 3.4), y = c(2.0, 2.05, 2.1, 2.15, 2.2))
  RI <- matrix(rnorm(N * 2), N) %*% chol(SRI)
  w <- array(NA_real_, c(N, 2, waves))
  w[, , 1] <- matrix(rnorm(N * 2), N) %*% chol(S1)
  for (t in 2:waves) w[, , t] <- w[, , t - 1] %*% t(B) + matrix(rnorm(N * 2), N) %*% chol(Psi)
  X <- sapply(1:waves, function(t) mu[t, "x"] + RI[, 1] + w[, 1, t])
  Y <- sapply(1:waves, function(t) mu[t, "y"] + RI[, 2] + w[, 2, t])
  round(monotone_attrition(X, Y, mu, p0 = 0.11, slope = 0.8), 5)
}
riclpm_att <- write_csv(sim_riclpm_attrition(), "riclpm_attrition.csv")

## --- simulated: skewed two-factor data (N = 500) + MCAR version --------------------------------
set.seed(20240603)
sim_nonnormal <- function(N = 500) {
  f1 <- rnorm(N)
  f2 <- 0.5 * f1 + rnorm(N, sd = sqrt(0.75))
  skew_err <- function(n, theta) sqrt(theta) * (rchisq(n, df = 2) - 2) / 2   # mean 0, var theta, skew 2
  lam <- c(1.0, 0.8, 0.7)
  nu <- c(2.0, 1.5, 1.0)
  th <- c(0.5, 0.6, 0.7)
  d <- data.frame(
    i1 = nu[1] + lam[1] * f1 + skew_err(N, th[1]),
    i2 = nu[2] + lam[2] * f1 + skew_err(N, th[2]),
    i3 = nu[3] + lam[3] * f1 + skew_err(N, th[3]),
    i4 = nu[1] + lam[1] * f2 + skew_err(N, th[1]),
    i5 = nu[2] + lam[2] * f2 + skew_err(N, th[2]),
    i6 = nu[3] + lam[3] * f2 + skew_err(N, th[3])
  )
  round(d, 5)
}
nonnormal_raw <- sim_nonnormal()
nonnormal <- write_csv(nonnormal_raw, "mlr_nonnormal.csv")
set.seed(20240604)
make_mcar <- function(d, prop = 0.10) {
  m <- matrix(runif(nrow(d) * ncol(d)) < prop, nrow(d))
  # never blank a whole row (lavaan would drop it with a warning)
  allmiss <- which(rowSums(m) == ncol(d))
  for (i in allmiss) m[i, sample.int(ncol(d), 1)] <- FALSE
  d[m] <- NA
  d
}
nonnormal_mis <- write_csv(make_mcar(nonnormal_raw), "mlr_nonnormal_missing.csv")

## ---------------------------------------------------------------------------------------------
## models
## ---------------------------------------------------------------------------------------------
HS.model <- ' visual  =~ x1 + x2 + x3
              textual =~ x4 + x5 + x6
              speed   =~ x7 + x8 + x9 '

poldem.model <- '
  # measurement model
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + a*y2 + b*y3 + c*y4
    dem65 =~ y5 + a*y6 + b*y7 + c*y8

  # regressions
    dem60 ~ ind60
    dem65 ~ ind60 + dem60

  # residual correlations
    y1 ~~ y5
    y2 ~~ y4 + y6
    y3 ~~ y7
    y4 ~~ y8
    y6 ~~ y8
'

poldem.defined.model <- '
  # measurement model
    ind60 =~ x1 + x2 + x3
    dem60 =~ y1 + a*y2 + b*y3 + c*y4
    dem65 =~ y5 + a*y6 + b*y7 + c*y8

  # regressions (labelled)
    dem60 ~ a1*ind60
    dem65 ~ c1*ind60 + b1*dem60

  # residual correlations
    y1 ~~ y5
    y2 ~~ y4 + y6
    y3 ~~ y7
    y4 ~~ y8
    y6 ~~ y8

  # defined parameters
    ind := a1*b1
    total := c1 + a1*b1
'

# Mulder & Hamaker RI-CLPM tutorial (JeroenDMulder/RI-CLPM, lavaan.qmd), basic model, verbatim.
RICLPM <- '
  # Create between components (random intercepts)
  RIx =~ 1*x1 + 1*x2 + 1*x3 + 1*x4 + 1*x5
  RIy =~ 1*y1 + 1*y2 + 1*y3 + 1*y4 + 1*y5
  
  # Create within-person centered variables
  wx1 =~ 1*x1
  wx2 =~ 1*x2
  wx3 =~ 1*x3 
  wx4 =~ 1*x4
  wx5 =~ 1*x5
  wy1 =~ 1*y1
  wy2 =~ 1*y2
  wy3 =~ 1*y3
  wy4 =~ 1*y4
  wy5 =~ 1*y5

  # Estimate lagged effects between within-person centered variables
  wx2 + wy2 ~ wx1 + wy1
  wx3 + wy3 ~ wx2 + wy2
  wx4 + wy4 ~ wx3 + wy3
  wx5 + wy5 ~ wx4 + wy4

  # Estimate covariance between within-person centered variables at first wave
  wx1 ~~ wy1 # Covariance
  
  # Estimate covariances between residuals of within-person centered variables 
  # (i.e., innovations)
  wx2 ~~ wy2
  wx3 ~~ wy3
  wx4 ~~ wy4
  wx5 ~~ wy5
  
  # Estimate variance and covariance of random intercepts
  RIx ~~ RIx
  RIy ~~ RIy
  RIx ~~ RIy

  # Estimate (residual) variance of within-person centered variables
  wx1 ~~ wx1 # Variances
  wy1 ~~ wy1 
  wx2 ~~ wx2 # Residual variances
  wy2 ~~ wy2 
  wx3 ~~ wx3 
  wy3 ~~ wy3 
  wx4 ~~ wx4 
  wy4 ~~ wy4 
  wx5 ~~ wx5
  wy5 ~~ wy5
'

# Tutorial "Constraints over time", model RICLPM2 (lagged effects fixed over time), verbatim.
RICLPM2 <- '
  # Create between components (random intercepts)
  RIx =~ 1*x1 + 1*x2 + 1*x3 + 1*x4 + 1*x5
  RIy =~ 1*y1 + 1*y2 + 1*y3 + 1*y4 + 1*y5
  
  # Create within-person centered variables
  wx1 =~ 1*x1
  wx2 =~ 1*x2
  wx3 =~ 1*x3 
  wx4 =~ 1*x4
  wx5 =~ 1*x5
  wy1 =~ 1*y1
  wy2 =~ 1*y2
  wy3 =~ 1*y3
  wy4 =~ 1*y4
  wy5 =~ 1*y5
  
  # Estimate lagged effects between within-person centered variables
  wx2 ~ a*wx1 + b*wy1 
  wy2 ~ c*wx1 + d*wy1
  wx3 ~ a*wx2 + b*wy2
  wy3 ~ c*wx2 + d*wy2
  wx4 ~ a*wx3 + b*wy3
  wy4 ~ c*wx3 + d*wy3
  wx5 ~ a*wx4 + b*wy4
  wy5 ~ c*wx4 + d*wy4
  
  # Estimate covariances between residuals of within-person centered variables 
  # (i.e., innovations)
  wx2 ~~ wy2
  wx3 ~~ wy3
  wx4 ~~ wy4 
  wx5 ~~ wy5
  
  # Estimate covariance between within-person centered variables at first wave
  wx1 ~~ wy1 # Covariance
  
  # Estimate variance and covariance of random intercepts
  RIx ~~ RIx
  RIy ~~ RIy
  RIx ~~ RIy
  
  # Estimate (residual) variance of within-person centered variables
  wx1 ~~ wx1 # Variance
  wy1 ~~ wy1 
  wx2 ~~ wx2 # Residual variance
  wy2 ~~ wy2 
  wx3 ~~ wx3 
  wy3 ~~ wy3 
  wx4 ~~ wx4 
  wy4 ~~ wy4 
  wx5 ~~ wx5
  wy5 ~~ wy5
'

# Tutorial "Extension 2: Multiple group", basic model RICLPM.ext2 (no cross-group constraints), verbatim.
RICLPM.ext2 <- '
  # Create between components (random intercepts)
  RIx =~ 1*x1 + 1*x2 + 1*x3 + 1*x4 + 1*x5
  RIy =~ 1*y1 + 1*y2 + 1*y3 + 1*y4 + 1*y5
  
  # Create within-person centered variables
  wx1 =~ 1*x1
  wx2 =~ 1*x2
  wx3 =~ 1*x3 
  wx4 =~ 1*x4
  wx5 =~ 1*x5
  wy1 =~ 1*y1
  wy2 =~ 1*y2
  wy3 =~ 1*y3
  wy4 =~ 1*y4
  wy5 =~ 1*y5
  
  # Estimate lagged effects between within-person centered variables
  wx2 + wy2 ~ wx1 + wy1
  wx3 + wy3 ~ wx2 + wy2
  wx4 + wy4 ~ wx3 + wy3
  wx5 + wy5 ~ wx4 + wy4
  
  # Estimate covariance between within-person centered variables at first wave
  wx1 ~~ wy1 
  
  # Estimate covariances between residuals of within-person centered variables 
  # (i.e., innovations)
  wx2 ~~ wy2
  wx3 ~~ wy3
  wx4 ~~ wy4
  wx5 ~~ wy5
  
  # Estimate variance and covariance of random intercepts 
  RIx ~~ RIx
  RIy ~~ RIy
  RIx ~~ RIy
  
  # Estimate (residual) variance of within-person centered variables
  wx1 ~~ wx1 # Variances
  wy1 ~~ wy1 
  wx2 ~~ wx2 # Residual variances
  wy2 ~~ wy2 
  wx3 ~~ wx3 
  wy3 ~~ wy3 
  wx4 ~~ wx4 
  wy4 ~~ wy4 
  wx5 ~~ wx5
  wy5 ~~ wy5
'

# Tutorial "Extension 2", constrained lagged parameters RICLPM1.ext2 (c(a1, a1)* labels), verbatim.
RICLPM1.ext2 <- '
  # Create between components (random intercepts)
  RIx =~ 1*x1 + 1*x2 + 1*x3 + 1*x4 + 1*x5
  RIy =~ 1*y1 + 1*y2 + 1*y3 + 1*y4 + 1*y5
  
  # Create within-person centered variables
  wx1 =~ 1*x1
  wx2 =~ 1*x2
  wx3 =~ 1*x3 
  wx4 =~ 1*x4
  wx5 =~ 1*x5
  wy1 =~ 1*y1
  wy2 =~ 1*y2
  wy3 =~ 1*y3
  wy4 =~ 1*y4
  wy5 =~ 1*y5
  
  # Estimate lagged effects between within-person centered variables (constrain   
  # autoregressive effects across groups) 
  wx2 ~ c(a1, a1)*wx1 + c(b1, b1)*wy1
  wy2 ~ c(c1, c1)*wx1 + c(d1, d1)*wy1
  wx3 ~ c(a2, a2)*wx2 + c(b2, b2)*wy2
  wy3 ~ c(c2, c2)*wx2 + c(d2, d2)*wy2
  wx4 ~ c(a3, a3)*wx3 + c(b3, b3)*wy3
  wy4 ~ c(c3, c3)*wx3 + c(d3, d3)*wy3 
  wx5 ~ c(a4, a4)*wx4 + c(b4, b4)*wy4
  wy5 ~ c(c4, c4)*wx4 + c(d4, d4)*wy4
  
  # Estimate covariance between within-person centered variables at first wave
  wx1 ~~ wy1
  
  # Estimate covariances between residuals of within-person centered variables 
  # (i.e., innovations)
  wx2 ~~ wy2
  wx3 ~~ wy3
  wx4 ~~ wy4
  wx5 ~~ wy5
  
  # Estimate variance and covariance of random intercepts
  RIx ~~ RIx
  RIy ~~ RIy
  RIx ~~ RIy
  
  # Estimate (residual) variance of the within-person centered variables
  wx1 ~~ wx1 # Variances
  wy1 ~~ wy1 
  wx2 ~~ wx2 # Residual variances
  wy2 ~~ wy2 
  wx3 ~~ wx3 
  wy3 ~~ wy3 
  wx4 ~~ wx4 
  wy4 ~~ wy4 
  wx5 ~~ wx5
  wy5 ~~ wy5
'

CLPM.obs <- '
  # lagged effects between observed variables (wave-1 variables are exogenous)
  x2 + y2 ~ x1 + y1
  x3 + y3 ~ x2 + y2
  x4 + y4 ~ x3 + y3

  # within-wave residual covariances
  x2 ~~ y2
  x3 ~~ y3
  x4 ~~ y4
'

nonnormal.model <- '
  f1 =~ i1 + i2 + i3
  f2 =~ i4 + i5 + i6
  f2 ~ f1
'

regression.model <- '
  y5 ~ x1 + x2 + y1
'

# PoliticalDemocracy's likelihood is flat along y2 ~~ y4: with nlminb's default tolerances lavaan
# stops 1.2e-4 short of the optimum there (a tighter rel.tol makes nlminb report failure). These
# cases are "polished": refitted twice starting from the previous solution (start = fit), which
# moves the estimate to within 3e-5 of the optimum. The model and the other options are unchanged.

ric_args <- list(missing = "ML", meanstructure = TRUE, int.ov.free = TRUE)

## ---------------------------------------------------------------------------------------------
## cases
## ---------------------------------------------------------------------------------------------
run_case("hs_cfa",
  "HolzingerSwineford1939 three-factor CFA (lavaan tutorial), cfa() defaults: ML, listwise, no meanstructure, marker-variable identification.",
  "cfa", HS.model, hs, "HolzingerSwineford1939", ref_data("hs1939.csv", hs))

run_case("hs_cfa_meanstructure",
  "HolzingerSwineford1939 three-factor CFA with meanstructure = TRUE (free observed intercepts, latent means fixed 0).",
  "cfa", HS.model, hs, "HolzingerSwineford1939", ref_data("hs1939.csv", hs),
  args = list(meanstructure = TRUE))

run_case("poldem",
  "PoliticalDemocracy SEM from the lavaan tutorial with equality labels a, b, c on the dem60/dem65 loadings; sem() defaults.",
  "sem", poldem.model, pd, "PoliticalDemocracy", ref_data("poldem.csv", pd),
  polish = TRUE)

run_case("poldem_defined",
  "PoliticalDemocracy SEM (equality labels a, b, c) with labelled structural paths a1, b1, c1 and defined parameters ind := a1*b1, total := c1 + a1*b1; plus lavTestWald(fit, constraints = 'a1 == c1').",
  "sem", poldem.defined.model, pd, "PoliticalDemocracy", ref_data("poldem.csv", pd),
  polish = TRUE,
  extra = function(fit) {
    w <- lavTestWald(fit, constraints = "a1 == c1")
    list(wald = list(call = "lavTestWald(fit, constraints = \"a1 == c1\")",
                     constraints = "a1 == c1",
                     stat = w$stat, df = w$df, p.value = w$p.value, se = w$se))
  })

# The tutorial's own models on one source's data sets (see tutorial_sets / standin_sets).
tutorial_cases <- function(s) {
  n <- function(case) paste0(case, s$sfx)
  run_case(n("riclpm"),
    sprintf("Mulder & Hamaker basic RI-CLPM (tutorial syntax) on %s, lavaan() with missing = 'ML', meanstructure = TRUE, int.ov.free = TRUE (observed residual variances are not added by lavaan(), i.e. fixed at 0).", s$ric$name),
    "lavaan", RICLPM, s$ric$df, "dat", s$ric$ref,
    args = ric_args)

  run_case(n("riclpm_invariant"),
    sprintf("RI-CLPM with auto-regressive and cross-lagged effects constrained over time (tutorial model RICLPM2: labels a, b, c, d at every wave) on %s; lrt = lavTestLRT(%s, %s).", s$ric$name, n("riclpm"), n("riclpm_invariant")),
    "lavaan", RICLPM2, s$ric$df, "dat", s$ric$ref,
    args = ric_args,
    extra = function(fit) list(lrt = lrt_obj(FITS[[n("riclpm")]], fit, n("riclpm"), n("riclpm_invariant"))))

  run_case(n("riclpm_mg_free"),
    sprintf("Multiple-group RI-CLPM (tutorial model RICLPM.ext2) on %s, group = 'G', no cross-group constraints.", s$ric_mg$name),
    "lavaan", RICLPM.ext2, s$ric_mg$df, "datMG", s$ric_mg$ref,
    args = c(list(missing = "ML", group = "G"), list(meanstructure = TRUE, int.ov.free = TRUE)))

  run_case(n("riclpm_mg"),
    sprintf("Multiple-group RI-CLPM (tutorial model RICLPM1.ext2) on %s, group = 'G', lagged effects equal across groups via c(a1, a1)* labels (free over time); lrt = lavTestLRT(%s, %s).", s$ric_mg$name, n("riclpm_mg_free"), n("riclpm_mg")),
    "lavaan", RICLPM1.ext2, s$ric_mg$df, "datMG", s$ric_mg$ref,
    args = c(list(missing = "ML", group = "G"), list(meanstructure = TRUE, int.ov.free = TRUE)),
    extra = function(fit) list(lrt = lrt_obj(FITS[[n("riclpm_mg_free")]], fit, n("riclpm_mg_free"), n("riclpm_mg"))))
}
if (have_tutorial) tutorial_cases(tutorial_sets(riclpm_dir))

run_case("fiml_clpm_attrition",
  "Simulated 4-wave bivariate CLPM (N = 800, set.seed(20240601)) with monotone MAR attrition (dropout before wave t depends on observed y at t-1; wave 1 complete); observed-variable CLPM with sem(missing = 'ml'); x1, y1 exogenous (fixed.x = TRUE).",
  "sem", CLPM.obs, clpm_att, "dat", ref_data("clpm_attrition.csv", clpm_att),
  args = list(missing = "ml"))

run_case("fiml_riclpm_attrition",
  "Simulated 5-wave RI-CLPM (N = 1000, set.seed(20240602)) with monotone MAR attrition (dropout depends on observed y at t-1; wave 1 complete); tutorial RI-CLPM syntax, lavaan() with missing = 'ML', meanstructure = TRUE, int.ov.free = TRUE.",
  "lavaan", RICLPM, riclpm_att, "dat", ref_data("riclpm_attrition.csv", riclpm_att),
  args = ric_args)

run_case("mlr_nonnormal",
  "Simulated skewed two-factor data (N = 500, set.seed(20240603); normal factors, centred chi-square(2) errors), f2 ~ f1; sem(estimator = 'MLR') on complete data.",
  "sem", nonnormal.model, nonnormal, "dat", ref_data("mlr_nonnormal.csv", nonnormal),
  args = list(estimator = "MLR"))

run_case("mlr_fiml",
  "Same skewed two-factor data with about 10% of cells MCAR (set.seed(20240604); no row entirely missing); sem(estimator = 'MLR', missing = 'ml').",
  "sem", nonnormal.model, nonnormal_mis, "dat", ref_data("mlr_nonnormal_missing.csv", nonnormal_mis),
  args = list(estimator = "MLR", missing = "ml"))

run_case("regression_fixedx",
  "Observed-variable regression y5 ~ x1 + x2 + y1 on PoliticalDemocracy, sem() defaults (fixed.x = TRUE: exogenous (co)variances fixed at sample values, exo = 1 rows).",
  "sem", regression.model, pd, "PoliticalDemocracy", ref_data("poldem.csv", pd))

run_case("hs_mg_metric",
  "HolzingerSwineford1939 three-factor CFA, group = 'school', group.equal = 'loadings' (metric invariance).",
  "cfa", HS.model, hs, "HolzingerSwineford1939", ref_data("hs1939.csv", hs),
  args = list(group = "school", group.equal = c("loadings")))

run_case("hs_mg_scalar",
  "HolzingerSwineford1939 three-factor CFA, group = 'school', group.equal = c('loadings', 'intercepts') (scalar invariance; latent means free in group 2).",
  "cfa", HS.model, hs, "HolzingerSwineford1939", ref_data("hs1939.csv", hs),
  args = list(group = "school", group.equal = c("loadings", "intercepts")))

## ---------------------------------------------------------------------------------------------
## Models written by the workbench's syntax builders (analysis/models/builders.py), stored in
## tests/reference/models/*.lav; fitted as the workbench fits them: lavaan() with missing = "ML",
## meanstructure = TRUE, int.ov.free = TRUE and fixed.x = FALSE.
## ---------------------------------------------------------------------------------------------
builder_args <- list(missing = "ML", meanstructure = TRUE, int.ov.free = TRUE, fixed.x = FALSE)
# The builder models on one source's RI-CLPM data sets (see tutorial_sets / standin_sets).
builder_cases <- function(s) {
  n <- function(case) paste0(case, s$sfx)
  for (nm in c("builder_clpm_free", "builder_clpm_invariant", "builder_dpm_invariant")) {
    run_case(n(nm), paste0("Builder model ", nm, " on ", s$ric$name, "."), "lavaan", read_model(nm), s$ric$df, "dat",
             s$ric$ref, args = builder_args)
  }
  for (nm in c("builder_riclpm_covariates", "builder_dpm_covariates")) {
    run_case(n(nm), paste0("Builder model ", nm, " on ", s$ric_z$name, " (time-invariant covariates z1, z2)."), "lavaan",
             read_model(nm), s$ric_z$df, "dat", s$ric_z$ref, args = builder_args)
  }
  for (nm in c("builder_riclpm_items_metric", "builder_riclpm_items_scalar")) {
    run_case(n(nm), paste0("Builder model ", nm, " on ", s$ric_mi$name, " (3 indicators per construct and wave)."), "lavaan",
             read_model(nm), s$ric_mi$df, "dat", s$ric_mi$ref, args = builder_args)
  }
  for (nm in c("builder_riclpm_mg_free", "builder_riclpm_mg_equal", "builder_clpm_mg_free_lags")) {
    run_case(n(nm), paste0("Builder multigroup model ", nm, " on ", s$ric_mg$name, ", group = 'G'."), "lavaan", read_model(nm),
             s$ric_mg$df, "datMG", s$ric_mg$ref,
             args = c(builder_args, list(group = "G")),
             extra = if (nm == "builder_riclpm_mg_equal") function(fit) {
               free <- lavaan(read_model("builder_riclpm_mg_free"), data = s$ric_mg$df, group = "G", missing = "ML",
                              meanstructure = TRUE, int.ov.free = TRUE, fixed.x = FALSE)
               a <- lavTestLRT(fit, free)
               list(lrt = list(call = sprintf("lavTestLRT(%s, %s)", n("builder_riclpm_mg_equal"), n("builder_riclpm_mg_free")),
                               chisq_diff = a[["Chisq diff"]][2], df_diff = a[["Df diff"]][2],
                               pvalue = a[["Pr(>Chisq)"]][2]))
             } else NULL)
  }
}
ric_att <- riclpm_att
run_case("builder_dpm_attrition", "Builder DPM (time-invariant lags) with FIML on the simulated RI-CLPM panel with attrition.",
         "lavaan", read_model("builder_dpm_invariant"), ric_att, "dat", ref_data("riclpm_attrition.csv", ric_att),
         args = builder_args)

if (have_tutorial) builder_cases(tutorial_sets(riclpm_dir))

## ---------------------------------------------------------------------------------------------
## The same RI-CLPM cases on the project's own stand-in data (committed), as <case>_standin.
## ---------------------------------------------------------------------------------------------
standin <- standin_sets()
tutorial_cases(standin)
builder_cases(standin)

## ---------------------------------------------------------------------------------------------
## summary
## ---------------------------------------------------------------------------------------------
cat("lavaan", LAVAAN_VERSION, "|", R_VERSION, "\n")
print_summary()
print_warnings()
