//! `rmt-verify` command-line interface: a thin layer over the library.
//!
//! Exit codes (ripgrep-style): 0 = every claim holds, 1 = some claim fails or is inconclusive,
//! 2 = error (bad input, failed computation, output that cannot be written).

use clap::{CommandFactory, FromArgMatches};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

mod cli;

/// Turns the panic of `print!`/`println!` on a failed write (`rmt-verify list > /dev/full`)
/// into the one-line error and exit code 2 of every other failure; other panics keep the
/// default report (they are bugs). A closed pipe never panics: SIGPIPE ends the process first.
fn exit_cleanly_on_write_errors() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(cause) = msg.strip_prefix("failed printing to stdout: ") {
            eprintln!("error: cannot write to stdout: {cause}");
            std::process::exit(2);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    exit_cleanly_on_write_errors();
    // Colour only on a terminal (and never with NO_COLOR): error text in a log file or a pipe
    // stays plain even when CLICOLOR_FORCE is inherited from the environment.
    let color = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        clap::ColorChoice::Auto
    } else {
        clap::ColorChoice::Never
    };
    let matches = cli::Cli::command().color(color).get_matches();
    let args = match cli::Cli::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let code = match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            // one line, whatever the input held (a newline inside a TOML string, `\r`)
            let msg: String = format!("{err:#}")
                .chars()
                .map(|ch| if ch.is_control() { ' ' } else { ch })
                .collect();
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    // Output still buffered at exit would be dropped silently on a write error.
    if let Err(e) = std::io::stdout().flush() {
        eprintln!("error: cannot write to stdout: {e}");
        return ExitCode::from(2);
    }
    code
}
