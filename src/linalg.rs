//! (stub) linalg
