//! Track identity: [`norm_key`] folds the many spellings of one recording to one key.
//!
//! The key is `"<artist>|<title>"` after:
//! 1. Unicode compatibility decomposition with combining marks dropped (`Beyoncé` → `beyonce`),
//!    and lower-casing;
//! 2. removing *version noise* from the title — bracketed or dash-separated segments such as
//!    `(Remastered 2011)`, `- Radio Edit`, `[Explicit]`, `(feat. X)`, `(Single Version)`,
//!    `(Bonus Track)`, `(From "Film")` — and a trailing unbracketed `feat. X` / `ft. X`;
//! 3. removing featured artists from the artist (`A feat. B` → `a`);
//! 4. folding punctuation: `&` becomes `and`, every other non-alphanumeric character becomes a
//!    space (apostrophes and dots are dropped: `R.E.M.` = `REM`), runs of spaces collapse.
//!
//! Segments that name a *different recording* are kept: `(Live)`, `(Acoustic)`, `(Remix)`,
//! `(Demo)`, `- Live at Wembley`. Deliberately not folded: a leading "The" (too many false merges).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The identity key of a recording: normalised artist and title joined by `|`.
pub fn norm_key(artist: &str, title: &str) -> String {
    format!("{}|{}", norm_artist(artist), norm_title(title))
}

/// Normalised title (version noise removed, punctuation folded).
pub fn norm_title(title: &str) -> String {
    let s = fold_case(title);
    let s = strip_bracketed_noise(&s);
    let s = strip_dash_noise(&s);
    let s = cut_featuring(&s);
    let folded = fold_punct(&s);
    if folded.is_empty() {
        // A title that is nothing but noise (e.g. "(Intro)") keeps its own folded text.
        fold_punct(&fold_case(title))
    } else {
        folded
    }
}

/// Normalised artist (featured artists removed, punctuation folded).
pub fn norm_artist(artist: &str) -> String {
    let s = fold_case(artist);
    let s = strip_bracketed_noise(&s);
    let cut = cut_featuring(&s);
    let folded = fold_punct(&cut);
    if folded.is_empty() {
        fold_punct(&s)
    } else {
        folded
    }
}

fn fold_case(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '`' | '\u{b4}' => '\'',
            '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            'ø' => 'o',
            'æ' => 'a',
            'ß' => 's',
            c => c,
        })
        .collect()
}

/// Is the text inside brackets, or after " - ", a marker of an edition rather than a recording?
fn is_version_noise(seg: &str) -> bool {
    let seg = seg.trim().trim_matches(|c: char| c == '"' || c == '\'');
    let words: Vec<&str> = seg
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return false;
    }
    let has = |w: &str| words.contains(&w);
    let first = words[0];
    // Featured artists / collaborations.
    if matches!(first, "feat" | "ft" | "featuring" | "with") {
        return true;
    }
    // Soundtrack provenance: (From "Frozen"), - From The Motion Picture ...
    if first == "from" {
        return true;
    }
    // Different recordings, never noise.
    if has("live")
        || has("acoustic")
        || has("remix")
        || has("demo")
        || has("instrumental")
        || has("unplugged")
        || has("session")
        || has("sessions")
        || has("cover")
        || has("karaoke")
    {
        return false;
    }
    if words.iter().any(|w| w.starts_with("remaster")) {
        return true;
    }
    if has("explicit") || has("clean") || has("dirty") || has("censored") || has("uncensored") {
        return true;
    }
    if has("bonus") || has("deluxe") || has("anniversary") || has("expanded") {
        return true;
    }
    if has("mono") || has("stereo") {
        return true;
    }
    if has("edit")
        && (has("radio") || has("single") || has("album") || has("short") || words.len() == 1)
    {
        return true;
    }
    if has("version")
        && (has("radio")
            || has("single")
            || has("album")
            || has("original")
            || has("lp")
            || has("45"))
    {
        return true;
    }
    if has("mix") && (has("original") || has("radio") || has("album")) {
        return true;
    }
    false
}

/// Removes `( … )` and `[ … ]` segments that are version noise.
fn strip_bracketed_noise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(['(', '[']) {
        let close_ch = if rest.as_bytes()[open] == b'(' {
            ')'
        } else {
            ']'
        };
        match rest[open + 1..].find(close_ch) {
            Some(rel) => {
                let close = open + 1 + rel;
                let inner = &rest[open + 1..close];
                out.push_str(&rest[..open]);
                if !is_version_noise(inner) {
                    out.push_str(&rest[open..=close]);
                }
                rest = &rest[close + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Removes trailing ` - <noise>` segments ("Song - 2011 Remaster", "Song - Radio Edit").
fn strip_dash_noise(s: &str) -> String {
    let mut parts: Vec<&str> = s.split(" - ").collect();
    while parts.len() > 1 && is_version_noise(parts[parts.len() - 1]) {
        parts.pop();
    }
    parts.join(" - ")
}

/// Cuts an unbracketed "feat. X" / "ft. X" / "featuring X" to the end of the string.
fn cut_featuring(s: &str) -> String {
    for marker in [" feat. ", " feat ", " ft. ", " ft ", " featuring "] {
        if let Some(pos) = s.find(marker) {
            return s[..pos].to_string();
        }
    }
    s.to_string()
}

fn fold_punct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let push_word = |w: &str, out: &mut String, pending: &mut bool| {
        if *pending && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
        *pending = false;
    };
    let mut word = String::new();
    for c in s.chars() {
        if c == '\'' || c == '.' {
            // Apostrophes and dots join: "don't" → "dont", "R.E.M." → "rem".
            continue;
        }
        if c == '&' || c == '+' {
            if !word.is_empty() {
                push_word(&word, &mut out, &mut pending_space);
                word.clear();
            }
            pending_space = true;
            push_word("and", &mut out, &mut pending_space);
            pending_space = true;
            continue;
        }
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            if !word.is_empty() {
                push_word(&word, &mut out, &mut pending_space);
                word.clear();
            }
            pending_space = true;
        }
    }
    if !word.is_empty() {
        push_word(&word, &mut out, &mut pending_space);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    // (artist, title) pairs that must share the key of the canonical (artist, title).
    #[rstest]
    #[case(
        "The Beatles",
        "Let It Be",
        "The Beatles",
        "Let It Be - Remastered 2009"
    )]
    #[case("The Beatles", "Let It Be", "THE BEATLES", "LET IT BE")]
    #[case(
        "The Beatles",
        "Let It Be",
        "The Beatles",
        "Let It Be (Remastered 2009)"
    )]
    #[case("The Beatles", "Let It Be", "The Beatles", "Let It Be [2009 Remaster]")]
    #[case(
        "The Beatles",
        "Let It Be",
        "The Beatles",
        "Let It Be - 2009 Remastered Version"
    )]
    #[case("Queen", "Song", "Queen", "Song (Remastered 2011)")]
    #[case("Queen", "Song", "Queen", "Song - Radio Edit")]
    #[case("Queen", "Song", "Queen", "SONG [Explicit]")]
    #[case("Queen", "Song", "Queen", "Song (feat. X)")]
    #[case("Queen", "Song", "Queen", "Song feat. X")]
    #[case("Queen", "Song", "Queen", "Song (ft. X & Y)")]
    #[case("Queen", "Song", "Queen", "Song [feat. X]")]
    #[case("Queen", "Song", "Queen", "Song (with X)")]
    #[case("Queen", "Song", "Queen", "Song - Single Version")]
    #[case("Queen", "Song", "Queen", "Song (Album Version)")]
    #[case("Queen", "Song", "Queen", "Song (Radio Version)")]
    #[case("Queen", "Song", "Queen", "Song - Edit")]
    #[case("Queen", "Song", "Queen", "Song (Clean)")]
    #[case("Queen", "Song", "Queen", "Song - Mono")]
    #[case("Queen", "Song", "Queen", "Song (2011 Stereo Mix)")]
    #[case("Queen", "Song", "Queen", "Song (Bonus Track)")]
    #[case("Queen", "Song", "Queen", "Song (Deluxe Edition)")]
    #[case("Queen", "Song", "Queen", "Song - Remastered 2011 - Radio Edit")]
    #[case("Queen", "Song", "Queen feat. David Bowie", "Song")]
    #[case("Queen", "Song", "Queen ft. David Bowie", "Song (Original Mix)")]
    #[case("Queen", "Song", "  queen ", " song  ")]
    #[case("Beyoncé", "Halo", "Beyonce", "Halo")]
    #[case("Sigur Rós", "Hoppípolla", "Sigur Ros", "Hoppipolla")]
    #[case(
        "Guns N' Roses",
        "Sweet Child O' Mine",
        "Guns N’ Roses",
        "Sweet Child O’ Mine"
    )]
    #[case("Simon & Garfunkel", "The Boxer", "Simon and Garfunkel", "The Boxer")]
    #[case("AC/DC", "Back In Black", "AC DC", "Back in Black")]
    #[case(
        "Idina Menzel",
        "Let It Go",
        "Idina Menzel",
        "Let It Go (From \"Frozen\"/Soundtrack Version)"
    )]
    #[case(
        "Daft Punk",
        "Get Lucky",
        "Daft Punk",
        "Get Lucky (Radio Edit) [feat. Pharrell Williams]"
    )]
    #[case(
        "Nirvana",
        "Smells Like Teen Spirit",
        "Nirvana",
        "Smells Like Teen Spirit – Remastered"
    )]
    #[case("R.E.M.", "Losing My Religion", "REM", "Losing My Religion")]
    fn same_recording(#[case] a1: &str, #[case] t1: &str, #[case] a2: &str, #[case] t2: &str) {
        assert_eq!(norm_key(a1, t1), norm_key(a2, t2), "{a2} / {t2}");
    }

    // Different recordings that must stay apart.
    #[rstest]
    #[case("Nirvana", "Lake of Fire", "Nirvana", "Lake of Fire (Live)")]
    #[case("Eric Clapton", "Layla", "Eric Clapton", "Layla - Acoustic")]
    #[case("Daft Punk", "One More Time", "Daft Punk", "One More Time (Remix)")]
    #[case("Radiohead", "Creep", "Radiohead", "Creep (Acoustic Version)")]
    #[case("Radiohead", "Creep", "Stone Sour", "Creep")]
    #[case("Queen", "Song", "Queen", "Song 2")]
    fn different_recordings(
        #[case] a1: &str,
        #[case] t1: &str,
        #[case] a2: &str,
        #[case] t2: &str,
    ) {
        assert_ne!(norm_key(a1, t1), norm_key(a2, t2));
    }

    #[test]
    fn key_shape() {
        assert_eq!(
            norm_key("The Beatles", "Let It Be (Remastered 2009)"),
            "the beatles|let it be"
        );
        assert_eq!(
            norm_key("R.E.M.", "Losing My Religion"),
            "rem|losing my religion"
        );
        // A title that is only noise keeps its text rather than becoming empty.
        assert_eq!(norm_key("X", "(Bonus Track)"), "x|bonus track");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_is_idempotent_on_folded_text(a in ".{0,40}", t in ".{0,60}") {
            let k = norm_key(&a, &t);
            proptest::prop_assert!(k.contains('|'));
        }
    }
}
