//! Profiles with their speakers and taste summary (top artists and tags, energy / tempo leaning,
//! number of taste centroids).

use super::html::Html;
use super::listens::badge;
use super::{ago, ProfileCard, TasteView};
use hearth_core::vibe::TempoClass;

pub(super) fn render_all(h: &mut Html, cards: &[ProfileCard], now: i64) {
    h.raw("<section id=\"profiles\" class=\"card\"><h2>Profiles</h2><div class=\"profiles\">");
    for c in cards {
        render_card(h, c, now, false);
    }
    h.raw("</div></section>\n");
}

pub(super) fn render_card(h: &mut Html, c: &ProfileCard, now: i64, page: bool) {
    h.raw(if page {
        "<section class=\"card profile\" id=\"profile\">"
    } else {
        "<article class=\"profile\">"
    });
    h.raw("<h3>");
    badge(h, &c.profile.name);
    if let Some(d) = &c.profile.display_name {
        h.raw(" <span class=\"display-name\">")
            .text(d)
            .raw("</span>");
    }
    h.raw("</h3><p class=\"meta\">").text(format!(
        "{} listens · {} tracks",
        c.stats.event_count, c.stats.track_count
    ));
    if let Some(t) = c.stats.last_listen {
        h.raw(" · last ").text(ago(t, now));
    }
    h.raw("</p><p>Speakers: ");
    if c.stats.speakers.is_empty() {
        h.raw("<span class=\"empty\">none</span>");
    } else {
        for (i, s) in c.stats.speakers.iter().enumerate() {
            if i > 0 {
                h.raw(", ");
            }
            h.raw("<code>").text(s).raw("</code>");
        }
    }
    h.raw("</p>");
    match &c.taste {
        Err(e) => {
            h.raw("<p class=\"error\">Taste unavailable: ")
                .text(e)
                .raw("</p>");
        }
        Ok(t) => taste(h, t),
    }
    h.raw(if page { "</section>\n" } else { "</article>" });
}

fn taste(h: &mut Html, t: &TasteView) {
    if t.known_tracks == 0 {
        h.raw("<p class=\"empty\">No taste yet: it grows with listens of analysed tracks.</p>");
        return;
    }
    h.raw("<dl class=\"taste\"><div><dt>Taste centroids</dt><dd>")
        .text(t.centroids)
        .raw("</dd></div><div><dt>Avoid centroids</dt><dd>")
        .text(t.avoid_centroids)
        .raw("</dd></div><div><dt>Known tracks</dt><dd>")
        .text(t.known_tracks)
        .raw("</dd></div><div><dt>Leaning</dt><dd>")
        .text(leaning(t))
        .raw("</dd></div></dl>");
    shares(h, "Top artists", &t.top_artists);
    shares(h, "Top tags", &t.top_tags);
}

fn shares(h: &mut Html, label: &'static str, items: &[(String, f64)]) {
    if items.is_empty() {
        return;
    }
    h.raw("<p class=\"shares\"><span class=\"label\">")
        .raw(label)
        .raw(":</span> ");
    for (i, (name, share)) in items.iter().enumerate() {
        if i > 0 {
            h.raw(", ");
        }
        h.text(name)
            .raw(" <span class=\"meta\">")
            .text(format!("{:.0}%", share * 100.0))
            .raw("</span>");
    }
    h.raw("</p>");
}

/// Energy and tempo leaning in words with the numbers behind them.
fn leaning(t: &TasteView) -> String {
    let energy = match t.energy {
        Some(e) if e >= 0.66 => format!("high energy ({e:.2})"),
        Some(e) if e <= 0.33 => format!("calm ({e:.2})"),
        Some(e) => format!("moderate energy ({e:.2})"),
        None => "energy unknown".into(),
    };
    let tempo = match t.tempo_bpm {
        Some(b) => match TempoClass::from_bpm(b as f32) {
            Some(c) => format!("{} tempo ({b:.0} BPM)", c.as_str()),
            None => "tempo unknown".into(),
        },
        None => "tempo unknown".into(),
    };
    format!("{energy}, {tempo}")
}
