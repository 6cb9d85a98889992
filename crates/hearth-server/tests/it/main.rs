//! HTTP behaviour, tested in process (no sockets) through `tower::ServiceExt::oneshot`.

mod dashboard;
mod errors;
mod haunt_fm_examples;
mod household;
mod import_api;
mod import_pipeline;
mod library;
mod listenbrainz;
mod listens;
mod living;
mod openapi;
mod playlists;
mod support;
