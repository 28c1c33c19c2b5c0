//! Inflight: read Auth0 tenant logs, find when the extensibility concurrency limit
//! was breached and which Action or script was slow, and share a redacted report.
//!
//! The crate is a pure pipeline (see ARCHITECTURE.md):
//! `ingest` (bytes → events + problems) → `model` (typed events) → `analyze`
//! (spans, in-flight count, breaches) → `chart` (plotters, any backend) and
//! `redact` (keyed pseudonyms, byte-range rewriting) → `report`.
//! Only `web` touches the browser, and it is compiled for wasm32 alone.
//! The core reads no clock and no randomness: callers pass keys and times in.

pub mod analyze;
pub mod attribution;
pub mod chart;
pub mod codes;
mod fastread;
pub mod ingest;
pub mod jsonscan;
pub mod labels;
pub mod model;
pub mod redact;
pub mod report;
pub mod rules;
pub mod sample;
pub mod session;
pub mod vendor;
pub mod share;
pub mod verify;
pub mod wire;
pub mod histogram;
pub mod table;
pub mod viewport;
pub mod lod;
pub mod raster;

#[cfg(target_arch = "wasm32")]
pub mod web;
