//! End-to-end tests of the `hearth` binary: real processes, real sockets on loopback.

mod cli;
mod demo;
mod durability;
mod eval;
mod import;
mod listenbrainz_client;
mod living;
mod playlist;
mod scan;
mod support;
