// Hearth dashboard: progressive enhancement only. Pages are complete without this script; it
// adds the persistent vibe context, feedback buttons, the manual feedback form and the playlist
// builder, all through the JSON API. Text from the server is inserted with textContent only.
"use strict";
(function () {
  var VIBE_KEY = "hearth.vibe";
  var TOKEN_KEY = "hearth.token";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function store(key, value) {
    try { if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, value); } } catch (e) { /* private mode */ }
  }
  function load(key) { try { return localStorage.getItem(key) || ""; } catch (e) { return ""; } }

  function vibe() {
    var input = $("#vibe-context");
    var v = input ? input.value.trim() : "";
    return v === "" ? null : v;
  }

  function toast(message, isError) {
    var t = $("#toast");
    if (!t) { return; }
    t.textContent = message;
    t.className = isError ? "show error" : "show";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.className = ""; }, 4000);
  }

  function post(path, body) {
    var headers = { "content-type": "application/json" };
    var token = load(TOKEN_KEY);
    if (token) { headers.authorization = "Bearer " + token; }
    return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) {
          if (!res.ok) {
            throw new Error((json && json.message) || ("HTTP " + res.status));
          }
          return json;
        });
      });
  }

  function sendFeedback(body) {
    return post("/api/feedback", body).then(function (r) {
      var msg = r.kind + " saved for " + r.profile + " (track #" + r.track_id + ")";
      if (r.vibe) { msg += " in vibe \u201c" + r.vibe + "\u201d"; }
      return msg;
    });
  }

  function initVibe() {
    var input = $("#vibe-context");
    if (!input) { return; }
    input.value = load(VIBE_KEY);
    input.addEventListener("input", function () {
      var v = input.value.trim();
      store(VIBE_KEY, v === "" ? null : v);
    });
    // The recommendation form starts from the context when the page was not asked for a vibe.
    var recoVibe = $("#reco-form input[name=vibe]");
    if (recoVibe && recoVibe.value === "" && input.value !== "") {
      recoVibe.placeholder = input.value;
    }
  }

  function initToken() {
    var input = $("#api-token");
    if (!input) { return; }
    input.value = load(TOKEN_KEY);
    input.addEventListener("change", function () {
      store(TOKEN_KEY, input.value === "" ? null : input.value);
    });
  }

  function initBadges() {
    $all(".badge[data-hue]").forEach(function (b) {
      b.style.setProperty("--hue", b.getAttribute("data-hue"));
    });
  }

  function initButtons() {
    $all("button.fb").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var body = {
          track_id: Number(btn.getAttribute("data-track")),
          profile: btn.getAttribute("data-profile"),
          kind: btn.getAttribute("data-kind")
        };
        var v = vibe();
        if (v !== null) { body.vibe = v; }
        btn.disabled = true;
        sendFeedback(body).then(function (msg) {
          btn.classList.add("done");
          toast(msg, false);
        }).catch(function (e) {
          toast("Feedback failed: " + e.message, true);
        }).then(function () { btn.disabled = false; });
      });
    });
  }

  function initManualForm() {
    var form = $("#manual-feedback");
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var out = form.elements.result;
      var body = {
        track_id: Number(form.elements.track_id.value),
        profile: form.elements.profile.value,
        kind: form.elements.kind.value
      };
      var rating = form.elements.rating.value;
      if (rating !== "") { body.rating = Number(rating); }
      var v = form.elements.vibe.value.trim() || vibe();
      if (v) { body.vibe = v; }
      sendFeedback(body).then(function (msg) {
        out.textContent = msg;
        out.className = "result ok";
      }).catch(function (e) {
        out.textContent = "Failed: " + e.message;
        out.className = "result error";
      });
    });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function safeHref(u) {
    return typeof u === "string" && (u.charAt(0) === "/" || /^https?:\/\//.test(u)) ? u : null;
  }

  function minutes(ms) {
    if (typeof ms !== "number") { return "?"; }
    return Math.round(ms / 60000) + " min";
  }

  function drawPlaylist(target, p) {
    target.textContent = "";
    var head = el("h3", p.name || ("Playlist " + p.id));
    target.appendChild(head);
    target.appendChild(el("p",
      p.total_tracks + " tracks (" + p.known_count + " known, " + p.discovery_count + " new) · " +
      minutes(p.duration_ms) + (p.vibe ? " · vibe \u201c" + p.vibe + "\u201d" : "") +
      (p.profile ? " · for " + p.profile : ""), "meta"));
    var list = el("ol", null, "playlist-tracks");
    (p.tracks || []).forEach(function (t) {
      var li = el("li");
      li.setAttribute("data-track", String(t.track_id));
      li.appendChild(el("span", t.title, "title"));
      li.appendChild(el("span", " by ", "by"));
      li.appendChild(el("span", t.artist, "artist"));
      li.appendChild(el("span", " " + t.kind, "kind " + t.kind));
      if (t.reasons && t.reasons.length) {
        var r = el("ul", null, "reasons");
        t.reasons.forEach(function (x) { r.appendChild(el("li", x)); });
        li.appendChild(r);
      }
      list.appendChild(li);
    });
    target.appendChild(list);
    if (p.unmet && p.unmet.length) {
      var u = el("ul", null, "unmet");
      p.unmet.forEach(function (x) { u.appendChild(el("li", x.rule + ": " + x.detail)); });
      target.appendChild(el("p", "Rules that could not be met:", "hint"));
      target.appendChild(u);
    }
    var ex = el("p", "Export: ", "exports");
    ["m3u8", "xspf", "jspf"].forEach(function (f) {
      var href = p.exports ? safeHref(p.exports[f]) : null;
      if (href) {
        var a = el("a", f.toUpperCase());
        a.href = href;
        a.setAttribute("download", "");
        ex.appendChild(a);
        ex.appendChild(document.createTextNode(" "));
      }
    });
    target.appendChild(ex);
    if (p.playback) {
      target.appendChild(el("p", "Playback: " + JSON.stringify(p.playback), "meta"));
    }
  }

  function initPlaylist() {
    var form = $("#playlist-form");
    var target = $("#playlist-result");
    if (!form || !target) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = form.elements;
      var body = {
        total_tracks: Number(f.total_tracks.value),
        known_pct: Number(f.known_pct.value),
        alpha: Number(f.alpha.value),
        auto_play: f.auto_play.checked
      };
      if (f.profile.value !== "") { body.profile = f.profile.value; }
      if (f.speaker_entity.value.trim() !== "") { body.speaker_entity = f.speaker_entity.value.trim(); }
      var v = vibe();
      if (v !== null) { body.vibe = v; }
      target.textContent = "Generating\u2026";
      post("/api/playlists/generate", body).then(function (p) {
        drawPlaylist(target, p);
      }).catch(function (e) {
        target.textContent = "";
        target.appendChild(el("p", "Playlist failed: " + e.message, "error"));
      });
    });
  }

  function init() {
    initVibe();
    initToken();
    initBadges();
    initButtons();
    initManualForm();
    initPlaylist();
    document.documentElement.setAttribute("data-ready", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
