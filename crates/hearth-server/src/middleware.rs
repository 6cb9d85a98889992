//! Cross-cutting request handling: one structured log line per request, and the optional
//! write token (SPEC §5, §15: reads are open, writes need `Authorization: Bearer <token>` when
//! `server.api_token` is set; the ListenBrainz-compatible `/1/` routes use profile tokens instead).

use crate::extract::BodyLimit;
use crate::{ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

pub async fn log_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    tracing::info!(
        target: "hearth::http",
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        latency_us = start.elapsed().as_micros() as u64,
        "request"
    );
    res
}

pub async fn write_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    req.extensions_mut()
        .insert(BodyLimit(state.config.server.body_limit_bytes));
    let token = &state.config.server.api_token;
    let is_write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if token.is_set() && is_write && !req.uri().path().starts_with("/1/") {
        let ok = req
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                constant_time_eq(given.trim().as_bytes(), token.expose().as_bytes())
            });
        if !ok {
            return ApiError::Unauthorized.into_response();
        }
    }
    next.run(req).await
}

/// Compares without an early exit, so response timing does not reveal the token's prefix.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
