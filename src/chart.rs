//! chart (work in progress)
