# fixture_helpers.R -- code shared by make_lavaan_fixtures.R and make_survey_fixtures.R.
#
# Not run on its own: each script source()s it (from its own directory, script_dir) into the global
# environment after library(lavaan) and library(jsonlite). Several functions below read globals that the
# sourcing script defines before calling them: script_dir (read_model), data_dir (write_csv) and
# out_dir (finish_case).

LAVAAN_VERSION <- as.character(packageVersion("lavaan"))
R_VERSION <- R.version.string

## ---------------------------------------------------------------------------------------------
## minimal JSON writer with full double precision
## ---------------------------------------------------------------------------------------------
fmt_num <- function(x) {
  x <- as.numeric(x)
  vapply(x, function(v) {
    if (is.na(v) || !is.finite(v)) return("null")
    if (v == trunc(v) && abs(v) < 1e15) {
      if (v == 0) return("0")
      return(sprintf("%.0f", v))
    }
    # Always 17 significant digits: glibc's printf is correctly rounded, so any correctly rounding
    # JSON parser (Python's float()) recovers exactly the same double. (A "shortest representation"
    # check via as.numeric() is unreliable: R's own strtod is not always correctly rounded.)
    sprintf("%.17g", v)
  }, character(1))
}
fmt_str <- function(x) {
  vapply(as.character(x), function(s) {
    if (is.na(s)) return("null")
    as.character(jsonlite::toJSON(s, auto_unbox = TRUE))
  }, character(1), USE.NAMES = FALSE)
}
fmt_atomic <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.logical(x)) return(ifelse(is.na(x), "null", ifelse(x, "true", "false")))
  if (is.numeric(x)) return(fmt_num(x))
  fmt_str(x)
}
to_json <- function(x, indent = 0L) {
  pad <- strrep("  ", indent)
  pad1 <- strrep("  ", indent + 1L)
  if (is.null(x)) return("null")
  if (is.data.frame(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) {
      lapply(x, function(col) {
        v <- col[[i]]
        if (is.factor(v)) v <- as.character(v)
        as.vector(v)
      })
    })
    return(to_json(rows, indent))
  }
  if (is.matrix(x)) {
    rows <- lapply(seq_len(nrow(x)), function(i) I(as.vector(x[i, ])))
    return(to_json(rows, indent))
  }
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    inner <- vapply(x, to_json, character(1), indent = indent + 1L)
    if (!is.null(names(x))) {
      keys <- fmt_str(names(x))
      return(paste0("{\n", paste0(pad1, keys, ": ", inner, collapse = ",\n"), "\n", pad, "}"))
    }
    return(paste0("[\n", paste0(pad1, inner, collapse = ",\n"), "\n", pad, "]"))
  }
  if (is.atomic(x)) {
    asis <- inherits(x, "AsIs")
    v <- fmt_atomic(unclass(x))
    if (length(v) == 1 && !asis) return(v)
    return(paste0("[", paste(v, collapse = ", "), "]"))
  }
  stop("cannot serialise object of class ", paste(class(x), collapse = "/"))
}
write_json_file <- function(obj, path) {
  writeLines(to_json(obj), path, useBytes = TRUE)
}

## ---------------------------------------------------------------------------------------------
## helpers to turn lavaan output into plain lists
## ---------------------------------------------------------------------------------------------
plain_df <- function(df) {
  df <- as.data.frame(df, stringsAsFactors = FALSE)
  class(df) <- "data.frame"
  for (nm in names(df)) {
    v <- df[[nm]]
    if (is.factor(v)) v <- as.character(v)
    df[[nm]] <- as.vector(unclass(v))
  }
  rownames(df) <- NULL
  df
}
mat_obj <- function(m) {
  m <- unclass(m)
  m <- matrix(as.numeric(m), nrow = nrow(m), dimnames = dimnames(m))
  list(rownames = I(rownames(m)), colnames = I(colnames(m)), values = m)
}
named_vec_obj <- function(v) {
  if (is.null(v)) return(NULL)
  out <- as.list(as.numeric(unclass(v)))
  names(out) <- names(v)
  out
}
# lavInspect() returns a single element for one group and a named list for several groups.
as_group_list <- function(x, ngroups) if (ngroups == 1L) list(x) else x
moments_obj <- function(x, ngroups, labels) {
  xs <- as_group_list(x, ngroups)
  lapply(seq_len(ngroups), function(g) {
    el <- xs[[g]]
    out <- list(group = if (ngroups > 1) labels[g] else NULL)
    if (ngroups == 1) out$group <- NULL
    if (!is.null(el$cov)) out$cov <- mat_obj(el$cov)
    if (!is.null(el$mean)) out$mean <- named_vec_obj(el$mean)
    # conditional.x = TRUE would give res.cov / res.int / res.slopes (not used in these cases)
    for (nm in setdiff(names(el), c("cov", "mean"))) {
      v <- el[[nm]]
      out[[nm]] <- if (is.matrix(v)) mat_obj(v) else if (!is.null(names(v))) named_vec_obj(v) else I(as.numeric(v))
    }
    out
  })
}
atomic_options <- function(opt) {
  keep <- vapply(opt, function(v) is.atomic(v) && !is.null(v), logical(1))
  out <- lapply(opt[keep], function(v) {
    v <- unclass(v)
    if (length(v) == 1) v else I(v)
  })
  out
}
test_obj <- function(tst) {
  lapply(tst, function(t) {
    lapply(t, function(v) {
      if (is.matrix(v)) return(mat_obj(v))
      v <- unclass(v)
      if (is.list(v)) return(NULL)
      if (length(v) == 1 && !(is.numeric(v) && !is.null(names(v)))) return(v)
      I(as.vector(v))
    })
  })
}

## ---------------------------------------------------------------------------------------------
## data and model files
## ---------------------------------------------------------------------------------------------
# Write a data set to data/<file> and read it back, so that the fixtures match the numbers in the CSV text.
write_csv <- function(df, file) {
  write.csv(df, file.path(data_dir, file), row.names = FALSE, na = "")
  read.csv(file.path(data_dir, file), stringsAsFactors = FALSE)
}
read_model <- function(name) paste(readLines(file.path(script_dir, "models", paste0(name, ".lav"))), collapse = "\n")

# Monotone MAR attrition of a bivariate panel (X, Y: persons x waves; mu: wave means with column "y"):
# a person present at wave t-1 drops out before wave t with probability
# plogis(qlogis(p0) + slope * (y_{t-1} - mu_y[t-1])); wave 1 is complete. Draws runif(N) once per wave.
# Returns data.frame(x1..xT, y1..yT), not rounded.
monotone_attrition <- function(X, Y, mu, p0, slope) {
  N <- nrow(X)
  waves <- ncol(X)
  present <- rep(TRUE, N)
  for (t in 2:waves) {
    p <- plogis(qlogis(p0) + slope * (Y[, t - 1] - mu[t - 1, "y"]))
    present <- present & !(runif(N) < p)
    X[!present, t] <- NA
    Y[!present, t] <- NA
  }
  d <- data.frame(X, Y)
  names(d) <- c(paste0("x", 1:waves), paste0("y", 1:waves))
  d
}

## ---------------------------------------------------------------------------------------------
## pieces of the case runners
## ---------------------------------------------------------------------------------------------
ALL_WARNINGS <- list()
FITS <- list()
SUMMARY <- list()

# Evaluate expr (in the caller's environment: its assignments stay there), muffling every warning;
# returns the warning messages in order.
collect_warnings <- function(expr) {
  warns <- character(0)
  withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  warns
}

# The call fun(model = model, data = <data_name>, <args>), an environment holding model and the data under
# data_name, and the call as one line of text (as stored in the fixtures).
case_call <- function(fun, model, data, data_name, args) {
  env <- new.env(parent = globalenv())
  assign("model", model, envir = env)
  assign(data_name, data, envir = env)
  cl <- as.call(c(list(as.name(fun), model = quote(model), data = as.name(data_name)), args))
  list(env = env, call = cl, call_str = paste(deparse(cl, width.cutoff = 500L), collapse = " "))
}

# Everything a fixture takes from a lavaan fit (called while warnings are being collected).
inspect_fit <- function(fit) {
  list(
    opt = lavInspect(fit, "options"),
    ng = lavInspect(fit, "ngroups"),
    glabels = lavInspect(fit, "group.label"),
    pe = parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE, remove.def = FALSE,
                            remove.eq = FALSE, remove.ineq = FALSE, remove.system.eq = FALSE),
    pt = parTable(fit),
    fm = fitMeasures(fit),
    vc = vcov(fit),
    implied = lavInspect(fit, "implied"),
    sampstat = lavInspect(fit, "sampstat"),
    h1 = lavInspect(fit, "h1"),
    tst = lavInspect(fit, "test")
  )
}

# explicit options as resolved by lavaan (plus `more`, e.g. the design options), then every argument passed in the call
lavaan_options <- function(fun, args, opt, more = NULL) {
  options <- list(
    "function" = fun,
    estimator = if (!is.null(args$estimator)) args$estimator else opt$estimator,
    estimator_resolved = opt$estimator,  # lavaan stores "ML" for MLR (robust se/test are separate options)
    missing = opt$missing,
    meanstructure = opt$meanstructure,
    fixed.x = opt$fixed.x,
    conditional.x = opt$conditional.x,
    group = if (!is.null(args$group)) args$group else NULL,
    group.equal = I(opt$group.equal[nzchar(opt$group.equal)]),
    se = opt$se,
    test = I(opt$test),
    information = I(opt$information),
    h1.information = I(opt$h1.information),
    observed.information = I(opt$observed.information),
    likelihood = opt$likelihood,
    int.ov.free = opt$int.ov.free,
    int.lv.free = opt$int.lv.free,
    std.lv = opt$std.lv
  )
  options <- c(options, more)
  call_args <- lapply(args, function(v) if (length(v) == 1) v else I(v))
  options$call_args <- if (length(call_args)) call_args else structure(list(), names = character(0))
  options
}

# The fixture of a lavaan case (everything but the case-specific extras). after_call and after_data are
# lists of further entries, placed after `call` and after `data`.
lavaan_result <- function(case, description, call_str, options, model, data_ref, fit, parts, warns,
                          after_call = NULL, after_data = NULL) {
  ng <- parts$ng
  glabels <- parts$glabels
  fm <- parts$fm
  data_ref$group_levels <- if (ng > 1) I(as.character(glabels)) else NULL

  nobs <- lavInspect(fit, "nobs")
  norig <- lavInspect(fit, "norig")
  fm_list <- as.list(as.numeric(unclass(fm)))
  names(fm_list) <- names(fm)

  res <- c(
    list(
      case = case,
      description = description,
      lavaan_version = LAVAAN_VERSION,
      r_version = R_VERSION,
      call = call_str
    ),
    after_call,
    list(
      options = options,
      resolved_options = atomic_options(parts$opt),
      model = model,
      data = data_ref
    ),
    after_data,
    list(
      converged = lavInspect(fit, "converged"),
      iterations = lavInspect(fit, "iterations"),
      warnings = I(warns),
      npar = unname(fm[["npar"]]),
      fmin = unname(fm[["fmin"]]),
      logl = if ("logl" %in% names(fm)) unname(fm[["logl"]]) else NULL,
      h1_logl = if ("unrestricted.logl" %in% names(fm)) unname(fm[["unrestricted.logl"]]) else NULL,
      ngroups = ng,
      nobs = I(as.integer(nobs)),
      ntotal = lavInspect(fit, "ntotal"),
      norig = I(as.integer(norig)),
      fit = fm_list,
      test = test_obj(parts$tst),
      parameters = plain_df(parts$pe),
      partable = plain_df(parts$pt),
      vcov = mat_obj(parts$vc),
      implied = moments_obj(parts$implied, ng, glabels),
      sampstat = moments_obj(parts$sampstat, ng, glabels),
      h1 = moments_obj(parts$h1, ng, glabels)
    )
  )
  if (parts$opt$missing %in% c("ml", "ml.x")) {
    pats <- as_group_list(lavInspect(fit, "patterns"), ng)
    res$npatterns <- I(vapply(pats, nrow, integer(1)))
  }
  res
}

# Append the extras, stop unless converged, write out_dir/<case>.json and record the case.
finish_case <- function(case, res, extra_vals, fit, warns, summary_row) {
  if (!is.null(extra_vals)) res <- c(res, extra_vals)
  if (!isTRUE(res$converged)) stop("case ", case, " did not converge")
  write_json_file(res, file.path(out_dir, paste0(case, ".json")))
  ALL_WARNINGS[[case]] <<- warns
  FITS[[case]] <<- fit
  SUMMARY[[case]] <<- summary_row
  invisible(res)
}

print_summary <- function() {
  summ <- do.call(rbind, SUMMARY)
  rownames(summ) <- NULL
  print(summ, digits = 10, row.names = FALSE)
}
print_warnings <- function() {
  for (nm in names(ALL_WARNINGS)) {
    if (length(ALL_WARNINGS[[nm]])) cat("WARNING [", nm, "]: ", ALL_WARNINGS[[nm]], "\n", sep = "")
  }
}
