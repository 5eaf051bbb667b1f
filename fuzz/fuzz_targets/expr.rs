//! The expression parser and evaluator on arbitrary bytes: parse (limits, syntax errors, kink
//! search), then evaluate (plain and log-magnitude) at points across the line. A panic, a
//! stack overflow or a hang (libFuzzer's -timeout) is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmt_verify::expr::Expr;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = Expr::parse(src) {
        for x in [-1e150, -40.0, -12.0, -1.0, -1e-300, 0.0, 0.5, 3.0, 12.0, 1e6, f64::MAX] {
            let _ = e.eval(x);
            let _ = e.eval_log(x);
        }
        let _ = e.breakpoints();
    }
});
