//! User activation expressions in `x`: parsing (with `winnow`) into an AST, fast evaluation,
//! overflow-free evaluation in log-magnitude form for the tails, and the kinks of `abs`,
//! `sign`, `max`, `min` for quadrature.
//!
//! Grammar (issue 2, "Activations"):
//!
//! ```text
//! expr    := term (('+' | '-') term)*
//! term    := unary (('*' | '/') unary)*
//! unary   := ('-' | '+') unary | power
//! power   := atom ('^' unary)?          // right-associative; binds tighter than unary minus
//! atom    := number | 'x' | 'pi' | 'e' | func '(' expr (',' expr)? ')' | '(' expr ')'
//! number  := digits ['.' digits] [('e'|'E') ['+'|'-'] digits]  |  '.' digits [...]
//! func    := exp log sqrt abs sin cos tan tanh atan erf sign (one argument) | max min (two)
//! ```
//!
//! So `-x^2 = -(x^2)`, `2^3^2 = 2^9`, `x^-1 = 1/x`. `erf` is `libm::erf` (statrs' `erf` is only
//! ~1e-10 accurate, DEPS.md). `sign(0) = 0`; `max`/`min` propagate NaN (so that an expression
//! undefined somewhere is detected by the quadrature, not silently clipped).
//!
//! **Limits** (checked before any work, each refusal a one-line error naming the limit):
//! * at most [`MAX_EXPR_LEN`] characters;
//! * nesting depth at most [`MAX_NESTING`] — one level per parenthesis, function call, unary
//!   sign and `^` exponent (the parser recurses once per level, so this bounds its stack);
//! * at most [`MAX_BREAKPOINTS`] kinks in `[-12, 12]` (each one splits the quadrature).
//!
//! A string within these limits parses in time linear in its length, and every later pass
//! (evaluation, kink search, quadrature) is linear in the tree size per point.
//!
//! Evaluation walks the tree: no allocation, no string lookups (it runs ~10^7 times in Monte Carlo).

use crate::error::{Error, Result};
use winnow::ascii::{digit0, digit1, multispace0};
use winnow::combinator::{cut_err, fail, opt};
use winnow::error::{ContextError, ErrMode, ModalResult, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::stream::Stateful;
use winnow::token::{one_of, take_while};

/// Half-width of the interval on which [`Expr::breakpoints`] searches for kinks
/// (the Gaussian mass beyond 12 is < 1e-32, so kinks beyond do not matter for quadrature).
pub const BREAKPOINT_RANGE: f64 = 12.0;

/// Grid step of the sign-change search of [`Expr::breakpoints`]: kinks closer than this to
/// each other may be missed (two sign changes inside one cell cancel).
const BREAKPOINT_GRID_STEP: f64 = 1e-3;

/// Longest accepted expression, in characters. Activations of the literature are < 100
/// characters; 1000 leaves room for generated ones while keeping every pass fast (a
/// 100,000-character sum took > 20 s before this limit).
pub const MAX_EXPR_LEN: usize = 1000;

/// Deepest accepted nesting (parentheses, function calls, unary signs, `^` exponents). The
/// parser recurses once per level; 64 is far beyond hand-written expressions and keeps the
/// recursion (parser, evaluation, drop) well inside a 2 MiB thread stack.
pub const MAX_NESTING: usize = 64;

/// Most kinks (zeros of `abs`/`sign` arguments, crossings of `max`/`min` arguments) accepted in
/// `[-12, 12]`. Each one adds a piece to the tanh-sinh quadrature (about 700 evaluations per
/// coefficient); 200 (e.g. `abs(sin(25*x))` has 191) keeps the worst case to seconds.
pub const MAX_BREAKPOINTS: usize = 200;

/// One-argument functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func1 {
    /// `exp`
    Exp,
    /// natural `log` (NaN for negative arguments)
    Log,
    /// `sqrt` (NaN for negative arguments)
    Sqrt,
    /// `abs`
    Abs,
    /// `sin`
    Sin,
    /// `cos`
    Cos,
    /// `tan`
    Tan,
    /// `tanh`
    Tanh,
    /// `atan`
    Atan,
    /// `erf` (`libm::erf`)
    Erf,
    /// `sign` (0 at 0)
    Sign,
}

/// Two-argument functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func2 {
    /// `max(a, b)`
    Max,
    /// `min(a, b)`
    Min,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
}

/// A node of the expression tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A constant (numbers, `pi`, `e`).
    Const(f64),
    /// The variable `x`.
    X,
    /// Unary minus.
    Neg(Box<Node>),
    /// A binary operation.
    Bin(BinOp, Box<Node>, Box<Node>),
    /// A one-argument function.
    Call1(Func1, Box<Node>),
    /// A two-argument function.
    Call2(Func2, Box<Node>, Box<Node>),
}

#[inline]
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        v // 0 (keeps NaN as NaN)
    }
}

/// `u^v` as [`Node::eval`] computes it: integer exponents up to 64 by `powi` (exact for
/// negative bases, where `powf` gives NaN).
#[inline]
fn pow(u: f64, v: f64) -> f64 {
    if v == v.trunc() && v.abs() <= 64.0 {
        u.powi(v as i32)
    } else {
        u.powf(v)
    }
}

#[inline]
fn apply1(f: Func1, u: f64) -> f64 {
    match f {
        Func1::Exp => u.exp(),
        Func1::Log => u.ln(),
        Func1::Sqrt => u.sqrt(),
        Func1::Abs => u.abs(),
        Func1::Sin => u.sin(),
        Func1::Cos => u.cos(),
        Func1::Tan => u.tan(),
        Func1::Tanh => u.tanh(),
        Func1::Atan => u.atan(),
        Func1::Erf => libm::erf(u),
        Func1::Sign => sign(u),
    }
}

#[inline]
fn apply2(f: Func2, u: f64, v: f64) -> f64 {
    if u.is_nan() || v.is_nan() {
        return f64::NAN;
    }
    match f {
        Func2::Max => u.max(v),
        Func2::Min => u.min(v),
    }
}

#[inline]
fn apply_bin(op: BinOp, u: f64, v: f64) -> f64 {
    match op {
        BinOp::Add => u + v,
        BinOp::Sub => u - v,
        BinOp::Mul => u * v,
        BinOp::Div => u / v,
        BinOp::Pow => pow(u, v),
    }
}

/// A real number as sign and log-magnitude, `sign * exp(ln)`: the evaluation of
/// [`Node::eval_log`] that does not overflow (`exp(x^2)` at `x = 1e3` is `ln = 1e6`).
/// `sign` is -1, 0 or 1 (NaN for an undefined value); zero has `ln = -inf`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogAbs {
    /// -1, 0, 1, or NaN.
    pub sign: f64,
    /// `ln |value|` (`-inf` for 0, `+inf` beyond even this range).
    pub ln: f64,
}

impl LogAbs {
    const NAN: LogAbs = LogAbs {
        sign: f64::NAN,
        ln: f64::NAN,
    };
    const ZERO: LogAbs = LogAbs {
        sign: 0.0,
        ln: f64::NEG_INFINITY,
    };

    /// From an ordinary number.
    pub fn from_f64(v: f64) -> LogAbs {
        if v.is_nan() {
            LogAbs::NAN
        } else if v == 0.0 {
            LogAbs::ZERO
        } else {
            LogAbs {
                sign: v.signum(),
                ln: v.abs().ln(),
            }
        }
    }

    /// The ordinary number (`±inf` when it overflows).
    pub fn to_f64(self) -> f64 {
        if self.sign == 0.0 {
            0.0
        } else {
            self.sign * self.ln.exp()
        }
    }

    /// Undefined (NaN).
    pub fn is_nan(self) -> bool {
        self.sign.is_nan() || self.ln.is_nan()
    }

    /// `self + other`.
    pub fn plus(self, other: LogAbs) -> LogAbs {
        LogAbs::add(self, other)
    }

    fn neg(self) -> LogAbs {
        LogAbs {
            sign: -self.sign,
            ..self
        }
    }

    fn add(a: LogAbs, b: LogAbs) -> LogAbs {
        if a.is_nan() || b.is_nan() {
            return LogAbs::NAN;
        }
        if a.sign == 0.0 {
            return b;
        }
        if b.sign == 0.0 {
            return a;
        }
        let (big, small) = if a.ln >= b.ln { (a, b) } else { (b, a) };
        if big.ln == f64::INFINITY {
            return if small.ln == f64::INFINITY && small.sign != big.sign {
                LogAbs::NAN
            } else {
                big
            };
        }
        let r = (small.ln - big.ln).exp(); // in [0, 1]
        if big.sign == small.sign {
            LogAbs {
                sign: big.sign,
                ln: big.ln + r.ln_1p(),
            }
        } else if r >= 1.0 {
            LogAbs::ZERO
        } else {
            LogAbs {
                sign: big.sign,
                ln: big.ln + (-r).ln_1p(),
            }
        }
    }

    fn mul(a: LogAbs, b: LogAbs) -> LogAbs {
        if a.is_nan() || b.is_nan() {
            return LogAbs::NAN;
        }
        if a.sign == 0.0 || b.sign == 0.0 {
            // 0 * inf is NaN, as in f64.
            return if a.ln == f64::INFINITY || b.ln == f64::INFINITY {
                LogAbs::NAN
            } else {
                LogAbs::ZERO
            };
        }
        LogAbs {
            sign: a.sign * b.sign,
            ln: a.ln + b.ln,
        }
    }

    fn recip(a: LogAbs) -> LogAbs {
        if a.is_nan() {
            return LogAbs::NAN;
        }
        if a.sign == 0.0 {
            return LogAbs {
                sign: 1.0,
                ln: f64::INFINITY,
            };
        }
        if a.ln == f64::INFINITY {
            return LogAbs::ZERO;
        }
        LogAbs {
            sign: a.sign,
            ln: -a.ln,
        }
    }

    fn pow(u: LogAbs, e: f64) -> LogAbs {
        if u.is_nan() || e.is_nan() {
            return LogAbs::NAN;
        }
        if e == 0.0 {
            return LogAbs::from_f64(1.0);
        }
        if u.sign == 0.0 {
            return if e > 0.0 {
                LogAbs::ZERO
            } else {
                LogAbs {
                    sign: 1.0,
                    ln: f64::INFINITY,
                }
            };
        }
        if u.ln == 0.0 {
            // |u| = 1: 1^e = 1, (-1)^e by parity below
            if u.sign > 0.0 {
                return LogAbs::from_f64(1.0);
            }
        }
        let ln = e * u.ln;
        if u.sign > 0.0 {
            return LogAbs { sign: 1.0, ln };
        }
        if e.is_finite() && e == e.trunc() {
            let odd = e.abs() < 9.007_199_254_740_992e15 && (e % 2.0) != 0.0;
            return LogAbs {
                sign: if odd { -1.0 } else { 1.0 },
                ln,
            };
        }
        LogAbs::NAN
    }

    fn greater(a: LogAbs, b: LogAbs) -> bool {
        if a.sign != b.sign {
            return a.sign > b.sign;
        }
        if a.sign > 0.0 {
            a.ln > b.ln
        } else if a.sign < 0.0 {
            a.ln < b.ln
        } else {
            false
        }
    }
}

impl Node {
    /// Evaluates the node at `x`.
    pub fn eval(&self, x: f64) -> f64 {
        match self {
            Node::Const(c) => *c,
            Node::X => x,
            Node::Neg(a) => -a.eval(x),
            Node::Bin(op, a, b) => apply_bin(*op, a.eval(x), b.eval(x)),
            Node::Call1(f, a) => apply1(*f, a.eval(x)),
            Node::Call2(f, a, b) => apply2(*f, a.eval(x), b.eval(x)),
        }
    }

    /// Evaluates the node at `x` in log-magnitude form ([`LogAbs`]): the same function as
    /// [`Node::eval`] where that is finite, and the right size where it overflows (`exp(u)`
    /// keeps `u` as its logarithm; sums are log-sum-exp). Bounded functions (`sin`, `tanh`,
    /// ...) are evaluated in `f64` on their (possibly infinite) argument.
    pub fn eval_log(&self, x: f64) -> LogAbs {
        self.eval_both(x).1
    }

    /// `(eval(x), eval_log(x))` in one pass. Where the plain value is finite and non-zero it
    /// is also the log form (exact exponents for `^`, exact comparisons); elsewhere (overflow,
    /// or a zero that may be an underflow) the log form is combined from the children's.
    fn eval_both(&self, x: f64) -> (f64, LogAbs) {
        let (v, l) = match self {
            Node::Const(c) => return (*c, LogAbs::from_f64(*c)),
            Node::X => return (x, LogAbs::from_f64(x)),
            Node::Neg(a) => {
                let (v, l) = a.eval_both(x);
                (-v, l.neg())
            }
            Node::Bin(op, a, b) => {
                let ((u, lu), (w, lw)) = (a.eval_both(x), b.eval_both(x));
                let v = apply_bin(*op, u, w);
                if v.is_finite() && v != 0.0 {
                    return (v, LogAbs::from_f64(v));
                }
                let l = match op {
                    BinOp::Add => LogAbs::add(lu, lw),
                    BinOp::Sub => LogAbs::add(lu, lw.neg()),
                    BinOp::Mul => LogAbs::mul(lu, lw),
                    BinOp::Div => {
                        if lw.sign == 0.0 && lu.sign == 0.0 {
                            LogAbs::NAN
                        } else {
                            LogAbs::mul(lu, LogAbs::recip(lw))
                        }
                    }
                    BinOp::Pow => {
                        let e = if w.is_finite() { w } else { lw.to_f64() };
                        LogAbs::pow(lu, e)
                    }
                };
                (v, l)
            }
            Node::Call1(f, a) => {
                let (u, lu) = a.eval_both(x);
                let v = apply1(*f, u);
                if v.is_finite() && v != 0.0 {
                    return (v, LogAbs::from_f64(v));
                }
                if lu.is_nan() {
                    return (v, LogAbs::NAN);
                }
                let l = match f {
                    Func1::Exp => {
                        let e = if u.is_finite() { u } else { lu.to_f64() };
                        if e == f64::NEG_INFINITY {
                            LogAbs::ZERO
                        } else {
                            LogAbs { sign: 1.0, ln: e }
                        }
                    }
                    Func1::Log => {
                        if lu.sign > 0.0 {
                            LogAbs::from_f64(lu.ln)
                        } else if lu.sign == 0.0 {
                            LogAbs::from_f64(f64::NEG_INFINITY)
                        } else {
                            LogAbs::NAN
                        }
                    }
                    Func1::Sqrt => {
                        if lu.sign >= 0.0 {
                            LogAbs {
                                sign: lu.sign,
                                ln: 0.5 * lu.ln,
                            }
                        } else {
                            LogAbs::NAN
                        }
                    }
                    Func1::Abs => LogAbs {
                        sign: lu.sign.abs(),
                        ln: lu.ln,
                    },
                    other => LogAbs::from_f64(apply1(*other, lu.to_f64())),
                };
                (v, l)
            }
            Node::Call2(f, a, b) => {
                let ((u, lu), (w, lw)) = (a.eval_both(x), b.eval_both(x));
                let v = apply2(*f, u, w);
                if lu.is_nan() || lw.is_nan() {
                    return (v, LogAbs::NAN);
                }
                let u_wins = match f {
                    Func2::Max => !LogAbs::greater(lw, lu),
                    Func2::Min => !LogAbs::greater(lu, lw),
                };
                (v, if u_wins { lu } else { lw })
            }
        };
        (v, l)
    }

    /// Evaluates the node and, in the same pass, the switch functions of [`Node::switches`]
    /// (same pre-order): `out[i]` gets the `i`-th switch value. One pass costs the tree size,
    /// where evaluating each switch separately costs size x depth.
    fn eval_switches(&self, x: f64, out: &mut [f64], next: &mut usize) -> f64 {
        match self {
            Node::Const(c) => *c,
            Node::X => x,
            Node::Neg(a) => -a.eval_switches(x, out, next),
            Node::Bin(op, a, b) => {
                let u = a.eval_switches(x, out, next);
                let v = b.eval_switches(x, out, next);
                apply_bin(*op, u, v)
            }
            Node::Call1(f, a) => {
                let me = matches!(f, Func1::Abs | Func1::Sign).then(|| {
                    *next += 1;
                    *next - 1
                });
                let u = a.eval_switches(x, out, next);
                if let Some(i) = me {
                    out[i] = u;
                }
                apply1(*f, u)
            }
            Node::Call2(f, a, b) => {
                let me = *next;
                *next += 1;
                let u = a.eval_switches(x, out, next);
                let v = b.eval_switches(x, out, next);
                out[me] = u - v;
                apply2(*f, u, v)
            }
        }
    }

    /// Collects the "switch functions" whose zeros are kinks: arguments of `abs`/`sign`,
    /// differences of the arguments of `max`/`min` (pre-order).
    fn switches<'a>(&'a self, out: &mut Vec<Switch<'a>>) {
        match self {
            Node::Const(_) | Node::X => {}
            Node::Neg(a) => a.switches(out),
            Node::Bin(_, a, b) => {
                a.switches(out);
                b.switches(out);
            }
            Node::Call1(f, a) => {
                if matches!(f, Func1::Abs | Func1::Sign) {
                    out.push(Switch::Zero(a));
                }
                a.switches(out);
            }
            Node::Call2(_, a, b) => {
                out.push(Switch::Cross(a, b));
                a.switches(out);
                b.switches(out);
            }
        }
    }

    /// Whether `x` occurs in the tree.
    pub fn depends_on_x(&self) -> bool {
        match self {
            Node::Const(_) => false,
            Node::X => true,
            Node::Neg(a) | Node::Call1(_, a) => a.depends_on_x(),
            Node::Bin(_, a, b) | Node::Call2(_, a, b) => a.depends_on_x() || b.depends_on_x(),
        }
    }
}

enum Switch<'a> {
    Zero(&'a Node),
    Cross(&'a Node, &'a Node),
}

impl Switch<'_> {
    fn eval(&self, x: f64) -> f64 {
        match self {
            Switch::Zero(a) => a.eval(x),
            Switch::Cross(a, b) => a.eval(x) - b.eval(x),
        }
    }
}

/// A parsed expression in `x`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    src: String,
    root: Node,
    breaks: Vec<f64>,
}

/// Parser state: current nesting depth, and where the limit was first exceeded (bytes of
/// input left at that point).
#[derive(Clone, Copy, Debug, Default)]
struct Depth {
    now: usize,
    exceeded_at_remaining: Option<usize>,
}

type Input<'i> = Stateful<&'i str, Depth>;

impl Expr {
    /// Parses an expression (grammar and limits in the module docs). Errors name the 0-based
    /// position; a refused limit names the limit and the allowed range.
    ///
    /// ```
    /// let e = rmt_verify::expr::Expr::parse("-x^2 + max(x, 0)").unwrap();
    /// assert_eq!(e.eval(2.0), -2.0);
    /// ```
    pub fn parse(src: &str) -> Result<Expr> {
        let chars = src.chars().count();
        if chars > MAX_EXPR_LEN {
            return Err(Error::param(
                "activation expression length",
                format!("{chars} characters"),
                format!("allowed 1..={MAX_EXPR_LEN} characters"),
            ));
        }
        let input = Input {
            input: src,
            state: Depth::default(),
        };
        let root = match full_expr.parse(input) {
            Ok(root) => root,
            Err(e) => {
                if let Some(rem) = e.input().state.exceeded_at_remaining {
                    // The opening token (`(`, a sign or `^`, one byte) was just consumed.
                    let pos = src[..(src.len() - rem).saturating_sub(1)].chars().count();
                    return Err(Error::param(
                        "activation expression nesting depth",
                        format!("> {MAX_NESTING} (at position {pos})"),
                        format!(
                            "allowed 0..={MAX_NESTING} levels of parentheses, function calls, \
                             unary signs and `^` exponents"
                        ),
                    ));
                }
                let off = e.offset().min(src.len());
                let pos = src[..off].chars().count();
                let mut parts: Vec<String> = e.inner().context().map(|c| c.to_string()).collect();
                if parts.is_empty() {
                    parts.push(if off >= src.len() {
                        "unexpected end of expression".into()
                    } else {
                        "expected an operator (+ - * / ^) or the end of the expression".into()
                    });
                }
                let found = src[off..].chars().next();
                let mut msg = parts.join("; ");
                if let Some(c) = found {
                    msg.push_str(&format!(" (found `{}`)", c.escape_debug()));
                }
                return Err(Error::Parse {
                    expr: src.to_string(),
                    pos,
                    msg,
                });
            }
        };
        let breaks = find_breakpoints(&root)?;
        Ok(Expr {
            src: src.to_string(),
            root,
            breaks,
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// The tree.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Evaluates at `x` (NaN where undefined, e.g. `log` of a negative number).
    #[inline]
    pub fn eval(&self, x: f64) -> f64 {
        self.root.eval(x)
    }

    /// Evaluates at `x` without overflow, as sign and log-magnitude ([`Node::eval_log`]).
    pub fn eval_log(&self, x: f64) -> LogAbs {
        self.root.eval_log(x)
    }

    /// Kinks / jumps in `[-12, 12]` (computed once, when parsing): zeros of the arguments of
    /// `abs` and `sign`, and crossings of the two arguments of `max`/`min`; found as sign
    /// changes on a grid of step 1e-3 (plus isolated exact zeros on grid points), refined by
    /// bisection to adjacent doubles; sorted and deduplicated. A switch function that vanishes on a
    /// whole stretch of the grid (`abs(0)`, `max(x, x)`, `sign(max(x, 0))` for `x < 0`) has
    /// no kink there: its zeros are recorded only where isolated.
    pub fn breakpoints(&self) -> Vec<f64> {
        self.breaks.clone()
    }
}

/// The kink search of [`Expr::breakpoints`]; refuses more than [`MAX_BREAKPOINTS`].
fn find_breakpoints(root: &Node) -> Result<Vec<f64>> {
    let mut sw = Vec::new();
    root.switches(&mut sw);
    if sw.is_empty() {
        return Ok(Vec::new());
    }
    let too_many = |found: usize, exact: bool| {
        Error::param(
            "activation break points",
            format!(
                "{found}{} in [-{BREAKPOINT_RANGE}, {BREAKPOINT_RANGE}]",
                if exact { "" } else { " or more" }
            ),
            format!(
                "allowed 0..={MAX_BREAKPOINTS} kinks or jumps (zeros of abs/sign arguments, \
                 crossings of max/min arguments), each one splits the quadrature"
            ),
        )
    };
    let ns = sw.len();
    let m = (2.0 * BREAKPOINT_RANGE / BREAKPOINT_GRID_STEP).round() as usize;
    let grid = |i: usize| -BREAKPOINT_RANGE + 2.0 * BREAKPOINT_RANGE * i as f64 / m as f64;
    let row = |i: usize, out: &mut Vec<f64>| {
        let mut next = 0;
        root.eval_switches(grid(i), out, &mut next);
    };
    // Rows i-1, i, i+1 of switch values.
    let (mut prev, mut cur, mut nxt) = (vec![f64::NAN; ns], vec![0.0; ns], vec![0.0; ns]);
    row(0, &mut cur);
    let mut pts = Vec::new();
    // Raw hits before deduplication: several switches may share a kink, so allow a margin.
    let raw_cap = 4 * MAX_BREAKPOINTS + 16;
    for i in 0..=m {
        if i < m {
            row(i + 1, &mut nxt);
        } else {
            nxt.fill(f64::NAN);
        }
        for j in 0..ns {
            let (g0, g1, g2) = (prev[j], cur[j], nxt[j]);
            if g1 == 0.0 {
                // An isolated zero on a grid point (`abs(x)` at 0); a zero stretch is no kink.
                if g0 != 0.0 && g2 != 0.0 {
                    pts.push(grid(i));
                }
            } else if i > 0
                && g0 != 0.0
                && g0.is_finite()
                && g1.is_finite()
                && (g0 < 0.0) != (g1 < 0.0)
            {
                pts.push(bisect(&sw[j], grid(i - 1), grid(i), g0));
            }
        }
        if pts.len() > raw_cap {
            return Err(too_many(MAX_BREAKPOINTS + 1, false));
        }
        std::mem::swap(&mut prev, &mut cur);
        std::mem::swap(&mut cur, &mut nxt);
    }
    pts.sort_by(f64::total_cmp);
    // Points within a few ulps of each other (the same kink found twice) are merged.
    pts.dedup_by(|a, b| (*a - *b).abs() <= 1e-13 * (1.0 + b.abs()));
    if pts.len() > MAX_BREAKPOINTS {
        return Err(too_many(pts.len(), true));
    }
    Ok(pts)
}

fn bisect(s: &Switch<'_>, mut a: f64, mut b: f64, ga: f64) -> f64 {
    let neg_a = ga < 0.0;
    // Down to adjacent doubles (at most 200 halvings: from the grid step 1e-3 that is below
    // 1e-63), so that a singular point such as `abs(x - 0.00013)^(-0.4)` is hit exactly.
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m <= a || m >= b {
            break;
        }
        let gm = s.eval(m);
        if gm == 0.0 {
            return m;
        }
        if (gm < 0.0) == neg_a {
            a = m;
        } else {
            b = m;
        }
    }
    0.5 * (a + b)
}

// ---------------------------------------------------------------------------------------------
// Parser (winnow).

fn expected(what: &'static str) -> StrContext {
    StrContext::Expected(StrContextValue::Description(what))
}

/// Runs `p` one nesting level deeper; refuses beyond [`MAX_NESTING`] (recorded in the state
/// so that [`Expr::parse`] reports the limit, not a syntax error).
fn nested<'i, O>(
    input: &mut Input<'i>,
    p: impl FnOnce(&mut Input<'i>) -> ModalResult<O>,
) -> ModalResult<O> {
    if input.state.now >= MAX_NESTING {
        if input.state.exceeded_at_remaining.is_none() {
            input.state.exceeded_at_remaining = Some(input.input.len());
        }
        return Err(ErrMode::Cut(ContextError::new()));
    }
    input.state.now += 1;
    let r = p(input);
    input.state.now -= 1;
    r
}

fn full_expr(input: &mut Input<'_>) -> ModalResult<Node> {
    let e = expr(input)?;
    multispace0.parse_next(input)?;
    Ok(e)
}

fn ws<'i, O>(
    mut p: impl Parser<Input<'i>, O, ErrMode<ContextError>>,
) -> impl Parser<Input<'i>, O, ErrMode<ContextError>> {
    move |input: &mut Input<'i>| {
        multispace0.parse_next(input)?;
        p.parse_next(input)
    }
}

fn expr(input: &mut Input<'_>) -> ModalResult<Node> {
    let mut acc = term(input)?;
    while let Some(op) = opt(ws(one_of(['+', '-']))).parse_next(input)? {
        let rhs = cut_err(term).parse_next(input)?;
        let op = if op == '+' { BinOp::Add } else { BinOp::Sub };
        acc = Node::Bin(op, Box::new(acc), Box::new(rhs));
    }
    Ok(acc)
}

fn term(input: &mut Input<'_>) -> ModalResult<Node> {
    let mut acc = unary(input)?;
    while let Some(op) = opt(ws(one_of(['*', '/']))).parse_next(input)? {
        let rhs = cut_err(unary).parse_next(input)?;
        let op = if op == '*' { BinOp::Mul } else { BinOp::Div };
        acc = Node::Bin(op, Box::new(acc), Box::new(rhs));
    }
    Ok(acc)
}

fn unary(input: &mut Input<'_>) -> ModalResult<Node> {
    if let Some(op) = opt(ws(one_of(['-', '+']))).parse_next(input)? {
        let inner = nested(input, |i| cut_err(unary).parse_next(i))?;
        return Ok(if op == '-' {
            Node::Neg(Box::new(inner))
        } else {
            inner
        });
    }
    power(input)
}

fn power(input: &mut Input<'_>) -> ModalResult<Node> {
    let base = atom(input)?;
    if opt(ws('^')).parse_next(input)?.is_some() {
        let exp = nested(input, |i| cut_err(unary).parse_next(i))?;
        return Ok(Node::Bin(BinOp::Pow, Box::new(base), Box::new(exp)));
    }
    Ok(base)
}

fn number(input: &mut Input<'_>) -> ModalResult<f64> {
    let text = (
        winnow::combinator::alt(((digit1, opt(('.', digit0))).void(), ('.', digit1).void())),
        opt((one_of(['e', 'E']), opt(one_of(['+', '-'])), digit1)),
    )
        .take()
        .parse_next(input)?;
    text.parse::<f64>()
        .map_err(|_| ErrMode::Cut(ContextError::new()))
}

fn ident<'i>(input: &mut Input<'i>) -> ModalResult<&'i str> {
    (
        take_while(1, |c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(0.., |c: char| c.is_ascii_alphanumeric() || c == '_'),
    )
        .take()
        .parse_next(input)
}

fn atom(input: &mut Input<'_>) -> ModalResult<Node> {
    multispace0.parse_next(input)?;
    let start = input.input;
    if let Some(v) = opt(number).parse_next(input)? {
        return Ok(Node::Const(v));
    }
    if opt('(').parse_next(input)?.is_some() {
        let e = nested(input, |i| cut_err(expr).parse_next(i))?;
        cut_err(ws(')'))
            .context(expected("`)`"))
            .parse_next(input)?;
        return Ok(e);
    }
    let Some(name) = opt(ident).parse_next(input)? else {
        return cut_err(fail)
            .context(expected("a number, `x`, `pi`, `e`, a function call or `(`"))
            .parse_next(input);
    };
    let f1 = match name {
        "x" => return Ok(Node::X),
        "pi" => return Ok(Node::Const(std::f64::consts::PI)),
        "e" => return Ok(Node::Const(std::f64::consts::E)),
        "exp" => Some(Func1::Exp),
        "log" | "ln" => Some(Func1::Log),
        "sqrt" => Some(Func1::Sqrt),
        "abs" => Some(Func1::Abs),
        "sin" => Some(Func1::Sin),
        "cos" => Some(Func1::Cos),
        "tan" => Some(Func1::Tan),
        "tanh" => Some(Func1::Tanh),
        "atan" => Some(Func1::Atan),
        "erf" => Some(Func1::Erf),
        "sign" => Some(Func1::Sign),
        _ => None,
    };
    let f2 = match name {
        "max" => Some(Func2::Max),
        "min" => Some(Func2::Min),
        _ => None,
    };
    if f1.is_none() && f2.is_none() {
        input.input = start;
        return cut_err(fail)
            .context(expected(
                "`x`, `pi`, `e` or a function (exp log sqrt abs sin cos tan tanh atan erf sign max min); unknown name",
            ))
            .parse_next(input);
    }
    cut_err(ws('('))
        .context(expected("`(` after the function name"))
        .parse_next(input)?;
    nested(input, |input| {
        let a = cut_err(expr).parse_next(input)?;
        let node = if let Some(f) = f1 {
            Node::Call1(f, Box::new(a))
        } else {
            cut_err(ws(','))
                .context(expected("`,` (max and min take two arguments)"))
                .parse_next(input)?;
            let b = cut_err(expr).parse_next(input)?;
            Node::Call2(f2.unwrap_or(Func2::Max), Box::new(a), Box::new(b))
        };
        cut_err(ws(')'))
            .context(expected("`)`"))
            .parse_next(input)?;
        Ok(node)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str, x: f64) -> f64 {
        Expr::parse(s).unwrap().eval(x)
    }

    fn err_pos(s: &str) -> (usize, String) {
        match Expr::parse(s) {
            Err(Error::Parse { pos, msg, .. }) => (pos, msg),
            other => panic!("expected a parse error for {s:?}, got {other:?}"),
        }
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(ev("-x^2", 3.0), -9.0);
        assert_eq!(ev("2^3^2", 0.0), 512.0);
        assert_eq!(ev("1+2*3", 0.0), 7.0);
        assert_eq!(ev("(1+2)*3", 0.0), 9.0);
        assert_eq!(ev("8/4/2", 0.0), 1.0);
        assert_eq!(ev("1-2-3", 0.0), -4.0);
        assert_eq!(ev("x^-1", 4.0), 0.25);
        assert_eq!(ev("2*-x", 3.0), -6.0);
        assert_eq!(ev("1e-3*x", 2.0), 2e-3);
        assert_eq!(ev(".5E+1", 0.0), 5.0);
        assert_eq!(ev(" x * tanh( x ) ", 1.0), 1f64.tanh());
        assert_eq!(ev("pi", 0.0), std::f64::consts::PI);
        assert_eq!(ev("e^x", 1.0), std::f64::consts::E);
        assert_eq!(ev("(-2)^3", 0.0), -8.0);
        assert_eq!(ev("erf(x)", 0.5), libm::erf(0.5));
        assert_eq!(ev("sign(x)", 0.0), 0.0);
        assert_eq!(ev("min(x, 2)", 3.0), 2.0);
        assert!(ev("log(x)", -1.0).is_nan());
        assert!(ev("max(log(x), 0)", -1.0).is_nan());
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(err_pos("x +").0, 3);
        assert_eq!(err_pos("x + * 2").0, 4);
        assert_eq!(err_pos("foo(x)").0, 0);
        assert!(err_pos("foo(x)").1.contains("unknown name"));
        assert_eq!(err_pos("max(x)").0, 5);
        assert!(err_pos("max(x)").1.contains("two arguments"));
        let (p, m) = err_pos("(x+1");
        assert_eq!(p, 4);
        assert!(m.contains("`)`"));
        assert_eq!(err_pos("x x").0, 2);
        assert_eq!(err_pos("exp x").0, 4);
        assert_eq!(err_pos("").0, 0);
    }

    #[test]
    fn max_x_0_is_relu_everywhere() {
        let e = Expr::parse("max(x,0)").unwrap();
        for i in -2000..=2000 {
            let x = i as f64 * 0.01;
            assert_eq!(e.eval(x), x.max(0.0));
        }
        assert_eq!(e.breakpoints(), vec![0.0]);
    }

    #[test]
    fn breakpoints_found_and_refined() {
        let b = Expr::parse("abs(x-1)").unwrap().breakpoints();
        assert_eq!(b.len(), 1);
        assert!((b[0] - 1.0).abs() < 1e-14, "{b:?}");
        assert_eq!(
            Expr::parse("max(x,0.1*x)").unwrap().breakpoints(),
            vec![0.0]
        );
        // Off-grid kink: bisection to ~1e-15.
        let b = Expr::parse("abs(x - 1/3) + sign(x + sqrt(2))")
            .unwrap()
            .breakpoints();
        assert_eq!(b.len(), 2, "{b:?}");
        assert!((b[0] + 2f64.sqrt()).abs() < 1e-14);
        assert!((b[1] - 1.0 / 3.0).abs() < 1e-14);
        assert!(Expr::parse("x*tanh(x)").unwrap().breakpoints().is_empty());
    }

    // Issue 10: a switch that vanishes identically is no kink (was 24001 break points).
    #[test]
    fn identically_zero_switches_have_no_kinks() {
        for s in ["x+abs(0)", "max(x,x)", "min(x, x) + sign(0*x)", "abs(x-x)"] {
            assert!(Expr::parse(s).unwrap().breakpoints().is_empty(), "{s}");
        }
        // A switch that is zero on a half-line: the kink comes from the inner max.
        assert_eq!(
            Expr::parse("sign(max(x,0))").unwrap().breakpoints(),
            vec![0.0]
        );
    }

    // Issue 10: limits are refused up front with the limit's name and range (no stack overflow).
    #[test]
    fn limits_refused_with_their_range() {
        let msg = |s: &str| Expr::parse(s).unwrap_err().to_string();
        let deep = format!("{}x{}", "(".repeat(8000), ")".repeat(8000));
        let m = msg(&deep);
        assert!(m.contains("length") && m.contains("1..=1000"), "{m}");
        let deep = format!("{}x{}", "(".repeat(65), ")".repeat(65));
        let m = msg(&deep);
        assert!(m.contains("nesting depth") && m.contains("0..=64"), "{m}");
        assert!(m.contains("position 64"), "{m}");
        let ok = format!("{}x{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(Expr::parse(&ok).unwrap().eval(2.0), 2.0);
        for s in [
            "-".repeat(65) + "x",
            vec!["x"; 66].join("^"),
            "sin(".repeat(65) + "x" + &")".repeat(65),
        ] {
            assert!(msg(&s).contains("nesting depth"), "{}", msg(&s));
        }
        let m = msg("abs(sin(40*x))");
        assert!(m.contains("break points") && m.contains("0..=200"), "{m}");
    }

    // The log-magnitude evaluation agrees with the plain one where that is finite, and keeps
    // the size where it overflows.
    #[test]
    fn log_evaluation() {
        for s in [
            "x^3 - 2*x + 1",
            "exp(x^2/3 - 5*abs(x))",
            "max(-x, x^2) / (1 + x^2)",
            "(-2)^x",
            "sqrt(abs(x)) * log(abs(x))",
            "tanh(x) - x^-2",
        ] {
            let e = Expr::parse(s).unwrap();
            for x in [-7.5, -2.0, -0.3, 0.7, 3.0, 11.0] {
                let v = e.eval(x);
                let l = e.eval_log(x).to_f64();
                // log-sum-exp and exp(ln) each round: a few ulps, times the cancellation of
                // the sum (at most ~1e3 here).
                assert!(
                    (l - v).abs() <= 1e-12 * v.abs().max(1.0) || (v.is_nan() && l.is_nan()),
                    "{s} at {x}: {l} vs {v}"
                );
            }
        }
        let e = Expr::parse("exp(x^2/3 - 50*abs(x))").unwrap();
        let l = e.eval_log(1e3);
        assert_eq!(l.sign, 1.0);
        assert!((l.ln - (1e6 / 3.0 - 5e4)).abs() < 1e-6, "{l:?}");
        assert!(e.eval(1e3).is_infinite());
    }
}
