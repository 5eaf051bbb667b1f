//! (stub) monte_carlo
