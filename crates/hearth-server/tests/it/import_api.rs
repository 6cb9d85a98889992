//! `POST /api/import`: a multipart upload becomes an import job whose progress and summary are
//! read at `/api/jobs/{id}`.

use crate::support::{shared_data, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth_core::config::ConfigBuilder;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const BOUNDARY: &str = "hearth-test-boundary-7d1f";

fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes()),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn app() -> (TestApp, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let config = ConfigBuilder::new()
        .set("data_dir", &data.path().display().to_string(), "test")
        .unwrap()
        .build()
        .unwrap();
    (TestApp::with_config(config).await, data)
}

async fn post(app: &TestApp, body: Vec<u8>) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri("/api/import")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Polls the job until it leaves queued/running.
async fn finished_job(app: &TestApp, id: i64) -> Value {
    for _ in 0..600 {
        let (s, v) = app.call("GET", &format!("/api/jobs/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if v["status"] == "done" || v["status"] == "failed" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import job {id} did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_runs_a_job_with_a_summary() {
    let Some(data) = shared_data("upload_runs_a_job_with_a_summary") else {
        return;
    };
    let (app, _dir) = app().await;
    let dir = data.join("listen-import-formats/listenbrainz-testdata");
    let mixed = std::fs::read(dir.join("listenbrainz_mixed_validity.jsonl")).unwrap();
    let rockbox = std::fs::read(dir.join("rockbox.scrobbler.log")).unwrap();
    let body = multipart(&[
        ("profile", None, b"dana"),
        ("file", Some("listenbrainz_mixed_validity.jsonl"), &mixed),
        ("file", Some(".scrobbler.log"), &rockbox),
    ]);
    let (s, v) = post(&app, body.clone()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["status"], "queued");
    let job = finished_job(&app, v["job_id"].as_i64().unwrap()).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["kind"], "import");
    let result = &job["result"];
    assert_eq!(result["total"]["imported"], 6, "{result}");
    assert_eq!(
        result["files"][0]["file"], "listenbrainz_mixed_validity.jsonl",
        "{result}"
    );
    assert_eq!(result["files"][0]["rejected"], 2);
    assert_eq!(
        result["files"][0]["errors"][0]["location"],
        serde_json::json!({"line": 2})
    );
    assert_eq!(result["files"][1]["format"], "rockbox");
    assert_eq!(result["files"][1]["skipped"]["no_track"], 1);
    assert_eq!(job["progress"]["files_total"], 2, "{job}");
    let p = app
        .store
        .get_profile("dana")
        .await
        .unwrap()
        .expect("profile created on the fly");
    assert_eq!(
        app.store
            .recent_listens(Some(p.id), 100)
            .await
            .unwrap()
            .len(),
        6
    );
    // Uploading the same files again: a second job, zero new listens.
    let (_, v) = post(&app, body).await;
    let job = finished_job(&app, v["job_id"].as_i64().unwrap()).await;
    assert_eq!(
        (
            job["result"]["total"]["imported"].clone(),
            job["result"]["total"]["duplicate"].clone()
        ),
        (0.into(), 6.into()),
        "{job}"
    );
    assert_eq!(app.listens().await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_format_fails_the_job_and_writes_nothing() {
    let Some(data) = shared_data("wrong_format_fails_the_job_and_writes_nothing") else {
        return;
    };
    let (app, _dir) = app().await;
    let csv = std::fs::read(data.join("listen-import-formats/listenbrainz-testdata/librefm.csv"))
        .unwrap();
    let body = multipart(&[
        ("format", None, b"spotify-extended"),
        ("file", Some("librefm.csv"), &csv),
    ]);
    let (s, v) = post(&app, body).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let job = finished_job(&app, v["job_id"].as_i64().unwrap()).await;
    assert_eq!(job["status"], "failed", "{job}");
    let err = job["last_error"].as_str().unwrap();
    assert!(
        err.starts_with("librefm.csv: not a spotify-extended file"),
        "{err}"
    );
    assert_eq!(app.listens().await, 0);
}

#[tokio::test]
async fn bad_forms_are_refused_up_front() {
    let (app, _dir) = app().await;
    let (s, v) = post(&app, multipart(&[("format", None, b"auto")])).await;
    assert_eq!(
        (s, v["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, "file".into()),
        "{v}"
    );
    let (s, v) = post(
        &app,
        multipart(&[("format", None, b"wav"), ("file", Some("a.csv"), b"x")]),
    )
    .await;
    assert_eq!(
        (s, v["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, "format".into()),
        "{v}"
    );
    let (s, v) = post(
        &app,
        multipart(&[
            ("profile", None, b"Not A Name!"),
            ("file", Some("a.csv"), b"x"),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}
