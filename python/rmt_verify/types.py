"""Types of the results of rmt_verify (TypedDicts, for annotations and editor completion).

    from rmt_verify.types import TheoryResult
"""

import os
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, TypedDict, Union

import numpy as np
from numpy.typing import NDArray


ModelLike = Union[Mapping[str, Any], str, os.PathLike[str]]
"""A dict with the keys of a model file (docs/model-file.md), or a path to a .toml model file."""

Gammas = Union[str, float, Sequence[float], NDArray[np.floating[Any]]]
"""``"0.1,1"``, ``"logspace:LO:HI:K"``, a number, or a sequence / array of numbers > 0."""

Coords = Union[str, Sequence[float], NDArray[np.floating[Any]]]
"""Coordinates on the basis e_1, e_2, ...: ``"1,0,0"`` or ``[1, 0, 0]``."""

Kind = Union[Literal["attention"], Literal["ridge"], Literal["equivalent"]]
DiagName = Union[Literal["zero"], Literal["literal"]]
SpectralPoint = Union[complex, str, Sequence[float]]

class ClosedForm(TypedDict):
    mean: Optional[float]
    a1: Optional[float]
    a2: Optional[float]
    nu: Optional[float]

class HermiteResult(TypedDict):
    activation: str
    mean: float
    a: NDArray[np.float64]
    """a_0 .. a_order of the raw activation, shape (order + 1,)."""
    a1: float
    a2: float
    nu: float
    sigma2: float
    error_estimate: float
    errors: NDArray[np.float64]
    """Error estimate of each a_k, shape (order + 1,)."""
    nu_error: float
    parseval_residual: float
    closed_form: Optional[ClosedForm]
    centred: bool
    method: str
    version: str

class ModelKeys(TypedDict):
    model: str
    activation: Optional[str]
    snr: float
    diag: Optional[str]
    spec: Dict[str, Any]
    """The model run, with the keys of a model file (``model_spec`` of the same arguments)."""

class TheoryResult(ModelKeys):
    c: float
    a1: Optional[float]
    nu: Optional[float]
    s: Optional[float]
    gamma: NDArray[np.float64]
    E: NDArray[np.float64]
    yQy: NDArray[np.float64]
    trQ: NDArray[np.float64]
    iterations: NDArray[np.int64]
    residual: NDArray[np.float64]
    converged: NDArray[np.bool_]
    """Solver status of each point (the CLI's per-point ``converged``)."""
    all_converged: bool
    """The CLI's top-level ``converged``."""
    version: str

class Replicates(TypedDict):
    E: NDArray[np.float64]
    """Shape (seeds, len(gamma))."""
    yQy: NDArray[np.float64]
    trQ: NDArray[np.float64]
    r1: NDArray[np.float64]
    """||Phi y||^2 / n^2, shape (seeds,)."""
    kappa0: NDArray[np.float64]
    lambda_max: NDArray[np.float64]

class SimulateResult(ModelKeys):
    n: int
    p: int
    seeds: int
    seed: int
    rng: str
    version: str
    seconds: float
    gamma: NDArray[np.float64]
    E: NDArray[np.float64]
    E_se: NDArray[np.float64]
    E_ci95: NDArray[np.float64]
    """95% Student-t interval, shape (len(gamma), 2)."""
    yQy: NDArray[np.float64]
    yQy_se: NDArray[np.float64]
    yQy_ci95: NDArray[np.float64]
    trQ: NDArray[np.float64]
    trQ_se: NDArray[np.float64]
    trQ_ci95: NDArray[np.float64]
    replicates: Replicates

class SpectrumResult(TypedDict):
    matrix: str
    activation: str
    c: float
    diag: str
    a1: float
    nu: float
    s: float
    atom: float
    edges: NDArray[np.float64]
    x: NDArray[np.float64]
    density: NDArray[np.float64]
    z: NDArray[np.complex128]
    m: NDArray[np.complex128]
    """Stieltjes transform at each z."""
    version: str

class Row(TypedDict):
    label: str
    n: Optional[int]
    reps: Optional[int]
    theory: float
    measured: float
    mean: float
    se: float
    err: float
    tol: float
    tolerance: float
    tol_source: str
    z: Optional[float]
    status: str

class Verdict(TypedDict, total=False):
    id: str
    title: str
    paper: str
    """Id of the paper pack."""
    statement: str
    paper_wording: Optional[str]
    status: str
    """``"holds"``, ``"fails"``, ``"inconclusive"``, or ``"error"`` (then ``error`` says why)."""
    rows: List[Row]
    notes: List[str]
    budget: str
    seed: int
    seed_scheme: str
    version: str
    error: str

class ClaimInfo(TypedDict):
    id: str
    title: str
    paper: str
    statement: str
    paper_wording: Optional[str]
    full_run: Optional[str]
    """Status in the committed full run (``"HOLDS"``, ...), None when not run."""
    negative_controls: List[str]

class Paper(TypedDict):
    id: str
    title: str
    authors: str
    arxiv: str
    version: str
