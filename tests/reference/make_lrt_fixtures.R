# Reference values for the scaled chi-square difference tests (analysis/models/sem/difference.py and
# analysis/models/sem/compare.py lrt): lavaan's lavTestLRT() with method = "satorra.bentler.2001" and
# method = "satorra.bentler.2010" on nested MLR fits, with the scaling factors of both.
#
# Run from the repository root:  Rscript tests/reference/make_lrt_fixtures.R
# Writes tests/reference/lrt/<case>.json and, for the subsampled cases, the rows used as
# tests/reference/data/lrt_<case>.csv (read back before fitting, so lavaan sees the numbers in the CSV).
# Deterministic: set.seed() before each subsample; two runs give byte-identical files.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
root <- file.path("tests", "reference")
dir.create(file.path(root, "lrt"), showWarnings = FALSE)
rd <- function(nm) paste(readLines(file.path(root, "models", paste0(nm, ".lav"))), collapse = "\n")

# Each case: data (a CSV under tests/reference/data), the less restricted model m1 and the restricted m0,
# and the lavaan call's arguments.
builder <- list(missing = "ML", meanstructure = TRUE, int.ov.free = TRUE, fixed.x = FALSE, estimator = "MLR",
                group = "G")
cases <- list(
  mlr_fiml_equal_loadings = list(
    description = paste("Skewed two-factor data with ~10% MCAR cells (mlr_nonnormal_missing.csv, N = 500): f2 ~ f1,",
                        "against the same model with all free loadings equal (label a); sem(), MLR, missing = 'ml'.",
                        "The 2001 factor is positive here; the 2010 difference is checked all the same."),
    data = "mlr_nonnormal_missing.csv", fun = "sem",
    m1 = "f1 =~ i1 + i2 + i3\nf2 =~ i4 + i5 + i6\nf2 ~ f1",
    m0 = "f1 =~ i1 + a*i2 + a*i3\nf2 =~ i4 + a*i5 + a*i6\nf2 ~ f1",
    args = list(estimator = "MLR", missing = "ml")),
  riclpm_mg_standin_mlr = list(
    description = paste("The workbench's group comparison: multigroup RI-CLPM on the stand-in data (riclpm_standin.csv,",
                        "N = 1189, group G, FIML), lags free in each group against cross-lags equal across groups",
                        "(models/builder_riclpm_mg_free.lav and builder_riclpm_mg_equal.lav); lavaan() as the builder",
                        "cases, with estimator = 'MLR'."),
    data = "riclpm_standin.csv", fun = "lavaan",
    m1 = rd("builder_riclpm_mg_free"), m0 = rd("builder_riclpm_mg_equal"), args = builder)
)

# A small group comparison where the 2001 factor is negative and the 2010 one positive: 'subsample' rows of the
# stand-in drawn after set.seed(seed), written to data/lrt_<case>.csv.
small <- list()
for (nm in names(small)) {
  s <- small[[nm]]
  full <- read.csv(file.path(root, "data", "riclpm_standin.csv"))
  set.seed(s$seed)
  d <- full[sort(sample(nrow(full), s$n)), ]
  write.csv(d, file.path(root, "data", paste0("lrt_", nm, ".csv")), row.names = FALSE, na = "")
  cases[[nm]] <- list(
    description = sprintf(paste("As riclpm_mg_standin_mlr on %d rows of the stand-in (set.seed(%d); sample(nrow, %d),",
                                "sorted): the Satorra-Bentler (2001) scaling factor is negative, the 2010 one positive."),
                          s$n, s$seed, s$n),
    data = paste0("lrt_", nm, ".csv"), fun = "lavaan",
    m1 = rd("builder_riclpm_mg_free"), m0 = rd("builder_riclpm_mg_equal"), args = builder)
}

test_of <- function(fit) {
  fm <- fitMeasures(fit, c("chisq", "df", "chisq.scaling.factor", "chisq.scaled"))
  list(chisq = unname(fm["chisq"]), df = unname(fm["df"]), scaling_factor = unname(fm["chisq.scaling.factor"]),
       chisq_scaled = unname(fm["chisq.scaled"]), npar = unname(fitMeasures(fit, "npar")),
       converged = lavInspect(fit, "converged"))
}
diff_of <- function(f1, f0, method) {
  warns <- character(0)
  tab <- withCallingHandlers(lavTestLRT(f1, f0, method = method),
                             warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  fun <- if (method == "satorra.bentler.2001") lavaan:::lav_test_diff_SatorraBentler2001 else
    lavaan:::lav_test_diff_SatorraBentler2010
  parts <- suppressWarnings(fun(f1, f0))
  list(stat = tab[2, "Chisq diff"], df = tab[2, "Df diff"], pvalue = tab[2, "Pr(>Chisq)"],
       scaling_factor = as.numeric(parts$scaling.factor), unscaled = tab[2, "Chisq"] - tab[1, "Chisq"],
       warnings = unique(gsub("\\s+", " ", warns)))
}

for (nm in names(cases)) {
  cs <- cases[[nm]]
  dat <- read.csv(file.path(root, "data", cs$data))
  fit <- function(m) do.call(cs$fun, c(list(model = m, data = dat), cs$args))
  f1 <- fit(cs$m1)
  f0 <- fit(cs$m0)
  args_text <- paste(sprintf("%s = %s", names(cs$args), vapply(cs$args, deparse, "")), collapse = ", ")
  out <- list(
    case = nm, description = cs$description, lavaan_version = as.character(packageVersion("lavaan")),
    r_version = R.version.string,
    call = sprintf("%s(model, data, %s); lavTestLRT(m1, m0, method = 'satorra.bentler.2001' / 'satorra.bentler.2010')",
                   cs$fun, args_text),
    data = list(source = "reference", file = file.path("data", cs$data)), fun = cs$fun, args = cs$args,
    m1 = list(model = cs$m1, fit = test_of(f1)), m0 = list(model = cs$m0, fit = test_of(f0)),
    sb2001 = diff_of(f1, f0, "satorra.bentler.2001"), sb2010 = diff_of(f1, f0, "satorra.bentler.2010"))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
             file.path(root, "lrt", paste0(nm, ".json")))
  cat(sprintf("%-28s 2001: c = %8.5f T = %9.4f   2010: c = %8.5f T = %9.4f\n", nm, out$sb2001$scaling_factor,
              out$sb2001$stat, out$sb2010$scaling_factor, out$sb2010$stat))
}
