"""Type stubs of rmt_verify (the functions are implemented in Rust, rmt_verify._rmt_verify).

Every function mirrors a subcommand of the ``rmt-verify`` CLI and returns the keys of its
``--format json`` output: lists of numbers are numpy arrays, lists of points are one array per
field. Bad input raises ``ValueError`` with the CLI's message (``RuntimeError`` for a
computation that could not finish, ``MemoryError`` for a run too large for the machine).
"""

from typing import Any, Dict, List, Literal, Optional, Sequence, Union

import numpy as np
from numpy.typing import NDArray

__version__: str

from .types import (
    ModelLike as ModelLike,
    Gammas as Gammas,
    Coords as Coords,
    Kind as Kind,
    DiagName as DiagName,
    CombineName as CombineName,
    SoftmaxSide as SoftmaxSide,
    Heads as Heads,
    HeadsInfo as HeadsInfo,
    SpectralPoint as SpectralPoint,
    ClosedForm as ClosedForm,
    HermiteResult as HermiteResult,
    Paper as Paper,
    ModelKeys as ModelKeys,
    TheoryResult as TheoryResult,
    Replicates as Replicates,
    SimulateResult as SimulateResult,
    SpectrumResult as SpectrumResult,
    Row as Row,
    Verdict as Verdict,
    ClaimInfo as ClaimInfo,
)

def hermite(activation: str, order: int = 8, *, time_limit: float = 60.0) -> HermiteResult:
    """Hermite coefficients a_0..a_order of an activation (a built-in such as ``"relu"``,
    ``"leaky-relu:0.1"``, or an expression in x such as ``"x*tanh(x)"``), with error estimates
    and the digits lost to centring (``rmt-verify hermite ACTIVATION --order K --time-limit S``;
    ``TimeoutError`` beyond ``time_limit`` seconds)."""

def theory(
    model: Optional[ModelLike] = None,
    *,
    gammas: Optional[Gammas] = None,
    c: Optional[float] = None,
    n: Optional[float] = None,
    p: Optional[float] = None,
    kind: Optional[Kind] = None,
    activation: Optional[str] = None,
    snr: Optional[float] = None,
    wk: Optional[Coords] = None,
    wq: Optional[Coords] = None,
    diag: Optional[DiagName] = None,
    heads: Optional[Heads] = None,
    combine: Optional[CombineName] = None,
    softmax: Optional[float] = None,
    unmasked: bool = False,
    softmax_side: Optional[SoftmaxSide] = None,
    skip: Optional[float] = None,
    ar1: Optional[float] = None,
    labels: Optional[str] = None,
) -> TheoryResult:
    """Deterministic equivalents E, yQy, trQ along a gamma path (default
    ``"logspace:1e-3:10:9"``) at c = p/n (give ``c``, or ``n`` and ``p``: whole sizes are needed
    by the softmax and AR(1) tokens), with the solver status of every point (``rmt-verify
    theory``). Any model a model file describes: one or several heads (``heads``, with the
    multi-head constants under ``result["heads"]``), the variants (softmax, skip connection,
    AR(1) tokens, label blocks); ``equivalent`` and ``standing`` say what it is mapped to. A
    model without an equivalent yet raises ``ValueError`` naming the key. A point that did not
    converge is reported in ``converged`` (and a ``RuntimeWarning``), never as a silent NaN."""

def simulate(
    model: Optional[ModelLike] = None,
    *,
    n: int = 1024,
    p: int = 256,
    gammas: Optional[Gammas] = None,
    seeds: int = 4,
    seed: int = 2506,
    kind: Optional[Kind] = None,
    activation: Optional[str] = None,
    snr: Optional[float] = None,
    wk: Optional[Coords] = None,
    wq: Optional[Coords] = None,
    diag: Optional[DiagName] = None,
    heads: Optional[Heads] = None,
    combine: Optional[CombineName] = None,
    softmax: Optional[float] = None,
    unmasked: bool = False,
    softmax_side: Optional[SoftmaxSide] = None,
    skip: Optional[float] = None,
    ar1: Optional[float] = None,
    labels: Optional[str] = None,
) -> SimulateResult:
    """Monte Carlo on the exact model (``rmt-verify simulate``; default gamma 0.1): mean,
    standard error and 95% interval over ``seeds`` replicates (NaN with one replicate: the CLI's
    null), and the per-replicate values.
    Replicate r depends only on (seed, r): the numbers are the CLI's."""

def spectrum(
    activation: str = "tanh",
    *,
    c: float,
    matrix: Literal["kernel", "gram"] = "kernel",
    diag: DiagName = "zero",
    z: Union[None, SpectralPoint, Sequence[SpectralPoint]] = None,
    points: int = 200,
    x: Union[None, Sequence[float], NDArray[np.floating[Any]]] = None,
    time_limit: float = 60.0,
) -> SpectrumResult:
    """Limiting spectrum of K or Phi^T Phi/n (mu = 0, w = 0): density on a grid of ``points``
    values around the support (or on the grid ``x``), support edges, the point mass
    (``atom``, ``atom_at``) and the Stieltjes transform at each ``z`` (``rmt-verify spectrum``).
    The CLI's limits: c in [1e-4, 1e4] for the kernel, [0.1, 1e3] for the gram matrix;
    2 <= points <= 10000; |Re z| <= 1e6, 1e-12 <= Im z <= 1e6."""

def verify(
    claim: Union[None, str, Sequence[str]] = None,
    budget: Literal["quick", "full"] = "quick",
    *,
    paper: Optional[str] = None,
    seed: int = 2506,
) -> List[Verdict]:
    """Checks claims (all, in paper order, those of the paper pack ``paper``, or the given ids)
    and returns one verdict per claim (``rmt-verify verify --format json``)."""

def claims(paper: Optional[str] = None) -> List[ClaimInfo]:
    """The claims, of every paper pack or of ``paper`` (``rmt-verify list --format json``)."""

def papers() -> List[Paper]:
    """The paper packs (``rmt-verify list --format json``)."""

def model_spec(
    model: Optional[ModelLike] = None,
    *,
    kind: Optional[Kind] = None,
    activation: Optional[str] = None,
    snr: Optional[float] = None,
    wk: Optional[Coords] = None,
    wq: Optional[Coords] = None,
    diag: Optional[DiagName] = None,
    heads: Optional[Heads] = None,
    combine: Optional[CombineName] = None,
    softmax: Optional[float] = None,
    unmasked: bool = False,
    softmax_side: Optional[SoftmaxSide] = None,
    skip: Optional[float] = None,
    ar1: Optional[float] = None,
    labels: Optional[str] = None,
) -> Dict[str, Any]:
    """The model these arguments describe, as a dict with every key of a model file (edit it and
    pass it back as ``model=``)."""

def model_toml(
    model: Optional[ModelLike] = None,
    *,
    kind: Optional[Kind] = None,
    activation: Optional[str] = None,
    snr: Optional[float] = None,
    wk: Optional[Coords] = None,
    wq: Optional[Coords] = None,
    diag: Optional[DiagName] = None,
    heads: Optional[Heads] = None,
    combine: Optional[CombineName] = None,
    softmax: Optional[float] = None,
    unmasked: bool = False,
    softmax_side: Optional[SoftmaxSide] = None,
    skip: Optional[float] = None,
    ar1: Optional[float] = None,
    labels: Optional[str] = None,
) -> str:
    """The model these arguments describe, as the text of a model file (for ``--model-file``)."""

__all__ = [
    "__version__",
    "claims",
    "hermite",
    "model_spec",
    "model_toml",
    "papers",
    "simulate",
    "spectrum",
    "theory",
    "verify",
    "ClaimInfo",
    "ClosedForm",
    "Coords",
    "DiagName",
    "CombineName",
    "SoftmaxSide",
    "Heads",
    "HeadsInfo",
    "Gammas",
    "HermiteResult",
    "Paper",
    "Kind",
    "ModelKeys",
    "ModelLike",
    "Replicates",
    "Row",
    "SimulateResult",
    "SpectralPoint",
    "SpectrumResult",
    "TheoryResult",
    "Verdict",
]
