//! Pipeline status: counts, analysis progress and the latest jobs.

use super::html::Html;
use super::{ago, IndexView};

pub(super) fn render(h: &mut Html, v: &IndexView) {
    let c = &v.counts;
    h.raw("<section id=\"status\" class=\"card\"><h2>Pipeline</h2><dl class=\"counts\">");
    let counts: [(&'static str, i64); 8] = [
        ("Listens", c.listens),
        ("Tracks", c.tracks),
        ("Analysed", c.analysed),
        ("Profiles", c.profiles),
        ("Feedback", c.feedback),
        ("Candidates", c.candidates),
        ("Queued jobs", c.queued_jobs),
        ("Failed jobs", c.failed_jobs),
    ];
    for (label, n) in counts {
        h.raw("<div><dt>")
            .raw(label)
            .raw("</dt><dd>")
            .text(n)
            .raw("</dd></div>");
    }
    h.raw("</dl>");
    let pct = if c.tracks > 0 {
        (c.analysed as f64 / c.tracks as f64 * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    h.raw("<p class=\"progress\"><label for=\"analysis-progress\">Analysis</label> ")
        .raw("<progress id=\"analysis-progress\" max=\"100\"")
        .attr("value", format!("{pct:.0}"))
        .raw("></progress> ")
        .text(format!("{pct:.0}% ({} of {} tracks", c.analysed, c.tracks))
        .text(format!(", {} running jobs)", c.running_jobs))
        .raw("</p>");
    h.raw("<p class=\"hint\">Store: ").text(v.backend);
    if let Some(t) = c.last_discovery_run {
        h.raw(" · last discovery ").text(ago(t, v.now));
    }
    h.raw("</p>");
    h.raw("<h3>Latest jobs</h3>");
    if v.jobs.is_empty() {
        h.raw("<p class=\"empty\">No jobs yet.</p>");
    } else {
        h.raw("<div class=\"scroll\"><table class=\"jobs\"><thead><tr><th>#</th><th>Kind</th><th>Status</th><th>Attempts</th><th>Updated</th><th>Error</th></tr></thead><tbody>");
        for j in &v.jobs {
            h.raw("<tr><td>")
                .text(j.id)
                .raw("</td><td>")
                .text(&j.kind)
                .raw("</td><td><span")
                .attr("class", format!("job-status {}", j.status.as_str()))
                .raw(">")
                .text(j.status.as_str())
                .raw("</span></td><td>")
                .text(format!("{}/{}", j.attempts, j.max_attempts))
                .raw("</td><td>")
                .text(ago(j.updated_at, v.now))
                .raw("</td><td>")
                .text(j.last_error.as_deref().unwrap_or(""))
                .raw("</td></tr>");
        }
        h.raw("</tbody></table></div>");
    }
    h.raw("</section>\n");
}
