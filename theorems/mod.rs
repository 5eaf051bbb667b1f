//! Every result of every paper as an executable [`Claim`], one pack per paper.
//!
//! A pack is a folder `theorems/<id>/` whose `mod.rs` has `pub const PAPER: Paper` and
//! `pub fn registry() -> Vec<Box<dyn Claim>>` (its claims, in paper order). Adding a paper is
//! one line in the `packs!` list below; adding a claim is one file in its folder plus one line
//! in that folder's `registry()` (`docs/adding-a-claim.md`).

use crate::claim::{Claim, Pack, Paper};

/// Declares the pack modules and [`packs`] from one list of module names.
macro_rules! packs {
    ($($pack:ident),* $(,)?) => {
        $(pub mod $pack;)*

        /// Every paper pack, in order.
        pub fn packs() -> Vec<Pack> {
            vec![$(Pack { paper: $pack::PAPER, claims: $pack::registry }),*]
        }
    };
}

packs! {
    attention,
    raf,
}

/// All claims of all packs, pack by pack, in paper order.
pub fn registry() -> Vec<Box<dyn Claim>> {
    packs().iter().flat_map(|p| (p.claims)()).collect()
}

/// The pack with id `id`.
pub fn pack(id: &str) -> Option<Pack> {
    packs().into_iter().find(|p| p.paper.id == id)
}

/// The papers, in pack order.
pub fn papers() -> Vec<Paper> {
    packs().iter().map(|p| p.paper).collect()
}

/// Looks a claim up by id.
pub fn find(id: &str) -> Option<Box<dyn Claim>> {
    registry().into_iter().find(|c| c.id() == id)
}

/// Status of each claim in the committed full run, `snapshots/verify-full.md` (compiled in, so
/// `list` reports it anywhere): `(id, "HOLDS" | "FAILS" | "INCONCLUSIVE")` from its
/// `### \`id\` — title — **STATUS**` headings.
pub fn full_run_status() -> Vec<(String, String)> {
    parse_full_run(include_str!("../snapshots/verify-full.md"))
}

/// Parses the headings of a `verify --format markdown` output (see [`full_run_status`]).
pub fn parse_full_run(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("### `")?;
            let (id, tail) = rest.split_once('`')?;
            let status = tail.trim_end().strip_suffix("**")?.rsplit_once("**")?.1;
            Some((id.to_string(), status.to_string()))
        })
        .collect()
}

/// Markdown table of the claims of `packs` (the README's claims table, `list --format
/// markdown`): one heading line per paper, then `| id | result of the paper | full run |`, the
/// full-run status from the committed `snapshots/verify-full.md` ("not run" when absent).
pub fn claims_markdown(packs: &[Pack]) -> String {
    let full = full_run_status();
    let mut s = String::new();
    for (i, p) in packs.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        let paper = &p.paper;
        s.push_str(&format!(
            "Pack `{}`: *{}* ({}; arXiv [{}](https://arxiv.org/abs/{}))\n\n",
            paper.id, paper.title, paper.authors, paper.arxiv, paper.arxiv
        ));
        s.push_str("| id | result of the paper | full run |\n|---|---|---|\n");
        for c in (p.claims)() {
            let status = full
                .iter()
                .find(|(id, _)| id == c.id())
                .map_or("not run", |(_, st)| st.as_str());
            let title = c.title().replace('|', "\\|");
            s.push_str(&format!("| `{}` | {title} | {status} |\n", c.id()));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_run_headings_parse() {
        let t =
            "# x\n### `a-b` — Title — with — dashes — **HOLDS**\ntext\n### `c` — T — **FAILS**\n";
        assert_eq!(
            parse_full_run(t),
            vec![
                ("a-b".to_string(), "HOLDS".to_string()),
                ("c".to_string(), "FAILS".to_string())
            ]
        );
        // the committed full run covers every registered claim, each once, and parses
        let full = full_run_status();
        let mut ids: Vec<String> = registry().iter().map(|c| c.id().to_string()).collect();
        let mut run: Vec<String> = full.iter().map(|(id, _)| id.clone()).collect();
        ids.sort();
        run.sort();
        assert_eq!(run, ids);
    }

    #[test]
    fn claims_belong_to_their_pack_and_ids_are_unique() {
        let mut ids = Vec::new();
        for p in packs() {
            for c in (p.claims)() {
                assert_eq!(
                    c.paper(),
                    p.paper.id,
                    "claim {} is in pack {}",
                    c.id(),
                    p.paper.id
                );
                assert!(!ids.contains(&c.id()), "duplicate claim id {}", c.id());
                ids.push(c.id());
            }
        }
    }
}
