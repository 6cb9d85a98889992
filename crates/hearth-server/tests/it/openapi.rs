//! `/api/openapi.json` matches the handlers: every documented operation is routed, and the
//! document lists the foundation's endpoints.

use crate::support::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::new().await;
    let (s, doc) = app.call("GET", "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut ops = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            ops += 1;
            let uri = path.replace("{name}", "default").replace("{id}", "1");
            let (_, body) = app.call(&method.to_uppercase(), &uri, Some("{}")).await;
            let unrouted = body["error"] == "not-found"
                && body["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("no route"));
            assert!(!unrouted, "{method} {path} is documented but not routed");
        }
    }
    for must in [
        "/health",
        "/api/status",
        "/api/history/webhook",
        "/api/history/recent",
        "/api/profiles",
        "/api/profiles/{name}",
        "/api/profiles/{name}/speakers",
        "/api/profiles/{name}/preferences",
        "/api/feedback",
        "/api/jobs/{id}",
    ] {
        assert!(
            paths.contains_key(must),
            "{must} missing from the OpenAPI document"
        );
    }
    assert!(ops >= 16, "{ops} operations documented");
}
