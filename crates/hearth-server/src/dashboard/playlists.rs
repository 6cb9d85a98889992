//! The playlist builder: a form the script sends to `POST /api/playlists/generate`; the result
//! (tracks with reasons, unmet rules, export links and playback outcome) is drawn by the script
//! with `textContent`, so titles from the catalogue are never parsed as HTML.

use super::html::Html;
use super::picker_order;

pub(super) fn render(h: &mut Html, profiles: &[String], selected: Option<&str>) {
    h.raw("<section id=\"playlist\" class=\"card\"><h2>Playlist builder</h2>")
        .raw("<form id=\"playlist-form\" class=\"grid-form\">")
        .raw("<label>Profile <select name=\"profile\">");
    for name in picker_order(profiles) {
        h.option(name, name, selected == Some(name));
    }
    h.option("", "guest (vibe only)", false);
    h.raw("</select></label>")
        .raw("<label>Tracks <input name=\"total_tracks\" type=\"number\" min=\"1\" max=\"200\" value=\"20\" required></label>")
        .raw("<label>Known % <input name=\"known_pct\" type=\"number\" min=\"0\" max=\"100\" value=\"30\" required></label>")
        .raw("<label>Alpha <input name=\"alpha\" type=\"number\" min=\"0\" max=\"1\" step=\"0.1\" value=\"0.5\" required></label>")
        .raw("<label>Speaker entity (to play) <input name=\"speaker_entity\" type=\"text\" placeholder=\"media_player.kitchen\"></label>")
        .raw("<label class=\"check\"><input name=\"auto_play\" type=\"checkbox\"> Play now</label>")
        .raw("<button type=\"submit\">Generate</button></form>")
        .raw("<p class=\"hint\">Uses the vibe context above.</p>")
        .raw("<div id=\"playlist-result\" aria-live=\"polite\"></div></section>\n");
}
