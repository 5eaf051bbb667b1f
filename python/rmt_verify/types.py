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
CombineName = Union[Literal["concat"], Literal["sum"]]
"""How several heads combine: stacked features ``[X K_1; ...]`` or ``sum_h X K_h``."""
SoftmaxSide = Union[Literal["transpose"], Literal["plain"]]
"""Softmax side: ``Phi = X A^T`` (transpose) or ``Phi = X A`` (plain)."""
Heads = Union[str, Sequence[str]]
"""Activations of several heads: ``["tanh", "cos"]`` or the CLI's ``"tanh,cos"``."""
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
    relative_error: float
    """``error_estimate`` relative to max(1, rms f)."""
    errors: NDArray[np.float64]
    """Error estimate of each a_k, shape (order + 1,)."""
    nu_error: float
    parseval_residual: float
    digits_lost: float
    """Significant digits of f lost to centring (log10 of mean / sqrt(nu); 0 when none)."""
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

class HeadsInfo(TypedDict):
    """Several heads (docs/multihead.md): per-head constants and the Wigner covariance."""
    a1: NDArray[np.float64]
    """a1 of each head, shape (H,)."""
    s: NDArray[np.float64]
    """Diagonal shift of each head, shape (H,)."""
    wigner_cov: NDArray[np.float64]
    """Wigner covariance S, shape (H, H)."""
    gram_rank: int
    """Rank of the activations' Gram matrix (the number of effective heads)."""
    combine: str

class _TheoryHeads(TypedDict, total=False):
    heads: HeadsInfo
    """Present when the model has several heads."""

class TheoryResult(ModelKeys, _TheoryHeads):
    c: float
    n: Optional[int]
    """The sizes when given as whole ``n=``, ``p=`` (else None: the proportional limit at c)."""
    p: Optional[int]
    a1: Optional[float]
    """Single-head attention constants (None for ridge, several heads, the mode model)."""
    nu: Optional[float]
    s: Optional[float]
    equivalent: str
    """What the model is mapped to (the solver and the variant's map, docs/variants.md)."""
    standing: str
    """``"derived"`` or ``"conjecture"``."""
    gamma_scale: float
    """gamma of the base equivalent = gamma * gamma_scale (softmax: (n-1)^2/p; else 1)."""
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
    """Mass of the point mass (1 - c for Phi^T Phi/n with c < 1, and for K of an affine f)."""
    atom_at: float
    """Where the point mass sits: s for the kernel, 0 for Phi^T Phi/n."""
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
