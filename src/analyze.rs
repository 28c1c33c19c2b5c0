//! analyze (work in progress)
