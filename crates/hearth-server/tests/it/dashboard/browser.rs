//! The dashboard in a real headless Chromium (WebDriver): it loads without console errors, the
//! like button stores feedback for the listener's profile with the vibe context, the manual form
//! works, the playlist builder produces a playlist, markup in titles stays text, and a screenshot
//! of each page lands in `target/test-output/dashboard/`.

use super::fixture::{household, Household, XSS_TITLE};
use super::webdriver::{binaries, Browser};
use hearth_core::model::FeedbackKind;
use std::path::PathBuf;

/// The in-process server on 127.0.0.1:0; stops when dropped.
struct Served {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn serve(h: &Household) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = h.state.clone();
    tokio::spawn(async move {
        hearth_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Served {
        url,
        stop: Some(tx),
    }
}

fn output_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let dir = target.join("test-output").join("dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(b: &Browser, name: &str) {
    let path = output_dir().join(format!("{name}.png"));
    std::fs::write(&path, b.screenshot_png().await).unwrap();
    println!("screenshot: {}", path.display());
}

/// Console entries at level SEVERE (errors), after the page's script has run.
async fn severe(b: &Browser) -> Vec<String> {
    b.console_log()
        .await
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .map(|(_, m)| m)
        .collect()
}

async fn open(b: &Browser, url: &str) {
    b.goto(url).await;
    b.wait_for(
        "the dashboard script",
        "return document.documentElement.getAttribute('data-ready') === '1';",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_load_without_console_errors_and_are_screenshotted() {
    let Some((chromium, driver)) = binaries("pages_load_without_console_errors") else {
        return;
    };
    let h = household().await;
    let s = serve(&h).await;
    let b = Browser::start(&chromium, &driver).await;
    for (name, path) in [
        ("index", "/"),
        ("index-bob-calm", "/?profile=bob&vibe=calm"),
        ("profile-alice", "/profiles/alice"),
        ("profile-unknown", "/profiles/nobody"),
    ] {
        open(&b, &format!("{}{path}", s.url)).await;
        let errors: Vec<String> = severe(&b)
            .await
            .into_iter()
            // The 404 page is expected to be a 404: Chromium logs the status of the document.
            .filter(|m| !(name == "profile-unknown" && m.contains("404")))
            .collect();
        assert!(errors.is_empty(), "console errors on {path}: {errors:?}");
        let h1 = b.text(&b.find("header h1").await).await;
        assert_eq!(h1, "Hearth");
        screenshot(&b, name).await;
    }
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn like_goes_to_the_listeners_profile_with_the_vibe_context() {
    let Some((chromium, driver)) = binaries("like_goes_to_the_listeners_profile") else {
        return;
    };
    let h = household().await;
    let s = serve(&h).await;
    let b = Browser::start(&chromium, &driver).await;
    // The page's recommendations are for bob: the like must still go to alice, the listener.
    open(&b, &format!("{}/?profile=bob", s.url)).await;
    let vibe = b.find("#vibe-context").await;
    b.send_keys(&vibe, "rainy sunday").await;
    let before = h.store.feedback_of_profile(h.alice).await.unwrap().len();
    let like = b
        .find("li.listen button.fb[data-kind='like'][data-profile='alice']")
        .await;
    let track: i64 = b
        .execute(
            "return Number(arguments[0].getAttribute('data-track'));",
            vec![like.to_json()],
        )
        .await
        .as_i64()
        .unwrap();
    b.click(&like).await;
    // textContent, not the WebDriver text: the toast fades in, and a transparent element has no
    // "visible" text yet.
    let toast = b
        .wait_for(
            "the feedback toast",
            "var t = document.getElementById('toast'); return t.className.indexOf('show') >= 0 && t.textContent;",
        )
        .await;
    let toast = toast.as_str().unwrap();
    assert!(toast.contains("like saved for alice"), "{toast}");
    let fb = h.store.feedback_of_profile(h.alice).await.unwrap();
    assert_eq!(fb.len(), before + 1);
    let last = fb.iter().max_by_key(|f| f.ts).unwrap();
    assert_eq!(last.kind, FeedbackKind::Like);
    assert_eq!(last.track_id.0, track);
    assert_eq!(last.vibe.as_deref(), Some("rainy sunday"));
    assert!(
        h.store.feedback_of_profile(h.bob).await.unwrap().is_empty(),
        "nothing may go to the page's profile"
    );
    // The vibe context survives a reload (localStorage).
    open(&b, &format!("{}/", s.url)).await;
    let kept = b
        .execute(
            "return document.getElementById('vibe-context').value;",
            vec![],
        )
        .await;
    assert_eq!(kept, "rainy sunday");
    // Emptied context means no vibe at all (never a hard-coded default).
    b.execute(
        "var i = document.getElementById('vibe-context'); i.value = ''; i.dispatchEvent(new Event('input'));",
        vec![],
    )
    .await;
    let skip = b
        .find("li.listen button.fb[data-kind='skip'][data-profile='bob']")
        .await;
    b.click(&skip).await;
    b.wait_for(
        "bob's feedback",
        "var t = document.getElementById('toast'); return t.textContent.indexOf('skip saved for bob') >= 0;",
    )
    .await;
    let bob = h.store.feedback_of_profile(h.bob).await.unwrap();
    assert_eq!(bob.len(), 1);
    assert_eq!(bob[0].kind, FeedbackKind::Skip);
    assert_eq!(bob[0].vibe, None);
    assert!(severe(&b).await.is_empty());
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_feedback_form_stores_feedback() {
    let Some((chromium, driver)) = binaries("manual_feedback_form_stores_feedback") else {
        return;
    };
    let h = household().await;
    let s = serve(&h).await;
    let b = Browser::start(&chromium, &driver).await;
    open(&b, &format!("{}/", s.url)).await;
    let track = h.tracks[5];
    b.send_keys(
        &b.find("#manual-feedback input[name='track_id']").await,
        &track.0.to_string(),
    )
    .await;
    b.click(
        &b.find("#manual-feedback select[name='profile'] option[value='bob']")
            .await,
    )
    .await;
    b.click(
        &b.find("#manual-feedback select[name='kind'] option[value='dislike']")
            .await,
    )
    .await;
    b.send_keys(
        &b.find("#manual-feedback input[name='rating']").await,
        "0.2",
    )
    .await;
    b.send_keys(
        &b.find("#manual-feedback input[name='vibe']").await,
        "late night",
    )
    .await;
    b.click(&b.find("#manual-feedback button[type='submit']").await)
        .await;
    let out = b
        .wait_for(
            "the form result",
            "return document.querySelector('#manual-feedback output').textContent;",
        )
        .await;
    assert!(
        out.as_str().unwrap().contains("dislike saved for bob"),
        "{out}"
    );
    let fb = h.store.feedback_of_profile(h.bob).await.unwrap();
    assert_eq!(fb.len(), 1);
    assert_eq!(fb[0].track_id, track);
    assert_eq!(fb[0].kind, FeedbackKind::Dislike);
    assert_eq!(fb[0].rating, Some(0.2));
    assert_eq!(fb[0].vibe.as_deref(), Some("late night"));
    // A track that does not exist: the form says so, nothing is stored.
    let id_input = b.find("#manual-feedback input[name='track_id']").await;
    b.execute("arguments[0].value = '';", vec![id_input.to_json()])
        .await;
    b.send_keys(&id_input, "999999").await;
    b.click(&b.find("#manual-feedback button[type='submit']").await)
        .await;
    let out = b
        .wait_for(
            "the error result",
            "var o = document.querySelector('#manual-feedback output'); return o.className.indexOf('error') >= 0 && o.textContent;",
        )
        .await;
    assert!(out.as_str().unwrap().contains("999999"), "{out}");
    assert_eq!(h.store.feedback_of_profile(h.bob).await.unwrap().len(), 1);
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_a_title_renders_as_text() {
    let Some((chromium, driver)) = binaries("markup_in_a_title_renders_as_text") else {
        return;
    };
    let h = household().await;
    let s = serve(&h).await;
    let b = Browser::start(&chromium, &driver).await;
    for path in ["/", "/profiles/alice"] {
        open(&b, &format!("{}{path}", s.url)).await;
        assert_eq!(b.alert_text().await, None, "an alert opened on {path}");
        // The probe listen has its buttons like any other listen.
        b.find(&format!(
            "li.listen button.fb[data-track='{}']",
            h.xss_track.0
        ))
        .await;
        let shown = b
            .execute(
                "return Array.prototype.map.call(document.querySelectorAll('li.listen .title'), function (e) { return e.textContent; });",
                vec![],
            )
            .await;
        assert!(
            shown.as_array().unwrap().iter().any(|t| t == XSS_TITLE),
            "the title is not shown as text on {path}: {shown}"
        );
        let injected = b
            .execute(
                "return document.querySelectorAll('main script').length + (window.__hearthXss ? 1 : 0);",
                vec![],
            )
            .await;
        assert_eq!(injected, 0, "a script element was injected on {path}");
        let visible = b.text(&b.find("li.listen .title").await).await;
        assert_eq!(visible, XSS_TITLE);
    }
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playlist_builder_produces_a_playlist() {
    let Some((chromium, driver)) = binaries("playlist_builder_produces_a_playlist") else {
        return;
    };
    let h = household().await;
    let s = serve(&h).await;
    let b = Browser::start(&chromium, &driver).await;
    open(&b, &format!("{}/", s.url)).await;
    b.click(
        &b.find("#playlist-form select[name='profile'] option[value='alice']")
            .await,
    )
    .await;
    let total = b.find("#playlist-form input[name='total_tracks']").await;
    b.execute("arguments[0].value = '';", vec![total.to_json()])
        .await;
    b.send_keys(&total, "8").await;
    b.click(&b.find("#playlist-form button[type='submit']").await)
        .await;
    let n = b
        .wait_for(
            "the playlist",
            "var e = document.querySelector('#playlist-result .error'); if (e) { return 'error: ' + e.textContent; } return document.querySelectorAll('#playlist-result ol.playlist-tracks > li').length;",
        )
        .await;
    assert!(n.is_u64(), "playlist builder failed: {n}");
    assert!(n.as_u64().unwrap() >= 1, "{n}");
    let exports = b
        .execute(
            "return document.querySelectorAll('#playlist-result .exports a').length;",
            vec![],
        )
        .await;
    assert_eq!(exports, 3);
    screenshot(&b, "playlist").await;
    assert!(severe(&b).await.is_empty());
    b.quit().await;
}
