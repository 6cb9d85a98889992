//! Benchmark data: a synthetic Spotify Extended Streaming History export with the real files'
//! schema and value distributions, and a parse-only throughput measurement.
//!
//! The distributions are taken from the real exports in `shared/data/spotify-extended-streaming-
//! history` (efrrowini 2023, 1,470 plays): `reason_end` endplay 50 %, trackdone 27 %, fwdbtn 11 %,
//! logout 5 %, unexpected-exit-while-paused 5 %, backbtn 1 %, unexpected-exit 1 %; about 1 % of
//! rows are podcast episodes; `skipped` is true for most non-`trackdone` plays. Names are
//! synthesised (5,000 artists, 50,000 tracks, Zipf-like popularity) so the corpus has a realistic
//! number of distinct tracks for the store to resolve.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::format::FormatRequest;
use crate::listen::Row;
use crate::rows::open_rows;

pub const BENCH_ARTISTS: usize = 5_000;
pub const BENCH_TRACKS: usize = 50_000;

const SYLLABLES: [&str; 32] = [
    "la", "mor", "ven", "ta", "ri", "son", "ka", "bel", "do", "ne", "sha", "lo", "mi", "tor", "vi",
    "an", "el", "qu", "ra", "zen", "po", "lu", "xa", "fi", "gor", "em", "sil", "da", "no", "ke",
    "ru", "bi",
];
const WORDS: [&str; 24] = [
    "Night", "River", "Golden", "Heart", "Echo", "Summer", "Blue", "Fire", "Dream", "Light",
    "Shadow", "Wild", "Glass", "Silver", "Ocean", "Ghost", "Paper", "Velvet", "Neon", "Storm",
    "Honey", "Static", "Midnight", "Home",
];

struct SynthTrack {
    title: String,
    artist: u32,
    album: String,
    uri: String,
    duration_ms: i64,
}

fn name(rng: &mut ChaCha8Rng, parts: usize) -> String {
    let mut s = String::new();
    for i in 0..parts {
        let syl = SYLLABLES[rng.gen_range(0..SYLLABLES.len())];
        if i == 0 {
            let mut c = syl.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push_str(syl);
        }
    }
    s
}

fn phrase(rng: &mut ChaCha8Rng, words: usize) -> String {
    (0..words)
        .map(|_| WORDS[rng.gen_range(0..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn base62(rng: &mut ChaCha8Rng, len: usize) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..len)
        .map(|_| A[rng.gen_range(0..A.len())] as char)
        .collect()
}

/// Zipf-like pick in `0..n`: a few items get most plays, as in real listening.
fn popular(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let u: f64 = rng.gen();
    ((n as f64) * u.powf(3.0)) as usize % n
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn rfc3339_secs(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Writes a Spotify Extended Streaming History JSON array of `rows` plays, deterministic for a
/// given `seed`, pretty-printed like Spotify's own files.
pub fn generate_spotify_extended(rows: usize, seed: u64, out: impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let artists: Vec<String> = (0..BENCH_ARTISTS)
        .map(|i| {
            let n = name(&mut rng, 2 + i % 2);
            if i % 7 == 0 {
                format!("The {n}s")
            } else {
                n
            }
        })
        .collect();
    let tracks: Vec<SynthTrack> = (0..BENCH_TRACKS)
        .map(|i| {
            let words = 1 + i % 3;
            let title = if i % 11 == 0 {
                format!("{} - Remastered {}", phrase(&mut rng, words), 1990 + i % 30)
            } else {
                format!("{} {}", phrase(&mut rng, words), name(&mut rng, 1))
            };
            SynthTrack {
                title,
                artist: popular(&mut rng, BENCH_ARTISTS) as u32,
                album: phrase(&mut rng, 2),
                uri: format!("spotify:track:{}", base62(&mut rng, 22)),
                duration_ms: rng.gen_range(90_000..420_000),
            }
        })
        .collect();
    const COUNTRIES: [&str; 5] = ["IN", "DE", "US", "GB", "SE"];
    const PLATFORMS: [&str; 3] = ["android", "ios", "windows"];
    let mut ts_ms: i64 = 1_546_300_800_000; // 2019-01-01
    out.write_all(b"[\n")?;
    for i in 0..rows {
        let podcast = rng.gen_bool(0.01);
        let t = &tracks[popular(&mut rng, BENCH_TRACKS)];
        let roll: f64 = rng.gen();
        let reason_end = match roll {
            r if r < 0.50 => "endplay",
            r if r < 0.77 => "trackdone",
            r if r < 0.88 => "fwdbtn",
            r if r < 0.93 => "logout",
            r if r < 0.98 => "unexpected-exit-while-paused",
            r if r < 0.99 => "backbtn",
            _ => "unexpected-exit",
        };
        let ms_played = match reason_end {
            "trackdone" => t.duration_ms,
            "fwdbtn" | "backbtn" => rng.gen_range(0..45_000),
            _ => rng.gen_range(0..t.duration_ms),
        };
        let skipped = reason_end != "trackdone" && rng.gen_bool(0.85);
        ts_ms += ms_played + rng.gen_range(0..20_000);
        if rng.gen_bool(0.02) {
            ts_ms += rng.gen_range(3_600_000..86_400_000); // a break between sessions
        }
        let reason_start = if reason_end == "trackdone" || rng.gen_bool(0.5) {
            "trackdone"
        } else {
            "clickrow"
        };
        let (track, artist, album, uri, episode, show, episode_uri) = if podcast {
            (
                "null".to_string(),
                "null".to_string(),
                "null".to_string(),
                "null".to_string(),
                json_str(&format!("Episode {}", i % 500)),
                json_str(&format!("The {} Podcast", phrase(&mut rng, 1))),
                json_str(&format!("spotify:episode:{}", base62(&mut rng, 22))),
            )
        } else {
            (
                json_str(&t.title),
                json_str(&artists[t.artist as usize]),
                json_str(&t.album),
                json_str(&t.uri),
                "null".to_string(),
                "null".to_string(),
                "null".to_string(),
            )
        };
        if i > 0 {
            out.write_all(b",\n")?;
        }
        write!(
            out,
            "  {{\n    \"ts\": \"{ts}\",\n    \"platform\": \"{platform}\",\n    \"ms_played\": {ms_played},\n    \
             \"conn_country\": \"{country}\",\n    \"ip_addr\": \"192.0.2.1\",\n    \
             \"master_metadata_track_name\": {track},\n    \"master_metadata_album_artist_name\": {artist},\n    \
             \"master_metadata_album_album_name\": {album},\n    \"spotify_track_uri\": {uri},\n    \
             \"episode_name\": {episode},\n    \"episode_show_name\": {show},\n    \"spotify_episode_uri\": {episode_uri},\n    \
             \"audiobook_title\": null,\n    \"audiobook_uri\": null,\n    \"audiobook_chapter_uri\": null,\n    \
             \"audiobook_chapter_title\": null,\n    \"reason_start\": \"{reason_start}\",\n    \
             \"reason_end\": \"{reason_end}\",\n    \"shuffle\": {shuffle},\n    \"skipped\": {skipped},\n    \
             \"offline\": false,\n    \"offline_timestamp\": {offline_ts},\n    \"incognito_mode\": false\n  }}",
            ts = rfc3339_secs(ts_ms),
            platform = PLATFORMS[i % PLATFORMS.len()],
            country = COUNTRIES[(i / 1000) % COUNTRIES.len()],
            shuffle = rng.gen_bool(0.4),
            offline_ts = ts_ms / 1000 - ms_played / 1000,
        )?;
    }
    out.write_all(b"\n]\n")?;
    out.flush()
}

/// What a parse-only pass over a file measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseStats {
    pub rows: u64,
    pub listens: u64,
    pub skip_events: u64,
    pub skipped: u64,
    pub rejected: u64,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl ParseStats {
    pub fn rows_per_s(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Parses every row of `reader` (format detected) and counts, storing nothing.
pub fn parse_throughput<R: Read>(name: &str, reader: R) -> Result<ParseStats, crate::ImportError> {
    let start = Instant::now();
    let rows = open_rows(FormatRequest::Auto, name, reader)?;
    let progress = rows.progress();
    let mut s = ParseStats {
        rows: 0,
        listens: 0,
        skip_events: 0,
        skipped: 0,
        rejected: 0,
        bytes: 0,
        elapsed: Duration::ZERO,
    };
    for row in rows {
        s.rows += 1;
        match row {
            Ok(Row::Listen(l)) => {
                s.listens += 1;
                s.skip_events += l.skipped as u64;
            }
            Ok(Row::Skipped { .. }) => s.skipped += 1,
            Err(_) => s.rejected += 1,
        }
    }
    s.bytes = progress.bytes_read();
    s.elapsed = start.elapsed();
    Ok(s)
}

/// Peak resident set size of this process (Linux `VmHWM`), in bytes.
pub fn peak_rss_bytes() -> io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no VmHWM in /proc/self/status"))
}

/// CPU time this thread has run, in ns (Linux `/proc/thread-self/schedstat`): on a shared
/// machine wall-clock throughput measures the neighbours as much as the code.
pub fn thread_cpu_ns() -> io::Result<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    s.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected schedstat format"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_history_parses_cleanly_and_is_deterministic() {
        let mut a = Vec::new();
        generate_spotify_extended(2_000, 7, &mut a).unwrap();
        let mut b = Vec::new();
        generate_spotify_extended(2_000, 7, &mut b).unwrap();
        assert_eq!(a, b);
        let s = parse_throughput("Streaming_History_Audio_bench.json", a.as_slice()).unwrap();
        assert_eq!(s.rows, 2_000);
        assert_eq!(s.rejected, 0);
        assert_eq!(s.listens + s.skipped, 2_000);
        // ~1 % podcasts; a majority of plays are skip events as in the real data.
        assert!(s.skipped > 0 && s.skipped < 100, "{s:?}");
        assert!(s.skip_events > s.listens / 2, "{s:?}");
        assert_eq!(s.bytes, a.len() as u64);
    }

    #[test]
    fn timestamps_format() {
        assert_eq!(rfc3339_secs(1_677_324_037_000), "2023-02-25T11:20:37Z");
        assert_eq!(rfc3339_secs(0), "1970-01-01T00:00:00Z");
    }
}
