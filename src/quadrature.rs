//! Gauss–Hermite rules for the standard Gaussian measure (STUB; foundation issue).
