//! Nothing acknowledged is lost: a burst of webhooks, `SIGKILL` mid-burst, restart — every listen
//! that got a 2xx is stored, none twice.

use crate::support::Server;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_burst_loses_no_acknowledged_listen() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let base = server.base.clone();
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for c in 0..8 {
        let (http, base, acked, stop) = (http.clone(), base.clone(), acked.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let title = format!("Burst {c}-{n}");
                let body =
                    serde_json::json!({"title": title, "artist": "Killer", "profile": "alice"});
                match http
                    .post(format!("{base}/api/history/webhook"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        acked.lock().unwrap().insert(title);
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the server is gone
                }
                n += 1;
            }
        }));
    }
    // Let the burst run, then kill the server without warning.
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300);

    let server = Server::start(dir.path(), &[]);
    let recent: serde_json::Value = http
        .get(format!(
            "{}/api/history/recent?limit=500&profile=alice",
            server.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status: serde_json::Value = http
        .get(format!("{}/api/status", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = status["listens"].as_i64().unwrap() as usize;
    // Page through everything via the store counts: every acked title must be present once.
    let store = hearth_store::open(&format!("sqlite:{}/hearth.db", dir.path().display()))
        .await
        .unwrap();
    let alice = store.get_profile("alice").await.unwrap().unwrap();
    let all = store.listens_of_profile(alice.id).await.unwrap();
    let titles: Vec<&str> = all.iter().map(|l| l.title.as_str()).collect();
    let unique: HashSet<&str> = titles.iter().copied().collect();
    assert_eq!(titles.len(), unique.len(), "no listen stored twice");
    for t in &acked {
        assert!(
            unique.contains(t.as_str()),
            "acknowledged listen {t} was lost"
        );
    }
    assert_eq!(total, titles.len());
    assert!(recent["count"].as_u64().unwrap() > 0);
}
