//! `hearth-core` — Hearth's domain: the types every other crate speaks (tracks, listens, profiles,
//! feedback), track identity (`norm_key`), profile names, QFZZ explicit preferences and the typed
//! configuration.
//!
//! This crate is pure: it performs no I/O (no SQL, no HTTP, no files) and depends on no runtime.
//! Adapters (store, server, sources, audio decoding) live in outer crates and convert their data to
//! and from these types. Main types: [`model::Track`], [`model::ListenEvent`],
//! [`model::Profile`], [`model::FeedbackKind`], [`prefs::Preferences`], [`config::Config`].

pub mod clock;
pub mod config;
pub mod error;
pub mod explore;
pub mod ids;
pub mod model;
pub mod norm;
pub mod prefs;
pub mod profile_name;
pub mod qfzz;
pub mod scoring;
pub mod taste;
pub mod vibe;

pub use error::CoreError;
