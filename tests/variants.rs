//! Deterministic equivalents of the model variants (`docs/variants.md`): the reference values
//! of `docs/variants.md §6` reproduced to 1e-8 (they carry ~1e-10 derivative error from the
//! finite differences of the reference implementation, so 1e-8 absolute is two orders above the
//! reference's own accuracy and far below any physical effect), and the invariants that tie the
//! variants to the base pencil.

use rmt_verify::model::{Diag, Geometry, ModelKind, ModelSpec, Normalize, SoftmaxSide};
use rmt_verify::theory::correlated::{ar1_modes, attention_ar1_model, ridge_ar1_path};
use rmt_verify::theory::modes::ModeModel;
use rmt_verify::theory::variants::{
    skip_params, softmax_masked_params, softmax_unmasked_model, SoftmaxMap,
};
use rmt_verify::theory::{
    attention_path, model_path, model_path_at, ridge_point, AttentionParams, Dims,
};
use rmt_verify::Activation;

/// Reference accuracy (see the module doc).
const REF_TOL: f64 = 1e-8;

const TANH_A1: f64 = 0.605_705_509_602_158_9;
const TANH_NU: f64 = 0.394_294_490_397_841_1;

fn relu_nu() -> f64 {
    0.5 - 1.0 / (2.0 * std::f64::consts::PI)
}

/// `(w_K, w_Q)` of the reference geometries: none, aligned `e1, e1`, mismatch `e1, e2`.
fn w(name: &str) -> ([f64; 3], [f64; 3]) {
    match name {
        "none" => ([0.0; 3], [0.0; 3]),
        "aligned" => ([1.0, 0.0, 0.0], [1.0, 0.0, 0.0]),
        "mismatch" => ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        _ => unreachable!(),
    }
}

fn softmax_spec(beta: f64, snr: f64, geom: &str, masked: bool, side: SoftmaxSide) -> ModelSpec {
    let (wk, wq) = w(geom);
    let mut s = ModelSpec::single_head(
        ModelKind::Attention,
        Activation::parse("tanh").unwrap(),
        snr,
        &wk,
        &wq,
        Diag::Zero,
    )
    .unwrap();
    s.heads[0].activation = None;
    s.attention.normalize = Normalize::Softmax;
    s.attention.beta = beta;
    s.attention.masked = masked;
    s.attention.softmax_side = side;
    s.validate().unwrap();
    s
}

fn geometry(snr: f64, geom: &str) -> Geometry {
    let (wk, wq) = w(geom);
    AttentionParams::new(0.5, snr, wk, wq, 0.5, 0.5, -0.5)
        .unwrap()
        .geometry
}

fn e_attention(p: &AttentionParams, gamma: f64) -> f64 {
    attention_path(p, &[gamma]).unwrap()[0].e
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.12}, want {want:.12} (diff {:.2e})",
        (got - want).abs()
    );
}

#[test]
fn base_model_through_the_mode_pencil() {
    // docs/variants.md §6: base E_A and y^T Q y / n, tanh, gamma = 0.1, c = 0.25, snr = 1, aligned.
    let m = ModeModel::one_mode(
        0.25,
        TANH_A1,
        TANH_NU,
        -TANH_A1,
        0.0,
        1.0,
        geometry(1.0, "aligned"),
    );
    let pt = m.path(&[0.1]).unwrap()[0].clone();
    close(pt.e, 0.385_614_004_7, REF_TOL, "base E_A");
    close(pt.yqy, 3.963_794_014_7, REF_TOL, "base yQy");
}

#[test]
fn masked_softmax_reference_values() {
    // (gamma_base, c, beta, snr, w, p, limit, +mask correction), Phi = X A^T (W^T)
    let rows = [
        (
            0.1,
            0.25,
            0.5,
            1.0,
            "aligned",
            128,
            0.387_197_149_8,
            0.389_133_976_9,
        ),
        (
            0.01,
            1.0,
            1.0,
            1.0,
            "none",
            512,
            0.074_945_863_5,
            0.074_097_175_3,
        ),
        (
            1.0,
            0.25,
            1.5,
            0.0,
            "none",
            128,
            0.751_230_395_9,
            0.751_241_313_6,
        ),
        (
            0.1,
            0.5,
            1.0,
            1.0,
            "mismatch",
            256,
            0.291_653_259_6,
            0.291_716_848_0,
        ),
    ];
    for (gb, c, beta, snr, geom, p, limit, corr) in rows {
        let n = (p as f64 / c).round() as usize;
        let spec = softmax_spec(beta, snr, geom, true, SoftmaxSide::Transpose);
        let lim = softmax_masked_params(
            &spec,
            n,
            p,
            SoftmaxMap {
                mask_correction: false,
                ..SoftmaxMap::default()
            },
        )
        .unwrap();
        close(e_attention(&lim, gb), limit, REF_TOL, "masked limit");
        let par = softmax_masked_params(&spec, n, p, SoftmaxMap::default()).unwrap();
        close(e_attention(&par, gb), corr, REF_TOL, "masked + mask corr.");
        // The same through the dispatch, in the model's own gamma.
        let gsm = gb * p as f64 / ((n - 1) * (n - 1)) as f64;
        let pt = model_path_at(&spec, Dims::Sizes { n, p }, &[gsm]).unwrap();
        close(pt[0].e, corr, REF_TOL, "masked via model_path_at");
    }
    // Phi = X A: W instead of W^T (limit, no mask correction).
    let spec = softmax_spec(1.0, 1.0, "mismatch", true, SoftmaxSide::Plain);
    let par = softmax_masked_params(
        &spec,
        512,
        256,
        SoftmaxMap {
            mask_correction: false,
            ..SoftmaxMap::default()
        },
    )
    .unwrap();
    close(
        e_attention(&par, 0.1),
        0.342_636_534_1,
        REF_TOL,
        "masked X A",
    );
}

#[test]
fn unmasked_softmax_reference_values() {
    // (n, p, beta, snr, w, gamma_base, E); modes: 48 Gauss-Hermite nodes.
    let rows = [
        (512, 128, 0.25, 1.0, "aligned", 0.1, 0.378_708_104_9),
        (512, 128, 0.5, 0.0, "none", 0.1, 0.750_000_098_8),
        (512, 512, 0.25, 1.0, "none", 0.01, 0.003_605_977_6),
    ];
    for (n, p, beta, snr, geom, gb, want) in rows {
        let spec = softmax_spec(beta, snr, geom, false, SoftmaxSide::Transpose);
        let m = softmax_unmasked_model(&spec, n, p).unwrap();
        let e = m.path(&[gb]).unwrap()[0].e;
        close(
            e,
            want,
            REF_TOL,
            &format!("unmasked n={n} p={p} beta={beta}"),
        );
    }
}

#[test]
fn skip_reference_values() {
    // (act, gamma, c, snr, w, alpha, E)
    let rows = [
        ("tanh", 0.1, 0.5, 1.0, "none", 1.0, 0.271_746_218_2),
        ("tanh", 0.01, 0.5, 1.0, "aligned", 0.5, 0.250_728_731_6),
        ("tanh", 0.01, 2.0, 1.0, "none", 2.0, 0.063_078_783_2),
        ("relu", 0.1, 0.5, 1.0, "none", 1.0, 0.275_793_631_4),
        ("relu", 0.01, 0.5, 1.0, "aligned", 0.5, 0.251_801_208_8),
        ("relu", 0.01, 2.0, 1.0, "none", 2.0, 0.050_296_046_4),
    ];
    for (act, g, c, snr, geom, alpha, want) in rows {
        let (a1, nu) = if act == "tanh" {
            (TANH_A1, TANH_NU)
        } else {
            (0.5, relu_nu())
        };
        let (wk, wq) = w(geom);
        let base = AttentionParams::new(c, snr, wk, wq, a1, nu, -a1).unwrap();
        let mapped = skip_params(&base, alpha).unwrap();
        close(
            e_attention(&mapped, g),
            want,
            REF_TOL,
            &format!("skip {act}"),
        );
        // Invariant: the mode model with D1 = I, D2 = alpha I equals the mapped base pencil.
        let m = ModeModel::one_mode(c, a1, nu, -a1, 1.0, alpha, base.geometry.clone());
        let e = m.path(&[g]).unwrap()[0].e;
        close(e, want, REF_TOL, &format!("skip {act} via the mode model"));
        // And through the model description (activation Hermite data by quadrature).
        let mut spec = ModelSpec::single_head(
            ModelKind::Attention,
            Activation::parse(act).unwrap(),
            snr,
            &wk,
            &wq,
            Diag::Zero,
        )
        .unwrap();
        spec.attention.skip = Some(alpha);
        let pt = model_path(&spec, c, &[g]).unwrap();
        close(
            pt[0].e,
            want,
            REF_TOL,
            &format!("skip {act} via model_path"),
        );
    }
}

#[test]
fn ar1_ridge_reference_values() {
    // (gamma, snr, rho, label block, E) at c = 0.5, n = 512
    let rows = [
        (0.1, 1.0, 0.6, 1, 0.209_475_608_4),
        (0.01, 1.0, 0.9, 32, 0.022_266_823_4),
        (1.0, 0.0, 0.9, 1, 0.810_188_771_9),
    ];
    for (g, snr, rho, l, want) in rows {
        let m = ar1_modes(512, rho, l, false).unwrap();
        let e = ridge_ar1_path(0.5, snr, &m.kappa, &m.pi, &[g]).unwrap()[0].e;
        close(e, want, REF_TOL, &format!("AR(1) ridge rho={rho} L={l}"));
        // Invariant: the mode model with D1 = I, D2 = 0 on the modes of C.
        let geo = geometry(snr, "none");
        let k = m.kappa.len();
        let mm = ModeModel {
            c: 0.5,
            a1: 0.0,
            w: vec![1.0 / k as f64; k],
            pi: m.pi.clone(),
            cz: m.kappa.clone(),
            d1: vec![1.0; k],
            d2: vec![0.0; k],
            s: vec![0.0; k],
            gprof: vec![],
            geometry: geo,
        };
        let e2 = mm.path(&[g]).unwrap()[0].e;
        close(
            e2,
            want,
            1e-9,
            &format!("AR(1) ridge via the mode model rho={rho}"),
        );
    }
}

#[test]
fn ar1_attention_conjecture_reference_values() {
    // (act, rho, label block, E) at gamma = 0.1, c = 0.5, snr = 1, n = 512, p = 256
    let rows = [
        ("tanh", 0.6, 1, 0.290_416_194_2),
        ("relu", 0.6, 32, 0.085_851_656_4),
    ];
    for (act, rho, l, want) in rows {
        let m = attention_ar1_model(
            &Activation::parse(act).unwrap(),
            512,
            256,
            rho,
            l,
            geometry(1.0, "none"),
        )
        .unwrap();
        let e = m.path(&[0.1]).unwrap()[0].e;
        close(e, want, REF_TOL, &format!("AR(1) conjecture {act}"));
    }
}

#[test]
fn invariant_ridge_is_the_mode_model_without_attention() {
    // D1 = I, D2 = 0 (one mode) = the ridge closed form.
    for (c, snr, g) in [(0.25, 1.0, 0.1), (2.0, 0.5, 0.01), (0.5, 4.0, 1.0)] {
        let m = ModeModel::one_mode(c, 0.0, 0.0, 0.0, 1.0, 0.0, geometry(snr, "none"));
        let e = m.path(&[g]).unwrap()[0].e;
        let want = ridge_point(c, snr, g).unwrap().e;
        close(e, want, 1e-11, "ridge via the mode model");
    }
}

#[test]
fn invariant_masked_softmax_limit_is_the_base_pencil_with_f_beta() {
    // At s = -beta (no mask correction) the masked map is the base pencil with
    // (a1, nu) = (beta, e^{beta^2} - 1) and W^T; compare against a direct base pencil.
    let spec = softmax_spec(0.7, 1.0, "mismatch", true, SoftmaxSide::Transpose);
    let par = softmax_masked_params(
        &spec,
        1024,
        512,
        SoftmaxMap {
            mask_correction: false,
            ..SoftmaxMap::default()
        },
    )
    .unwrap();
    let nu = (0.49f64).exp_m1();
    // W^T of (e1 e2^T) is e2 e1^T: w_K = e2, w_Q = e1.
    let direct =
        AttentionParams::new(0.5, 1.0, [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], 0.7, nu, -0.7).unwrap();
    for g in [0.01, 0.1, 1.0] {
        close(
            e_attention(&par, g),
            e_attention(&direct, g),
            1e-13,
            "masked limit vs base",
        );
    }
}

#[test]
fn invariant_ar1_at_rho_zero_is_the_iid_theory() {
    // rho = 0: C = I, the conjecture's kappa vanishes (no lag has correlation), C_m = I.
    let geo = geometry(1.0, "none");
    let m =
        attention_ar1_model(&Activation::parse("tanh").unwrap(), 256, 128, 0.0, 1, geo).unwrap();
    let base =
        AttentionParams::new(0.5, 1.0, [0.0; 3], [0.0; 3], TANH_A1, TANH_NU, -TANH_A1).unwrap();
    for g in [0.01, 0.1, 1.0] {
        let e = m.path(&[g]).unwrap()[0].e;
        // a_m of tanh by quadrature (~1e-13) and the kappa quadrature of E f_c(xi) = 0 (~1e-14
        // per lag, times 255 lags / sqrt p): 1e-10.
        close(
            e,
            e_attention(&base, g),
            1e-10,
            "AR(1) conjecture at rho = 0",
        );
    }
    // Ridge: rho = 0 closed form = MP.
    let modes = ar1_modes(64, 0.0, 1, false).unwrap();
    for g in [0.01, 0.1, 1.0] {
        let e = ridge_ar1_path(0.5, 1.0, &modes.kappa, &modes.pi, &[g]).unwrap()[0].e;
        close(
            e,
            ridge_point(0.5, 1.0, g).unwrap().e,
            1e-12,
            "AR(1) ridge at rho = 0",
        );
    }
}

#[test]
fn variants_without_an_equivalent_are_refused_by_name() {
    // softmax needs n and p
    let spec = softmax_spec(1.0, 1.0, "none", true, SoftmaxSide::Transpose);
    let e = model_path(&spec, 0.5, &[0.1]).unwrap_err().to_string();
    assert!(e.contains("n and p"), "{e}");
    // unmasked with Phi = X A: no equivalent
    let spec = softmax_spec(1.0, 1.0, "none", false, SoftmaxSide::Plain);
    let e = model_path_at(&spec, Dims::Sizes { n: 256, p: 128 }, &[1e-4])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("softmax_side") && e.contains("no deterministic equivalent"),
        "{e}"
    );
    // softmax on AR(1) tokens
    let mut spec = softmax_spec(1.0, 1.0, "none", true, SoftmaxSide::Transpose);
    spec.tokens.ar1 = 0.5;
    let e = model_path_at(&spec, Dims::Sizes { n: 256, p: 128 }, &[1e-4])
        .unwrap_err()
        .to_string();
    assert!(e.contains("tokens.ar1") && e.contains("simulate"), "{e}");
}
