//! Arbitrary input never panics a parser, and every row it yields is a row or a located error.

use hearth_sources::{open_rows, Format, FormatRequest};
use proptest::prelude::*;

fn drain(name: &str, bytes: &[u8], request: FormatRequest) {
    if let Ok(rows) = open_rows(request, name, bytes) {
        for _ in rows.take(10_000) {}
    }
}

/// Inputs that get past detection, then break: valid openings followed by arbitrary bytes.
const OPENINGS: [&str; 9] = [
    "[{\"ts\":\"2023-01-01T00:00:00Z\",\"ms_played\":1,",
    "[{\"endTime\":\"2023-01-01 00:00\",\"msPlayed\":1,",
    "{\"listened_at\":1600000000,\"track_metadata\":{}}\n",
    "{\"listen_type\":\"import\",\"payload\":[",
    "#AUDIOSCROBBLER/1.1\n",
    "+ACM- x\nArtist,Track,Album,Time\n",
    "a,b,c,31 Jan 2021 20:15\n",
    "{\"maloja\":{},\"scrobbles\":[",
    "\"DJ Name\",\"x\"\n\nDate-time,Artist,Song,Release\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        drain("x.json", &bytes, FormatRequest::Auto);
        drain("x.csv", &bytes, FormatRequest::Exact(Format::LastfmCsv));
        let _ = hearth_sources::parse_submit_listens(&bytes, 1_700_000_000_000);
    }

    #[test]
    fn valid_openings_with_arbitrary_tails_never_panic(
        which in 0..OPENINGS.len(),
        tail in proptest::collection::vec(any::<u8>(), 0..1024),
        text_tail in "[\\PC\\n\",\\[\\]{}:\\t]{0,400}",
    ) {
        let mut a = OPENINGS[which].as_bytes().to_vec();
        a.extend_from_slice(&tail);
        drain("x", &a, FormatRequest::Auto);
        let mut b = OPENINGS[which].as_bytes().to_vec();
        b.extend_from_slice(text_tail.as_bytes());
        drain("x", &b, FormatRequest::Auto);
    }
}
