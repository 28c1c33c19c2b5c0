//! sample (work in progress)
