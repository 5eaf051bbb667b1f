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

def hermite(activation: str, order: int = 8) -> HermiteResult:
    """Hermite coefficients a_0..a_order of an activation (a built-in such as ``"relu"``,
    ``"leaky-relu:0.1"``, or an expression in x such as ``"x*tanh(x)"``), with error estimates
    (``rmt-verify hermite ACTIVATION --order K``)."""

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
) -> TheoryResult:
    """Deterministic equivalents E, yQy, trQ along a gamma path (default
    ``"logspace:1e-3:10:9"``) at c = p/n (give ``c`` or ``n`` and ``p``), with the solver status
    of every point (``rmt-verify theory``). A point that did not converge is reported in
    ``converged`` (and a ``RuntimeWarning``), never as a silent NaN."""

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
) -> SpectrumResult:
    """Limiting spectrum of K or Phi^T Phi/n (mu = 0, w = 0): density on a grid of ``points``
    values around the support (or on the grid ``x``), support edges, and the Stieltjes
    transform at each ``z`` (Im z > 0) (``rmt-verify spectrum``)."""

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
