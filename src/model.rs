//! (stub) model
