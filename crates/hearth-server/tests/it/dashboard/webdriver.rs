//! A minimal W3C WebDriver client over reqwest, enough for the dashboard tests: start
//! chromedriver, open a headless Chromium session, navigate, find, click, type, run scripts,
//! take screenshots and read the browser console log.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Paths of the browser and driver (`HEARTH_TEST_CHROMIUM`, `HEARTH_TEST_CHROMEDRIVER`), or
/// `None` after one skip line when either is absent.
pub fn binaries(test: &str) -> Option<(String, String)> {
    let chromium = std::env::var("HEARTH_TEST_CHROMIUM").ok();
    let driver = std::env::var("HEARTH_TEST_CHROMEDRIVER").ok();
    match (chromium, driver) {
        (Some(c), Some(d))
            if std::path::Path::new(&c).exists() && std::path::Path::new(&d).exists() =>
        {
            Some((c, d))
        }
        _ => {
            println!("skipped {test}: HEARTH_TEST_CHROMIUM / HEARTH_TEST_CHROMEDRIVER not set (scripts/test.sh sets them)");
            None
        }
    }
}

/// A running chromedriver with one browser session; both end on drop.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    _profile_dir: tempfile::TempDir,
}

#[derive(Debug, Clone)]
pub struct Element(String);

impl Element {
    /// The reference as a script argument.
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    pub async fn start(chromium: &str, chromedriver: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    if v["value"]["ready"] == true {
                        break;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile_dir = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--no-first-run", "--disable-extensions",
                         "--window-size=412,1400",
                         format!("--user-data-dir={}", profile_dir.path().display())]
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Browser {
            http,
            base,
            session,
            driver,
            _profile_dir: profile_dir,
        }
    }

    /// One command; `Err(value)` carries the WebDriver error object.
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let res = req.send().await.expect("webdriver request");
        let ok = res.status().is_success();
        let v: Value = res.json().await.expect("webdriver json");
        if ok {
            Ok(v["value"].clone())
        } else {
            Err(v["value"].clone())
        }
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.cmd(method, path, body).await {
            Ok(v) => v,
            Err(e) => panic!("webdriver {method} {path}: {e}"),
        }
    }

    pub async fn goto(&self, url: &str) {
        self.ok("POST", "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .ok(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        Element(v[ELEMENT_KEY].as_str().unwrap().to_string())
    }

    pub async fn click(&self, e: &Element) {
        self.ok("POST", &format!("/element/{}/click", e.0), None)
            .await;
    }

    pub async fn send_keys(&self, e: &Element, text: &str) {
        self.ok(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, e: &Element) -> String {
        self.ok("GET", &format!("/element/{}/text", e.0), None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.ok(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Polls `script` (a function body returning a truthy value when done) until it is truthy.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.execute(script, vec![]).await;
            if !(v.is_null() || v == false || v == "" || v == 0) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of an open alert, or `None` when no alert is open.
    pub async fn alert_text(&self) -> Option<String> {
        match self.cmd("GET", "/alert/text", None).await {
            Ok(v) => Some(v.as_str().unwrap_or_default().to_string()),
            Err(e) if e["error"] == "no such alert" => None,
            Err(e) => panic!("alert/text: {e}"),
        }
    }

    /// Browser console entries since the last call (`level`, `message`).
    pub async fn console_log(&self) -> Vec<(String, String)> {
        let v = self
            .ok("POST", "/se/log", Some(json!({"type": "browser"})))
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or_default().to_string(),
                    e["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// A PNG of the page as rendered.
    pub async fn screenshot_png(&self) -> Vec<u8> {
        let v = self.ok("GET", "/screenshot", None).await;
        let png = base64_decode(v.as_str().unwrap());
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "screenshot is not a PNG"
        );
        png
    }

    pub async fn quit(mut self) {
        let _ = self.cmd("DELETE", "", None).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Reached on panic (quit() consumed the normal path): chromedriver takes its Chromium
        // down with it.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (RFC 4648, with padding), as WebDriver returns screenshots.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("invalid base64 byte {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= if c == b'=' { 0 } else { val(c) } << (18 - 6 * i);
        }
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    out
}

#[test]
fn base64_decodes_padded_input() {
    assert_eq!(base64_decode("aGVhcnRo"), b"hearth");
    assert_eq!(base64_decode("aGVhcnQ="), b"heart");
    assert_eq!(base64_decode("aGVhcg=="), b"hear");
}
