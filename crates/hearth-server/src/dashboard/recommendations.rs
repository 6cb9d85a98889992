//! Recommendations with their reasons for a chosen profile and vibe. The form is a plain GET, so
//! this section works without JavaScript; results are rendered on the server.

use super::html::Html;
use super::picker_order;
use super::RecoView;

pub(super) fn render(h: &mut Html, r: &RecoView, profiles: &[String], action: &str) {
    h.raw("<section id=\"recommendations\" class=\"card\"><h2>Recommendations</h2>")
        .raw("<form method=\"get\" class=\"grid-form\" id=\"reco-form\"")
        .attr("action", action)
        .raw(">");
    if action == "/" {
        h.raw("<label>Profile <select name=\"profile\">");
        for name in picker_order(profiles) {
            h.option(name, name, r.profile.as_deref() == Some(name));
        }
        h.option("", "guest (vibe only)", r.profile.is_none());
        h.raw("</select></label>");
    }
    h.raw("<label>Vibe <input name=\"vibe\" type=\"text\" maxlength=\"200\"")
        .attr("value", r.vibe.as_deref().unwrap_or(""))
        .raw("></label>")
        .raw("<label>Alpha (1 = taste, 0 = vibe) <input name=\"alpha\" type=\"number\" min=\"0\" max=\"1\" step=\"0.1\"")
        .attr("value", format!("{:.1}", r.alpha))
        .raw("></label><button type=\"submit\">Recommend</button></form>");
    h.raw("<p class=\"hint\">For <strong>")
        .text(r.profile.as_deref().unwrap_or("a guest"))
        .raw("</strong>");
    if let Some(v) = &r.vibe {
        h.raw(" · vibe <q>").text(v).raw("</q>");
    }
    h.raw("</p>");
    match &r.items {
        Err(e) => {
            h.raw("<p class=\"error\">Recommendations unavailable: ")
                .text(e)
                .raw("</p>");
        }
        Ok(items) if items.is_empty() => {
            h.raw("<p class=\"empty\">Nothing to recommend yet: tracks need audio analysis, and the profile needs listens or a vibe.</p>");
        }
        Ok(items) => {
            h.raw("<ol class=\"recos\">");
            for i in items {
                h.raw("<li")
                    .attr("data-track", i.track_id)
                    .raw(">")
                    .raw("<div><span class=\"title\">")
                    .text(&i.title)
                    .raw("</span> <span class=\"by\">by</span> <span class=\"artist\">")
                    .text(&i.artist)
                    .raw("</span>");
                if let Some(a) = &i.album {
                    h.raw(" <span class=\"album\">(").text(a).raw(")</span>");
                }
                h.raw(" <span class=\"meta\">track #")
                    .text(i.track_id)
                    .raw(" · score ")
                    .text(format!("{:.2}", i.score))
                    .raw("</span></div><ul class=\"reasons\">");
                for reason in &i.reasons {
                    h.raw("<li>").text(reason).raw("</li>");
                }
                h.raw("</ul></li>");
            }
            h.raw("</ol>");
        }
    }
    h.raw("</section>\n");
}
