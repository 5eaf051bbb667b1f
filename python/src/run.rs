//! Running library calls from Python: off the GIL, interruptible with Ctrl-C, and with the
//! library's errors turned into Python exceptions carrying the CLI's message.
//!
//! A call runs on a worker thread while the calling thread waits without the GIL and checks for
//! signals every 50 ms. On Ctrl-C the call returns `KeyboardInterrupt` at once and raises a
//! cancel flag; the work stops at its next check of the flag (between rounds of Monte Carlo
//! replicates, between claims). A theory path or a claim already started finishes in the
//! background (seconds with the quick budget) and its result is dropped.

use pyo3::exceptions::{PyMemoryError, PyOSError, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use rmt_verify::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// The message the CLI prints after `error: ` (anyhow's `{:#}`: the error and its sources).
pub fn message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// The Python exception for a library error: `ValueError` for bad input (parameters,
/// activations, model files, ids), `RuntimeError` for a computation that could not finish
/// (solver, linear algebra, quadrature), `TimeoutError` for a computation over its time budget
/// (`time_limit=`), `MemoryError`, `OSError`.
pub fn to_py(e: Error) -> PyErr {
    let msg = message(&e);
    match e {
        Error::Memory { .. } => PyMemoryError::new_err(msg),
        Error::NoConvergence { .. } | Error::Linalg { .. } | Error::Quadrature { .. } => {
            PyRuntimeError::new_err(msg)
        }
        Error::Io { .. } => PyOSError::new_err(msg),
        Error::Timeout { .. } => PyTimeoutError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// A `ValueError` built like the library's `Error::param` (for the checks the CLI does itself).
pub fn param_err(name: &str, value: impl ToString, reason: impl Into<String>) -> PyErr {
    to_py(Error::param(name, value, reason))
}

/// Cancel flag handed to the work.
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Whether Ctrl-C was pressed (the caller has already returned).
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs `work` on a worker thread, without the GIL, returning early with `KeyboardInterrupt`
/// (or whatever a signal handler raised) when a signal arrives.
pub fn interruptible<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Cancel) -> Result<T, Error> + Send + 'static,
{
    let flag = Arc::new(AtomicBool::new(false));
    let cancel = Cancel(flag.clone());
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("rmt-verify".into())
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&cancel)));
            // The receiver is gone when the caller was interrupted: nothing to deliver.
            let _ = tx.send(out);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a worker thread: {e}")))?;
    let mut rx = rx;
    loop {
        // the receiver is not `Sync`: moved into the GIL-free closure and back
        let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(50)), rx));
        rx = back;
        match got {
            Ok(Ok(result)) => return result.map_err(to_py),
            Ok(Err(panic)) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                return Err(PyRuntimeError::new_err(format!(
                    "internal error (panic): {what}"
                )));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    flag.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "internal error: the worker thread ended without a result",
                ))
            }
        }
    }
}

/// The error returned by work that stopped because of the cancel flag (never seen by Python:
/// the caller has already raised `KeyboardInterrupt`).
pub fn cancelled() -> Error {
    Error::param("(interrupted)", "", "cancelled by Ctrl-C")
}
