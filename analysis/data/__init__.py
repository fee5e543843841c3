"""Survey data: reading SPSS/Stata/CSV/Parquet files, data specs and panels."""
