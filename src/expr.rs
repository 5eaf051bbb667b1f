//! User activation expressions in `x`: parsing (with `winnow`) into an AST, fast evaluation,
//! and the kinks of `abs`, `sign`, `max`, `min` for quadrature.
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
//! Evaluation walks the tree: no allocation, no string lookups (it runs ~10^7 times in Monte Carlo).

use crate::error::{Error, Result};
use winnow::ascii::{digit0, digit1, multispace0};
use winnow::combinator::{cut_err, fail, opt};
use winnow::error::{ContextError, ErrMode, ModalResult, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::token::{one_of, take_while};

/// Half-width of the interval on which [`Expr::breakpoints`] searches for kinks
/// (the Gaussian mass beyond 12 is < 1e-32, so kinks beyond do not matter for quadrature).
pub const BREAKPOINT_RANGE: f64 = 12.0;

/// Grid step of the sign-change search of [`Expr::breakpoints`]: kinks closer than this to
/// each other may be missed (two sign changes inside one cell cancel).
const BREAKPOINT_GRID_STEP: f64 = 1e-3;

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

impl Node {
    /// Evaluates the node at `x`.
    pub fn eval(&self, x: f64) -> f64 {
        match self {
            Node::Const(c) => *c,
            Node::X => x,
            Node::Neg(a) => -a.eval(x),
            Node::Bin(op, a, b) => {
                let (u, v) = (a.eval(x), b.eval(x));
                match op {
                    BinOp::Add => u + v,
                    BinOp::Sub => u - v,
                    BinOp::Mul => u * v,
                    BinOp::Div => u / v,
                    BinOp::Pow => {
                        // Integer powers by powi: exact for negative bases (powf gives NaN there).
                        if v == v.trunc() && v.abs() <= 64.0 {
                            u.powi(v as i32)
                        } else {
                            u.powf(v)
                        }
                    }
                }
            }
            Node::Call1(f, a) => {
                let u = a.eval(x);
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
            Node::Call2(f, a, b) => {
                let (u, v) = (a.eval(x), b.eval(x));
                if u.is_nan() || v.is_nan() {
                    return f64::NAN;
                }
                match f {
                    Func2::Max => u.max(v),
                    Func2::Min => u.min(v),
                }
            }
        }
    }

    /// Collects the "switch functions" whose zeros are kinks: arguments of `abs`/`sign`,
    /// differences of the arguments of `max`/`min`.
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
}

impl Expr {
    /// Parses an expression (grammar in the module docs). Errors name the 0-based position.
    ///
    /// ```
    /// let e = rmt_verify::expr::Expr::parse("-x^2 + max(x, 0)").unwrap();
    /// assert_eq!(e.eval(2.0), -2.0);
    /// ```
    pub fn parse(src: &str) -> Result<Expr> {
        match full_expr.parse(src) {
            Ok(root) => Ok(Expr {
                src: src.to_string(),
                root,
            }),
            Err(e) => {
                let pos = src[..e.offset().min(src.len())].chars().count();
                let mut parts: Vec<String> = e.inner().context().map(|c| c.to_string()).collect();
                if parts.is_empty() {
                    parts.push(if e.offset() >= src.len() {
                        "unexpected end of expression".into()
                    } else {
                        "expected an operator (+ - * / ^) or the end of the expression".into()
                    });
                }
                let found = src[e.offset().min(src.len())..].chars().next();
                let mut msg = parts.join("; ");
                if let Some(c) = found {
                    msg.push_str(&format!(" (found `{c}`)"));
                }
                Err(Error::Parse {
                    expr: src.to_string(),
                    pos,
                    msg,
                })
            }
        }
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

    /// Kinks / jumps in `[-12, 12]`: zeros of the arguments of `abs` and `sign`, and crossings
    /// of the two arguments of `max`/`min`; found as sign changes on a grid of step 1e-3 (plus
    /// exact zeros on grid points), refined by bisection to ~1e-15; sorted and deduplicated.
    pub fn breakpoints(&self) -> Vec<f64> {
        let mut sw = Vec::new();
        self.root.switches(&mut sw);
        let mut pts = Vec::new();
        let m = (2.0 * BREAKPOINT_RANGE / BREAKPOINT_GRID_STEP).round() as usize;
        for s in &sw {
            let grid = |i: usize| -BREAKPOINT_RANGE + 2.0 * BREAKPOINT_RANGE * i as f64 / m as f64;
            let mut x0 = grid(0);
            let mut g0 = s.eval(x0);
            if g0 == 0.0 {
                pts.push(x0);
            }
            for i in 1..=m {
                let x1 = grid(i);
                let g1 = s.eval(x1);
                if g1 == 0.0 {
                    pts.push(x1);
                } else if g0 != 0.0 && g0.is_finite() && g1.is_finite() && (g0 < 0.0) != (g1 < 0.0)
                {
                    pts.push(bisect(s, x0, x1, g0));
                }
                x0 = x1;
                g0 = g1;
            }
        }
        pts.sort_by(f64::total_cmp);
        // Points within a few ulps of each other (the same kink found twice) are merged.
        pts.dedup_by(|a, b| (*a - *b).abs() <= 1e-13 * (1.0 + b.abs()));
        pts
    }
}

fn bisect(s: &Switch<'_>, mut a: f64, mut b: f64, ga: f64) -> f64 {
    let neg_a = ga < 0.0;
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m <= a || m >= b || (b - a) <= 1e-15 * (1.0 + a.abs()) {
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

fn full_expr(input: &mut &str) -> ModalResult<Node> {
    let e = expr(input)?;
    multispace0.parse_next(input)?;
    Ok(e)
}

fn ws<'i, O>(
    mut p: impl Parser<&'i str, O, ErrMode<ContextError>>,
) -> impl Parser<&'i str, O, ErrMode<ContextError>> {
    move |input: &mut &'i str| {
        multispace0.parse_next(input)?;
        p.parse_next(input)
    }
}

fn expr(input: &mut &str) -> ModalResult<Node> {
    let mut acc = term(input)?;
    while let Some(op) = opt(ws(one_of(['+', '-']))).parse_next(input)? {
        let rhs = cut_err(term).parse_next(input)?;
        let op = if op == '+' { BinOp::Add } else { BinOp::Sub };
        acc = Node::Bin(op, Box::new(acc), Box::new(rhs));
    }
    Ok(acc)
}

fn term(input: &mut &str) -> ModalResult<Node> {
    let mut acc = unary(input)?;
    while let Some(op) = opt(ws(one_of(['*', '/']))).parse_next(input)? {
        let rhs = cut_err(unary).parse_next(input)?;
        let op = if op == '*' { BinOp::Mul } else { BinOp::Div };
        acc = Node::Bin(op, Box::new(acc), Box::new(rhs));
    }
    Ok(acc)
}

fn unary(input: &mut &str) -> ModalResult<Node> {
    if let Some(op) = opt(ws(one_of(['-', '+']))).parse_next(input)? {
        let inner = cut_err(unary).parse_next(input)?;
        return Ok(if op == '-' {
            Node::Neg(Box::new(inner))
        } else {
            inner
        });
    }
    power(input)
}

fn power(input: &mut &str) -> ModalResult<Node> {
    let base = atom(input)?;
    if opt(ws('^')).parse_next(input)?.is_some() {
        let exp = cut_err(unary).parse_next(input)?;
        return Ok(Node::Bin(BinOp::Pow, Box::new(base), Box::new(exp)));
    }
    Ok(base)
}

fn number(input: &mut &str) -> ModalResult<f64> {
    let text = (
        winnow::combinator::alt(((digit1, opt(('.', digit0))).void(), ('.', digit1).void())),
        opt((one_of(['e', 'E']), opt(one_of(['+', '-'])), digit1)),
    )
        .take()
        .parse_next(input)?;
    text.parse::<f64>()
        .map_err(|_| ErrMode::Cut(ContextError::new()))
}

fn ident<'i>(input: &mut &'i str) -> ModalResult<&'i str> {
    (
        take_while(1, |c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(0.., |c: char| c.is_ascii_alphanumeric() || c == '_'),
    )
        .take()
        .parse_next(input)
}

fn atom(input: &mut &str) -> ModalResult<Node> {
    multispace0.parse_next(input)?;
    let start = *input;
    if let Some(v) = opt(number).parse_next(input)? {
        return Ok(Node::Const(v));
    }
    if opt('(').parse_next(input)?.is_some() {
        let e = cut_err(expr).parse_next(input)?;
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
        *input = start;
        return cut_err(fail)
            .context(expected(
                "`x`, `pi`, `e` or a function (exp log sqrt abs sin cos tan tanh atan erf sign max min); unknown name",
            ))
            .parse_next(input);
    }
    cut_err(ws('('))
        .context(expected("`(` after the function name"))
        .parse_next(input)?;
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
}
