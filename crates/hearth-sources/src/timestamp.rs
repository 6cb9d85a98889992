//! The timestamp spellings of export files, parsed to epoch ms UTC without allocation (a
//! million-row import parses a million timestamps).

use hearth_core::clock::UnixMs;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Epoch ms of a UTC calendar instant; `None` if any field is out of range.
pub(crate) fn civil_to_ms(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<UnixMs> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60
    {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400) + h as i64 * 3600 + mi as i64 * 60 + s as i64) * 1000)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, c| a * 10 + (c - b'0') as u32))
}

/// `2023-02-25T11:20:37Z` (Spotify's `ts`). Other RFC 3339 forms (offsets, fractions) go through
/// [`hearth_core::clock::parse_timestamp`].
pub(crate) fn parse_rfc3339(s: &str) -> Option<UnixMs> {
    let b = s.as_bytes();
    if b.len() == 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[19] == b'Z' {
        let y = digits(&b[0..4])? as i64;
        let ms = civil_to_ms(
            y,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if b[13] == b':' && b[16] == b':' {
            return ms;
        }
        return None;
    }
    // Only RFC 3339 text: a bare number is not a valid `ts`.
    if s.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return None;
    }
    hearth_core::clock::parse_timestamp(s)
}

/// `2023-10-02 23:43` (Spotify account data `endTime`, UTC), seconds optional.
pub(crate) fn parse_ymd_hm(s: &str) -> Option<UnixMs> {
    let b = s.trim().as_bytes();
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    let sec = match b.len() {
        16 => 0,
        19 if b[16] == b':' => digits(&b[17..19])?,
        _ => return None,
    };
    civil_to_ms(
        digits(&b[0..4])? as i64,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        sec,
    )
}

fn month_from_abbrev(m: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = m.get(..3)?.to_ascii_lowercase();
    NAMES.iter().position(|n| *n == lower).map(|i| i as u32 + 1)
}

/// Last.fm export dates: `31 Jan 2021 20:15` (UTC), also `31 Jan 2021, 20:15`.
pub(crate) fn parse_lastfm_date(s: &str) -> Option<UnixMs> {
    let cleaned = s.trim().replace(',', " ");
    let mut it = cleaned.split_whitespace();
    let day = digits(it.next()?.as_bytes())?;
    let month = month_from_abbrev(it.next()?)?;
    let year = digits(it.next()?.as_bytes())? as i64;
    let hm = it.next()?;
    if it.next().is_some() {
        return None;
    }
    let (h, m) = hm.split_once(':')?;
    civil_to_ms(
        year,
        month,
        day,
        digits(h.as_bytes())?,
        digits(m.as_bytes())?,
        0,
    )
}

/// Unix seconds as an integer string (Libre.fm `Time`, Rockbox `TIMESTAMP`).
pub(crate) fn parse_unix_seconds(s: &str) -> Option<UnixMs> {
    let s = s.trim();
    let neg = s.starts_with('-');
    let body = if neg { &s[1..] } else { s };
    if body.is_empty() || body.len() > 12 || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: i64 = body.parse().ok()?;
    Some(if neg { -v } else { v } * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("2023-02-25T11:20:37Z", Some(1_677_324_037_000))]
    #[case("1970-01-01T00:00:00Z", Some(0))]
    #[case("2024-02-29T00:00:00Z", Some(1_709_164_800_000))]
    #[case("2023-02-29T00:00:00Z", None)]
    #[case("2023-02-25T11:20:37+01:00", Some(1_677_320_437_000))]
    #[case("1677324037", None)]
    #[case("garbage", None)]
    fn rfc3339(#[case] s: &str, #[case] want: Option<i64>) {
        assert_eq!(parse_rfc3339(s), want);
    }

    #[rstest]
    #[case("2023-10-02 23:43", Some(1_696_290_180_000))]
    #[case("2023-10-02 23:43:10", Some(1_696_290_190_000))]
    #[case("2023-13-02 23:43", None)]
    #[case("2023-10-02T23:43", None)]
    fn ymd_hm(#[case] s: &str, #[case] want: Option<i64>) {
        assert_eq!(parse_ymd_hm(s), want);
    }

    #[rstest]
    #[case("31 Jan 2021 20:15", Some(1_612_124_100_000))]
    #[case("1 Feb 2021, 00:00", Some(1_612_137_600_000))]
    #[case("31 Foo 2021 20:15", None)]
    #[case("", None)]
    fn lastfm(#[case] s: &str, #[case] want: Option<i64>) {
        assert_eq!(parse_lastfm_date(s), want);
    }

    #[test]
    fn unix_seconds() {
        assert_eq!(parse_unix_seconds("1690347960"), Some(1_690_347_960_000));
        assert_eq!(parse_unix_seconds(" 12 "), Some(12_000));
        assert_eq!(parse_unix_seconds("12a"), None);
        assert_eq!(parse_unix_seconds(""), None);
    }
}
