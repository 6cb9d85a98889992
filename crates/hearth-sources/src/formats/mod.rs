//! One module per export format. Each turns one row (a JSON element's bytes, a JSON line, a CSV
//! record) into a [`crate::Row`] or a rejection reason; [`crate::rows`] drives them over a file.

pub(crate) mod lastfm;
pub(crate) mod librefm;
pub(crate) mod listenbrainz;
pub(crate) mod maloja;
pub(crate) mod panoscrobbler;
pub(crate) mod rockbox;
pub(crate) mod spinitron;
pub(crate) mod spotify_account;
pub(crate) mod spotify_extended;

use serde::{Deserialize, Deserializer};

/// Accepts an integer, a float or a numeric string (exports are not always strict about it).
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num<'a> {
        I(i64),
        F(f64),
        S(&'a str),
    }
    Ok(match Option::<Num>::deserialize(d)? {
        None => None,
        Some(Num::I(i)) => Some(i),
        Some(Num::F(f)) if f.is_finite() => Some(f.round() as i64),
        Some(Num::F(_)) => return Err(serde::de::Error::custom("not a finite number")),
        Some(Num::S(s)) => Some(
            s.trim()
                .parse::<i64>()
                .map_err(|_| serde::de::Error::custom(format!("not a number: {s:?}")))?,
        ),
    })
}

/// Accepts `true`/`false`, `0`/`1` or null.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        I(i64),
    }
    Ok(match Option::<B>::deserialize(d)? {
        None => None,
        Some(B::B(b)) => Some(b),
        Some(B::I(i)) => Some(i != 0),
    })
}

/// A serde_json error as a row rejection reason. serde's own "at line L column C" is dropped:
/// it counts from the start of the row, which the row's location already pins down.
pub(crate) fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(p) => &text[..p],
        None => &text,
    };
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("not valid JSON: {text}")
        }
        _ => text.to_string(),
    }
}
