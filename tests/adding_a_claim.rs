//! The complete example of `docs/adding-a-claim.md`, compiled and run: the file shown there is
//! `tests/example_claim/ridge_demo.rs` with `crate::` for `rmt_verify::` (checked below).

#[path = "example_claim/ridge_demo.rs"]
mod ridge_demo;

use ridge_demo::RidgeDemo;
use rmt_verify::claim::{Budget, Claim, Status};

#[test]
fn the_example_claim_holds_and_its_negative_control_fails() {
    let v = RidgeDemo::default().check(&Budget::quick()).expect("runs");
    assert_eq!(v.status, Status::Holds, "{}", v.report());
    assert_eq!(v.rows.len(), 4);
    for n in RidgeDemo::default().negative_controls() {
        n.run(&Budget::quick()).expect("the control fails");
    }
}

#[test]
fn the_doc_shows_this_file() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/adding-a-claim.md")).expect("doc");
    let file = std::fs::read_to_string(format!("{root}/tests/example_claim/ridge_demo.rs"))
        .expect("example");
    let start = doc.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let end = start + doc[start..].find("```\n").expect("closed block");
    assert_eq!(
        &doc[start..end],
        file.replace("rmt_verify::", "crate::"),
        "docs/adding-a-claim.md and tests/example_claim/ridge_demo.rs differ"
    );
}
