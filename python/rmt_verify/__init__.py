"""rmt-verify from Python: theory curves, Hermite coefficients, Monte Carlo and verdicts.

Every function mirrors a subcommand of the ``rmt-verify`` CLI and returns what its
``--format json`` prints (same seeds, same numbers), with lists of numbers as numpy arrays and
lists of points as one array per field::

    >>> import rmt_verify as rv
    >>> t = rv.theory(activation="relu", c=0.5, gammas=[0.01, 0.1, 1.0])
    >>> t["E"]                       # numpy array, one value per gamma

A model is a dict with the keys of a model file (``docs/model-file.md``), a path to one, or
the keywords of the CLI's model flags: ``kind=, activation=, snr=, wk=, wq=, diag=`` (defaults:
attention, tanh, snr 1, w = 0, zero diagonal), several heads with equal W ``heads=["tanh",
"cos"], combine="concat"|"sum"`` (docs/multihead.md) and the variants ``softmax=BETA,
unmasked=, softmax_side=, skip=ALPHA, ar1=RHO, labels="block:L"`` (docs/variants.md). Bad
input raises ``ValueError`` with the CLI's message.
Long calls release the GIL and stop on Ctrl-C.
"""

from ._rmt_verify import (
    __version__,
    claims,
    hermite,
    model_spec,
    model_toml,
    papers,
    simulate,
    spectrum,
    theory,
    verify,
)
from .types import (
    ClaimInfo,
    ClosedForm,
    Coords,
    DiagName,
    CombineName,
    SoftmaxSide,
    Heads,
    HeadsInfo,
    Gammas,
    HermiteResult,
    Paper,
    Kind,
    ModelKeys,
    ModelLike,
    Replicates,
    Row,
    SimulateResult,
    SpectralPoint,
    SpectrumResult,
    TheoryResult,
    Verdict,
)

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
