//! (stub) fixed_point
