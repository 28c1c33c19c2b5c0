//! The pure timeline-control state of the web layer (`src/web/controls.rs`), which is
//! compiled into the app for wasm32 only; included here by path to test it natively.
#[path = "../src/web/controls.rs"]
mod controls;
