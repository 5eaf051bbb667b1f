//! Deterministic equivalents (stub).
