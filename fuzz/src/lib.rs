//! The bodies of the fuzz targets, kept apart from libFuzzer so that
//! `cargo test` in the main crate replays the corpora through the same code
//! (tests/fuzz_corpora.rs).
pub mod targets;
