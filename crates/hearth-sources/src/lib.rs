//! `hearth-sources` — reading listening history from outside: the export files of Spotify
//! (Extended Streaming History and Account Data), Last.fm, ListenBrainz, Libre.fm, Rockbox
//! `.scrobbler.log`, Maloja, Pano Scrobbler and Spinitron, and ListenBrainz `submit-listens`
//! payloads. It owns format detection, the streaming row parsers, the SPEC §6 skip rules, the
//! stable per-row keys that make re-imports idempotent, import summaries, and the benchmark
//! data generator.
//!
//! It performs file reads (paths, folders, zip archives) but must not depend on the store, the
//! server or any async runtime: it yields plain rows and the caller writes them. Memory is
//! bounded by one row plus fixed buffers, whatever the file size.
//!
//! Main types: [`Format`] / [`FormatRequest`], [`open_rows`] → [`Rows`] (an iterator of
//! `Result<`[`Row`]`, `[`RowError`]`>`), [`ImportedListen`], [`SkipReason`], [`for_each_input`] /
//! [`plan_import`] for paths, [`FileSummary`] / [`ImportSummary`], [`parse_submit_listens`] →
//! [`Submission`] / [`LbError`], [`ImportError`].

pub mod bench_data;
pub mod error;
pub mod format;
mod formats;
mod json_stream;
pub mod lb_submit;
pub mod listen;
pub mod rows;
pub mod summary;
mod text;
mod timestamp;
pub mod walk;

pub use error::{ImportError, RowError, RowLocation};
pub use format::{detect_format, is_spotify_video_file, Format, FormatRequest};
pub use formats::listenbrainz::LISTEN_MINIMUM_TS;
pub use lb_submit::{parse_submit_listens, LbError, ListenType, NowPlaying, Submission};
pub use listen::{is_skip, row_key, ImportedListen, Row, SkipReason};
pub use rows::{open_rows, ReadProgress, Rows};
pub use summary::{FileSummary, ImportSummary, MAX_STORED_ERRORS};
pub use walk::{for_each_input, plan_import, IgnoredFile, ImportPlan, InputEntry};
