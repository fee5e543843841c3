"""Structural equation models in lavaan syntax, estimated as lavaan does.

>>> from analysis.models.sem import SEM
>>> results = SEM("f =~ x1 + x2 + x3").fit(data)   # doctest: +SKIP
"""

from analysis.models.sem.compare import ModelComparison, compare, lrt
from analysis.models.sem.compiled import CompiledSEM, Refit
from analysis.models.sem.data import SampleDesign
from analysis.models.sem.estimate import SEMWarning
from analysis.models.sem.inference import TestResult
from analysis.models.sem.model import SEM
from analysis.models.sem.results import SEMResults

__all__ = ["SEM", "CompiledSEM", "ModelComparison", "Refit", "SampleDesign", "SEMResults", "SEMWarning", "TestResult", "compare", "lrt"]
