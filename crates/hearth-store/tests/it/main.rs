//! The store contract: one suite, run against SQLite always and against PostgreSQL when
//! `HEARTH_TEST_PG_URL` names a server (the test script provides one; each test gets its own
//! freshly created database).

mod contract;
mod library;
mod living;
mod playlists;
mod stats;
mod support;
