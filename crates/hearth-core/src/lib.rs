//! `hearth-core` — Hearth's domain: the types every other crate speaks (tracks, listens, profiles,
//! feedback), track identity (`norm_key`), profile names, QFZZ explicit preferences and the typed
//! configuration.
//!
//! This crate is pure: it performs no I/O (no SQL, no HTTP, no files) and depends on no runtime.
//! Adapters (store, server, sources, audio decoding) live in outer crates and convert their data to
//! and from these types. Main types: [`model::Track`], [`model::ListenEvent`],
//! [`model::Profile`], [`model::FeedbackKind`], [`prefs::Preferences`], [`config::Config`].
//!
//! The recommendation brain is here too, as pure functions over plain data: [`taste`] (weighted,
//! decayed multi-centroid taste profiles with exact incremental updates, mood, staleness),
//! [`qfzz`] (QFZZ PersonalizedDJ scoring and feedback), [`vibe`] (the offline mood lexicon),
//! [`scoring`] (the one ranker that serves `/api/recommendations` and the evaluation harness),
//! [`collab`] (co-listening: item-based collaborative filtering over listening baskets),
//! [`explore`] (seeded RNG, epsilon-greedy and Thompson sampling), [`playlist`] (playlist
//! assembly: known/discovery mix, artist rules, duration fitting, energy/tempo ordering) and
//! [`dynamic`] (the living playlist: sections, the per-refresh change bound, snapshots and
//! rollback diffs).

pub mod clock;
pub mod collab;
pub mod config;
pub mod dynamic;
pub mod error;
pub mod explore;
pub mod ids;
pub mod model;
pub mod norm;
pub mod playlist;
pub mod prefs;
pub mod profile_name;
pub mod qfzz;
pub mod scoring;
pub mod taste;
pub mod token;
pub mod vibe;

pub use error::CoreError;
