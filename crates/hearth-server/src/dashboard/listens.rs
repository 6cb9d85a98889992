//! Recent listens (each with the listener's profile badge, the track id and like / dislike / skip
//! buttons bound to *that listener's* profile) and the manual feedback form.

use super::html::Html;
use super::{ago, picker_order};
use hearth_core::clock::to_rfc3339;
use hearth_core::clock::UnixMs;
use hearth_core::model::{FeedbackKind, ListenEvent};

/// The buttons on each listen.
const BUTTONS: [(&str, &str); 3] = [("like", "Like"), ("dislike", "Dislike"), ("skip", "Skip")];

pub(super) fn render(h: &mut Html, listens: &[ListenEvent], now: UnixMs, with_badges: bool) {
    h.raw("<section id=\"listens\" class=\"card\"><h2>Recent listens</h2>");
    if listens.is_empty() {
        h.raw("<p class=\"empty\">No listens yet. Send one to <code>POST /api/history/webhook</code> or run <code>hearth import</code>.</p></section>\n");
        return;
    }
    h.raw("<ul class=\"listens\">");
    for l in listens {
        h.raw("<li class=\"listen\"")
            .attr("data-listen-id", l.id)
            .raw(">");
        h.raw("<div class=\"listen-main\">");
        if with_badges {
            badge(h, &l.profile);
        }
        h.raw("<span class=\"track\"><span class=\"title\">")
            .text(&l.title)
            .raw("</span> <span class=\"by\">by</span> <span class=\"artist\">")
            .text(&l.artist)
            .raw("</span></span>");
        h.raw("<span class=\"meta\"><span class=\"track-id\">track #")
            .text(l.track_id)
            .raw("</span> · <time")
            .attr("datetime", to_rfc3339(l.ts))
            .raw(">")
            .text(ago(l.ts, now))
            .raw("</time>");
        if let Some(s) = &l.speaker_name {
            h.raw(" · ").text(s);
        }
        if l.skipped {
            h.raw(" · <span class=\"skipped\">skipped</span>");
        }
        h.raw("</span></div><div class=\"fb-buttons\">");
        for (kind, label) in BUTTONS {
            h.raw("<button type=\"button\" class=\"fb\"")
                .attr("data-kind", kind)
                .attr("data-profile", &l.profile)
                .attr("data-track", l.track_id)
                .attr(
                    "aria-label",
                    format!("{kind} {} for {}", l.title, l.profile),
                )
                .raw(">")
                .text(label)
                .raw("</button>");
        }
        h.raw("</div></li>");
    }
    h.raw("</ul></section>\n");
}

/// A profile badge linking to the profile's page; its hue is derived from the name so each
/// listener keeps one colour.
pub(super) fn badge(h: &mut Html, profile: &str) {
    let hue = profile.bytes().fold(7u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    }) % 360;
    h.raw("<a class=\"badge\"")
        .attr("href", format!("/profiles/{profile}"))
        .attr("data-hue", hue)
        .raw(">")
        .text(profile)
        .raw("</a>");
}

/// Feedback for any track id, to any profile.
pub(super) fn render_manual_form(h: &mut Html, profiles: &[String]) {
    h.raw("<section id=\"feedback\" class=\"card\"><h2>Feedback for any track</h2>")
        .raw("<form id=\"manual-feedback\" class=\"grid-form\">")
        .raw("<label>Track id <input name=\"track_id\" type=\"number\" min=\"1\" step=\"1\" required></label>")
        .raw("<label>Profile <select name=\"profile\">");
    for name in picker_order(profiles) {
        h.option(name, name, false);
    }
    h.raw("</select></label><label>Kind <select name=\"kind\">");
    for k in FeedbackKind::ALL {
        h.option(k.as_str(), k.as_str(), k == FeedbackKind::Like);
    }
    h.raw("</select></label>")
        .raw("<label>Rating (0–1, optional) <input name=\"rating\" type=\"number\" min=\"0\" max=\"1\" step=\"0.05\"></label>")
        .raw("<label>Vibe (empty: the vibe context) <input name=\"vibe\" type=\"text\" maxlength=\"200\"></label>")
        .raw("<button type=\"submit\">Send feedback</button>")
        .raw("<output name=\"result\" class=\"result\"></output></form></section>\n");
}
