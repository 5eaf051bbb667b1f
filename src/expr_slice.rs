//! A user expression compiled once into a slice evaluator: a postfix program whose every
//! instruction maps a whole chunk of arguments at once (a small stack machine over `[f64]`
//! buffers), instead of walking the tree once per element ([`crate::expr::Node::eval`]).
//!
//! Each instruction applies to every element exactly the floating-point operation the tree walk
//! applies (same functions, same `powi`/`powf` choice, same NaN rule of `max`/`min`), in the same
//! order, with ONE exception: `tanh` is the branch-free `tanh_fast` of the Monte Carlo kernel
//! (within 1e-15 absolute and 8 eps relative of `f64::tanh`, as for the built-in `tanh` there;
//! `tanh_fast_matches_std` in `src/monte_carlo/kernel.rs`), because the libm call dominated the
//! cost of expressions such as `x*tanh(x)`. So the result is bit-identical to
//! [`crate::expr::Expr::eval`] for expressions without `tanh`, and to the same tree walk with
//! `tanh -> tanh_fast` for all (tested on random expressions below). What is gained: the `match`
//! on the node runs once per chunk, not once per element, the element loops of `+ - * /`, `abs`,
//! `max` and `tanh` vectorize, and `tanh` costs a polynomial instead of a libm call.

use crate::expr::{BinOp, Func1, Func2, Node};

/// Elements per chunk: the stack buffers (`depth x CHUNK` doubles) stay in L1.
pub const CHUNK: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    /// Push a constant.
    Const(f64),
    /// Push the argument.
    X,
    /// Negate the top.
    Neg,
    /// Pop `b`, apply to the new top `a`: `a op b`.
    Bin(BinOp),
    /// Pop `b`, `a op b` with a constant `b` (a frequent case: `x^2`, `2*x`, ...).
    BinConstR(BinOp, f64),
    /// Apply to the top.
    Call1(Func1),
    /// Pop `b`, apply to `(a, b)`.
    Call2(Func2),
}

/// An expression compiled into a postfix program over chunks (see the module docs).
#[derive(Clone, Debug)]
pub struct SliceExpr {
    ops: Vec<Op>,
    depth: usize,
}

#[inline(always)]
fn bin(op: BinOp, u: f64, v: f64) -> f64 {
    match op {
        BinOp::Add => u + v,
        BinOp::Sub => u - v,
        BinOp::Mul => u * v,
        BinOp::Div => u / v,
        // As `Node::eval`: integer powers by powi (exact for negative bases).
        BinOp::Pow => {
            if v == v.trunc() && v.abs() <= 64.0 {
                u.powi(v as i32)
            } else {
                u.powf(v)
            }
        }
    }
}

#[inline(always)]
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        v
    }
}

/// Applies `f` to every element of `a` (a separate loop per function, so simple ones vectorize).
#[inline(always)]
fn map1(a: &mut [f64], f: impl Fn(f64) -> f64) {
    for v in a {
        *v = f(*v);
    }
}

#[inline(always)]
fn map2(a: &mut [f64], b: &[f64], f: impl Fn(f64, f64) -> f64) {
    for (u, &v) in a.iter_mut().zip(b) {
        *u = f(*u, v);
    }
}

fn compile(node: &Node, ops: &mut Vec<Op>, depth: &mut usize, max: &mut usize) {
    let push = |d: &mut usize, m: &mut usize| {
        *d += 1;
        *m = (*m).max(*d);
    };
    match node {
        Node::Const(c) => {
            ops.push(Op::Const(*c));
            push(depth, max);
        }
        Node::X => {
            ops.push(Op::X);
            push(depth, max);
        }
        Node::Neg(a) => {
            compile(a, ops, depth, max);
            ops.push(Op::Neg);
        }
        Node::Bin(op, a, b) => {
            compile(a, ops, depth, max);
            if let Node::Const(c) = **b {
                ops.push(Op::BinConstR(*op, c));
            } else {
                compile(b, ops, depth, max);
                ops.push(Op::Bin(*op));
                *depth -= 1;
            }
        }
        Node::Call1(f, a) => {
            compile(a, ops, depth, max);
            ops.push(Op::Call1(*f));
        }
        Node::Call2(f, a, b) => {
            compile(a, ops, depth, max);
            compile(b, ops, depth, max);
            ops.push(Op::Call2(*f));
            *depth -= 1;
        }
    }
}

impl SliceExpr {
    /// Compiles the tree (once; evaluation then allocates nothing but its stack buffers).
    pub fn new(root: &Node) -> SliceExpr {
        let mut ops = Vec::new();
        let (mut depth, mut max) = (0, 0);
        compile(root, &mut ops, &mut depth, &mut max);
        debug_assert_eq!(depth, 1);
        SliceExpr { ops, depth: max }
    }

    /// Stack buffers needed by [`SliceExpr::eval_in_place_with`] (`depth * CHUNK` doubles).
    pub fn scratch_len(&self) -> usize {
        self.depth * CHUNK
    }

    /// `xs[i] = f(xs[i])` for every `i`, bit-identical to `Expr::eval` element by element.
    pub fn eval_in_place(&self, xs: &mut [f64]) {
        let mut scratch = vec![0.0; self.scratch_len()];
        self.eval_in_place_with(xs, &mut scratch);
    }

    /// [`SliceExpr::eval_in_place`] with caller-provided stack buffers (at least
    /// [`SliceExpr::scratch_len`] doubles).
    pub fn eval_in_place_with(&self, xs: &mut [f64], scratch: &mut [f64]) {
        assert!(scratch.len() >= self.scratch_len());
        for chunk in xs.chunks_mut(CHUNK) {
            let len = chunk.len();
            let mut sp = 0usize;
            for op in &self.ops {
                match *op {
                    Op::Const(c) => {
                        scratch[sp * CHUNK..sp * CHUNK + len].fill(c);
                        sp += 1;
                    }
                    Op::X => {
                        scratch[sp * CHUNK..sp * CHUNK + len].copy_from_slice(chunk);
                        sp += 1;
                    }
                    Op::Neg => map1(&mut scratch[(sp - 1) * CHUNK..][..len], |u| -u),
                    Op::BinConstR(o, c) => {
                        let a = &mut scratch[(sp - 1) * CHUNK..][..len];
                        match o {
                            BinOp::Add => map1(a, |u| u + c),
                            BinOp::Sub => map1(a, |u| u - c),
                            BinOp::Mul => map1(a, |u| u * c),
                            BinOp::Div => map1(a, |u| u / c),
                            BinOp::Pow if c == c.trunc() && c.abs() <= 64.0 => {
                                let k = c as i32;
                                map1(a, |u| u.powi(k))
                            }
                            BinOp::Pow => map1(a, |u| u.powf(c)),
                        }
                    }
                    Op::Bin(o) => {
                        sp -= 1;
                        let (lo, hi) = scratch.split_at_mut(sp * CHUNK);
                        let a = &mut lo[(sp - 1) * CHUNK..][..len];
                        let b = &hi[..len];
                        match o {
                            BinOp::Add => map2(a, b, |u, v| u + v),
                            BinOp::Sub => map2(a, b, |u, v| u - v),
                            BinOp::Mul => map2(a, b, |u, v| u * v),
                            BinOp::Div => map2(a, b, |u, v| u / v),
                            BinOp::Pow => map2(a, b, |u, v| bin(BinOp::Pow, u, v)),
                        }
                    }
                    Op::Call1(f) => {
                        let a = &mut scratch[(sp - 1) * CHUNK..][..len];
                        match f {
                            Func1::Exp => map1(a, f64::exp),
                            Func1::Log => map1(a, f64::ln),
                            Func1::Sqrt => map1(a, f64::sqrt),
                            Func1::Abs => map1(a, f64::abs),
                            Func1::Sin => map1(a, f64::sin),
                            Func1::Cos => map1(a, f64::cos),
                            Func1::Tan => map1(a, f64::tan),
                            Func1::Tanh => map1(a, crate::monte_carlo::tanh_fast),
                            Func1::Atan => map1(a, f64::atan),
                            Func1::Erf => map1(a, libm::erf),
                            Func1::Sign => map1(a, sign),
                        }
                    }
                    Op::Call2(f) => {
                        sp -= 1;
                        let (lo, hi) = scratch.split_at_mut(sp * CHUNK);
                        let a = &mut lo[(sp - 1) * CHUNK..][..len];
                        let b = &hi[..len];
                        // As `Node::eval`: NaN in either argument gives NaN.
                        match f {
                            Func2::Max => map2(a, b, |u, v| {
                                if u.is_nan() || v.is_nan() {
                                    f64::NAN
                                } else {
                                    u.max(v)
                                }
                            }),
                            Func2::Min => map2(a, b, |u, v| {
                                if u.is_nan() || v.is_nan() {
                                    f64::NAN
                                } else {
                                    u.min(v)
                                }
                            }),
                        }
                    }
                }
            }
            debug_assert_eq!(sp, 1);
            chunk.copy_from_slice(&scratch[..len]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Expr;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A random expression source of depth at most `d`.
    fn random_src(rng: &mut ChaCha8Rng, d: usize) -> String {
        let leaf = |rng: &mut ChaCha8Rng| match rng.random_range(0..4) {
            0 => format!("{}", rng.random_range(-3.0..3.0f64)),
            1 => format!("{}", rng.random_range(-4..5i32)),
            _ => "x".to_string(),
        };
        if d == 0 {
            return leaf(rng);
        }
        let f1 = [
            "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "atan", "erf", "sign",
        ];
        match rng.random_range(0..9) {
            0 => leaf(rng),
            1 => format!("-({})", random_src(rng, d - 1)),
            2..=5 => {
                let op = ["+", "-", "*", "/", "^"][rng.random_range(0..5)];
                format!(
                    "({}){op}({})",
                    random_src(rng, d - 1),
                    random_src(rng, d - 1)
                )
            }
            6 | 7 => format!(
                "{}({})",
                f1[rng.random_range(0..f1.len())],
                random_src(rng, d - 1)
            ),
            _ => format!(
                "{}({}, {})",
                ["max", "min"][rng.random_range(0..2)],
                random_src(rng, d - 1),
                random_src(rng, d - 1)
            ),
        }
    }

    /// `Node::eval` with `tanh -> tanh_fast` (the slice evaluator's one substitution).
    fn walk(n: &Node, x: f64) -> f64 {
        match n {
            Node::Call1(Func1::Tanh, a) => crate::monte_carlo::tanh_fast(walk(a, x)),
            Node::Const(c) => *c,
            Node::X => x,
            Node::Neg(a) => -walk(a, x),
            Node::Bin(op, a, b) => bin(*op, walk(a, x), walk(b, x)),
            Node::Call1(f, a) => Node::Call1(*f, Box::new(Node::Const(walk(a, x)))).eval(x),
            Node::Call2(f, a, b) => Node::Call2(
                *f,
                Box::new(Node::Const(walk(a, x))),
                Box::new(Node::Const(walk(b, x))),
            )
            .eval(x),
        }
    }

    #[test]
    fn slice_evaluation_is_bit_identical_to_the_tree_walk() {
        // Bit-identical (NaN payloads aside: any NaN matches any NaN), on 400 random expressions
        // over arguments that include specials, and lengths that leave a ragged last chunk.
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        let mut xs: Vec<f64> = (0..CHUNK * 3 + 17)
            .map(|_| rng.random_range(-6.0..6.0))
            .collect();
        xs.extend([
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            1e-300,
            700.0,
        ]);
        let mut srcs: Vec<String> = (0..400).map(|_| random_src(&mut rng, 4)).collect();
        srcs.extend(
            [
                "x*tanh(x)",
                "max(x,0.1*x)",
                "x^2-1",
                "2^x",
                "x^-1",
                "(-2)^x",
                "x^0.5",
            ]
            .map(String::from),
        );
        for s in &srcs {
            let e = Expr::parse(s).unwrap_or_else(|err| panic!("{s}: {err}"));
            let c = SliceExpr::new(e.root());
            let mut ys = xs.clone();
            c.eval_in_place(&mut ys);
            let has_tanh = s.contains("tanh");
            for (&x, &y) in xs.iter().zip(&ys) {
                let t = walk(e.root(), x);
                assert!(
                    t.to_bits() == y.to_bits() || (t.is_nan() && y.is_nan()),
                    "{s} at {x}: tree {t:e}, slice {y:e}"
                );
                // Without tanh, the tree walk of the parser's own `Expr::eval`, bit for bit.
                if !has_tanh {
                    let t = e.eval(x);
                    assert!(t.to_bits() == y.to_bits() || (t.is_nan() && y.is_nan()));
                }
            }
        }
    }
}
