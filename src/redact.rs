//! redact (work in progress)
