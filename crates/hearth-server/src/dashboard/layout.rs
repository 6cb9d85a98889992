//! The page frame: head (viewport, style, script), the header with navigation and the persistent
//! vibe-context input, and the footer with the optional API token.

use super::html::Html;
use super::{SCRIPT_PATH, STYLE_PATH};

pub(super) fn open(h: &mut Html, title: &str) {
    h.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .text(title)
        .raw("</title>")
        .raw("<link rel=\"icon\" href=\"data:,\">")
        .raw("<link rel=\"stylesheet\"")
        .attr("href", STYLE_PATH)
        .raw("><script defer")
        .attr("src", SCRIPT_PATH)
        .raw("></script></head>\n<body>")
        .raw("<header class=\"top\"><h1><a href=\"/\">Hearth</a></h1><nav>")
        .raw("<a href=\"/#status\">Status</a><a href=\"/#listens\">Listens</a>")
        .raw("<a href=\"/#recommendations\">Recommendations</a><a href=\"/#playlist\">Playlist</a>")
        .raw("<a href=\"/#profiles\">Profiles</a></nav></header>\n");
}

/// The vibe context every feedback button, the manual form and the playlist builder carry. The
/// script keeps it in `localStorage`; empty means "no vibe".
pub(super) fn vibe_bar(h: &mut Html) {
    h.raw("<div class=\"vibe-bar\"><label for=\"vibe-context\">Vibe context</label>")
        .raw("<input id=\"vibe-context\" name=\"vibe-context\" type=\"text\" autocomplete=\"off\" ")
        .raw("placeholder=\"e.g. rainy sunday morning (empty: no vibe)\" maxlength=\"200\">")
        .raw("<span class=\"hint\">kept in this browser; sent with feedback and playlists</span></div>\n");
}

pub(super) fn close(h: &mut Html) {
    h.raw("<footer><details><summary>API token</summary>")
        .raw("<p>Only needed when the server sets <code>HEARTH_API_TOKEN</code>; kept in this browser.</p>")
        .raw("<input id=\"api-token\" type=\"password\" autocomplete=\"off\"></details>")
        .raw("<noscript><p>Reading works without JavaScript; the buttons and forms that send feedback or build playlists need it.</p></noscript>")
        .raw("<p class=\"hint\">Hearth · <a href=\"/api/openapi.json\">API</a> · <a href=\"/api/status\">status JSON</a></p></footer>")
        .raw("<div id=\"toast\" role=\"status\" aria-live=\"polite\"></div>")
        .raw("</body></html>\n");
}
