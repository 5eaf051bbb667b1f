//! `rmt-verify` command-line interface: a thin layer over the library.
//!
//! Exit codes (ripgrep-style): 0 = every claim holds, 1 = some claim fails or is inconclusive,
//! 2 = error (bad input, failed computation).

use clap::Parser;
use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
