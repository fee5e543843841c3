# Reference values for lag matrices on a common time scale (analysis/pooling/timescale.py), computed
# independently in R: the drift by the principal matrix logarithm from the eigen decomposition,
# Phi(target) = Matrix::expm(A * target), and the delta-method covariance with the Jacobian from
# numDeriv::jacobian (Richardson extrapolation), not central differences as in Python.
# Run from the repository root:  Rscript tests/reference/make_timescale_fixtures.R
suppressPackageStartupMessages({library(Matrix); library(numDeriv); library(jsonlite)})
logm_principal <- function(phi) {
  e <- eigen(phi)
  if (any(abs(Im(e$values)) < 1e-12 & Re(e$values) <= 0)) stop("no real logarithm")
  L <- e$vectors %*% diag(log(as.complex(e$values))) %*% solve(e$vectors)
  Re(L)
}
# Row-major vec, as the Python side (rows: later x, y; columns: earlier x, y).
vec <- function(m) as.numeric(t(m))
unvec <- function(v) matrix(v, 2, 2, byrow = TRUE)
lags_at <- function(v, interval, target) vec(as.matrix(Matrix::expm(logm_principal(unvec(v)) / interval * target)))
cases <- list(
  two_to_one = list(phi = c(0.45, 0.06, 0.15, 0.40), interval = 2, target = 1,
                    se = c(0.03, 0.02, 0.025, 0.03), corr = c(0, 0.3, 0, 0, 0, 0)),
  one_to_two = list(phi = c(0.785, 0.023, 0.419, 0.747), interval = 1, target = 2,
                    se = c(0.003, 0.0006, 0.009, 0.003), corr = c(0.1, -0.2, 0.05, 0.3, -0.1, 0.2)),
  oscillating = list(phi = c(0.55, -0.25, 0.30, 0.50), interval = 2, target = 0.5,
                     se = c(0.02, 0.015, 0.02, 0.025), corr = c(0, 0, 0.4, 0, 0, 0))
)
for (name in names(cases)) {
  cs <- cases[[name]]
  R <- diag(4)
  R[upper.tri(R)] <- cs$corr  # column-wise order of the upper triangle: (1,2), (1,3), (2,3), (1,4), (2,4), (3,4)
  R[lower.tri(R)] <- t(R)[lower.tri(R)]
  vcov <- diag(cs$se) %*% R %*% diag(cs$se)
  J <- jacobian(function(v) lags_at(v, cs$interval, cs$target), cs$phi)
  out <- list(
    case = name, r_version = R.version.string, numDeriv_version = as.character(packageVersion("numDeriv")),
    phi = unvec(cs$phi), vcov = vcov, interval = cs$interval, target = cs$target,
    drift = logm_principal(unvec(cs$phi)) / cs$interval,
    converted = unvec(lags_at(cs$phi, cs$interval, cs$target)), converted_vcov = J %*% vcov %*% t(J)
  )
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, matrix = "rowmajor"),
             file.path("tests", "reference", "timescale", paste0(name, ".json")))
}
