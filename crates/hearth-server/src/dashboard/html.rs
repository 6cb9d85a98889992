//! The one way dashboard pages are written: [`Html`] accepts markup only as `&'static str`
//! literals ([`Html::raw`]) and every runtime value through [`Html::text`], which escapes it. A
//! user-supplied string therefore cannot reach the page unescaped without a visible `raw` of a
//! non-literal, which does not compile.

use std::fmt::{Display, Write};

/// An HTML document under construction.
#[derive(Debug, Default)]
pub struct Html(String);

impl Html {
    pub fn new() -> Self {
        Html(String::with_capacity(16 * 1024))
    }

    /// Markup written in the source (tags, attribute names, fixed text).
    pub fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// A runtime value, escaped for text content and for quoted attribute values.
    pub fn text(&mut self, value: impl Display) -> &mut Self {
        let mut plain = String::new();
        // Writing into a String cannot fail.
        let _ = write!(plain, "{value}");
        escape_into(&mut self.0, &plain);
        self
    }

    /// ` name="value"` with the value escaped.
    pub fn attr(&mut self, name: &'static str, value: impl Display) -> &mut Self {
        self.0.push(' ');
        self.0.push_str(name);
        self.0.push_str("=\"");
        self.text(value);
        self.0.push('"');
        self
    }

    /// An `<option>` with the value escaped, `selected` when `selected`.
    pub fn option(&mut self, value: &str, label: &str, selected: bool) -> &mut Self {
        self.raw("<option").attr("value", value);
        if selected {
            self.raw(" selected");
        }
        self.raw(">").text(label).raw("</option>")
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` (enough for text and quoted attributes).
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut h = Html::new();
        h.raw("<p").attr("title", "a\"b'c").raw(">");
        h.text("<script>alert(1)</script> & co").raw("</p>");
        assert_eq!(
            h.into_string(),
            "<p title=\"a&quot;b&#39;c\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>"
        );
    }

    proptest! {
        #[test]
        fn escaped_text_never_contains_markup_characters(s in ".*") {
            let mut out = String::new();
            escape_into(&mut out, &s);
            prop_assert!(!out.contains(['<', '>', '"', '\'']));
            // Every `&` starts one of the entities this function writes.
            for (i, _) in out.match_indices('&') {
                let rest = &out[i..];
                prop_assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| rest.starts_with(e)));
            }
        }
    }
}
