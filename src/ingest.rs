//! ingest (work in progress)
