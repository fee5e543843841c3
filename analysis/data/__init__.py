"""Survey data: reading SPSS/Stata/CSV/Parquet files, data specs and panels.

Public API
----------
load_spec(path) -> Spec
    Read and validate a YAML data spec (``data_specs/*.yaml``).
load_panel(spec_or_path, data) -> Panel
    Load a cohort's files through a spec: long and wide panels of scored
    constructs, missing values by reason, attrition, labels and sources.
Panel.design -> SurveyDesign
    The weight, PSU and strata columns each wave used, and the columns of
    ``Panel.wide(...)`` to pass to a fit (``fit_keywords()``).
read_table(path, columns=None) -> DataFrame
    One data file as a DataFrame.
"""

from analysis.data.files import read_table
from analysis.data.loader import load_panel
from analysis.data.panel import ColumnLabels, Panel
from analysis.data.sources import SourceFile
from analysis.data.spec import Spec
from analysis.data.spec_load import load_spec, parse_spec
from analysis.data.survey_design import SurveyDesign

__all__ = ["ColumnLabels", "Panel", "SourceFile", "Spec", "SurveyDesign", "load_panel", "load_spec",
           "parse_spec", "read_table"]
