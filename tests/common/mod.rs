//! Random activation expressions for the property tests (`tests/properties.rs`) and the stable
//! fuzz driver (`tests/fuzz_stable.rs`): a tree, its rendering in the grammar of
//! `src/expr.rs` (minimal parentheses, so precedence is exercised), and an independent
//! reference evaluation of the tree.

#![allow(dead_code)] // each test file uses a part

use proptest::prelude::*;

/// An expression tree, independent of the library's `Node`.
#[derive(Clone, Debug)]
pub enum T {
    /// A non-negative constant (negatives are `Neg(C)`).
    C(f64),
    /// `x`.
    X,
    /// `-a`.
    Neg(Box<T>),
    /// `a op b`, `op` in `+ - * / ^`.
    Bin(char, Box<T>, Box<T>),
    /// `f(a)`.
    F1(&'static str, Box<T>),
    /// `max(a, b)` / `min(a, b)`.
    F2(&'static str, Box<T>, Box<T>),
}

/// One-argument functions of the grammar.
pub const FUNCS1: [&str; 11] = [
    "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "atan", "erf", "sign",
];

fn pow(u: f64, v: f64) -> f64 {
    if v == v.trunc() && v.abs() <= 64.0 {
        u.powi(v as i32)
    } else {
        u.powf(v)
    }
}

impl T {
    /// Reference evaluation (the documented semantics: integer powers up to 64 by `powi`,
    /// `sign(0) = 0`, `max`/`min` propagate NaN, `erf` from libm).
    pub fn eval(&self, x: f64) -> f64 {
        match self {
            T::C(c) => *c,
            T::X => x,
            T::Neg(a) => -a.eval(x),
            T::Bin(op, a, b) => {
                let (u, v) = (a.eval(x), b.eval(x));
                match op {
                    '+' => u + v,
                    '-' => u - v,
                    '*' => u * v,
                    '/' => u / v,
                    _ => pow(u, v),
                }
            }
            T::F1(f, a) => {
                let u = a.eval(x);
                match *f {
                    "exp" => u.exp(),
                    "log" => u.ln(),
                    "sqrt" => u.sqrt(),
                    "abs" => u.abs(),
                    "sin" => u.sin(),
                    "cos" => u.cos(),
                    "tan" => u.tan(),
                    "tanh" => u.tanh(),
                    "atan" => u.atan(),
                    "erf" => libm::erf(u),
                    _ => {
                        if u > 0.0 {
                            1.0
                        } else if u < 0.0 {
                            -1.0
                        } else {
                            u
                        }
                    }
                }
            }
            T::F2(f, a, b) => {
                let (u, v) = (a.eval(x), b.eval(x));
                if u.is_nan() || v.is_nan() {
                    f64::NAN
                } else if *f == "max" {
                    u.max(v)
                } else {
                    u.min(v)
                }
            }
        }
    }

    /// Binding strength: sums 1, products 2, unary minus 3, powers 4, atoms 5.
    fn prec(&self) -> u8 {
        match self {
            T::Bin('+' | '-', ..) => 1,
            T::Bin('*' | '/', ..) => 2,
            T::Neg(_) => 3,
            T::Bin(..) => 4,
            _ => 5,
        }
    }

    /// Rendering with the fewest parentheses the grammar needs (`-x^2 = -(x^2)`, `^` right
    /// associative with an atom base and a unary exponent, `+ - * /` left associative).
    pub fn render(&self) -> String {
        let wrap = |t: &T, need: bool| {
            if need {
                format!("({})", t.render())
            } else {
                t.render()
            }
        };
        match self {
            T::C(c) => format!("{c:?}"),
            T::X => "x".into(),
            T::Neg(a) => format!("-{}", wrap(a, a.prec() < 3)),
            T::Bin(op @ ('+' | '-'), a, b) => {
                format!("{}{op}{}", wrap(a, a.prec() < 1), wrap(b, b.prec() <= 1))
            }
            T::Bin(op @ ('*' | '/'), a, b) => {
                format!("{}{op}{}", wrap(a, a.prec() < 2), wrap(b, b.prec() <= 2))
            }
            T::Bin(_, a, b) => format!("{}^{}", wrap(a, a.prec() < 5), wrap(b, b.prec() < 3)),
            T::F1(f, a) => format!("{f}({})", a.render()),
            T::F2(f, a, b) => format!("{f}({}, {})", a.render(), b.render()),
        }
    }
}

/// Random trees: constants (a few special values and uniform in [0, 10]) and `x` at the
/// leaves, up to `depth` levels of operators and calls.
pub fn tree(depth: u32) -> impl Strategy<Value = T> {
    let leaf = prop_oneof![
        3 => Just(T::X),
        1 => prop::sample::select(vec![0.0, 0.5, 1.0, 2.0, 3.0, 1e-3, 64.0, 65.0])
            .prop_map(T::C),
        1 => (0.0f64..10.0).prop_map(T::C),
    ];
    leaf.prop_recursive(depth, 32, 2, |inner| {
        prop_oneof![
            1 => inner.clone().prop_map(|a| T::Neg(Box::new(a))),
            4 => (
                prop::sample::select(vec!['+', '-', '*', '/', '^']),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, a, b)| T::Bin(op, Box::new(a), Box::new(b))),
            3 => (prop::sample::select(FUNCS1.to_vec()), inner.clone())
                .prop_map(|(f, a)| T::F1(f, Box::new(a))),
            1 => (prop::sample::select(vec!["max", "min"]), inner.clone(), inner)
                .prop_map(|(f, a, b)| T::F2(f, Box::new(a), Box::new(b))),
        ]
    })
}

/// Strings near the grammar: a rendered tree with some characters replaced, deleted or
/// inserted (from the grammar's alphabet and a few others), for error paths.
pub fn mangled(depth: u32) -> impl Strategy<Value = String> {
    (
        tree(depth),
        prop::collection::vec(
            (
                0usize..4,
                any::<prop::sample::Index>(),
                prop::sample::select(vec![
                    '(', ')', ',', '-', '+', '^', '*', '/', 'x', 'e', '.', '9', ' ', 'é', '\u{0}',
                ]),
            ),
            0..4,
        ),
    )
        .prop_map(|(t, edits)| {
            let mut s: Vec<char> = t.render().chars().collect();
            for (kind, at, ch) in edits {
                let i = at.index(s.len() + 1);
                match kind {
                    0 if i < s.len() => {
                        s.remove(i);
                    }
                    1 if i < s.len() => s[i] = ch,
                    _ => s.insert(i, ch),
                }
            }
            s.into_iter().collect()
        })
}
