//! Profile names: `^[a-z0-9][a-z0-9._-]{0,63}$` (SPEC §5.1).

use crate::CoreError;

/// The profile every unattributed listen belongs to; it always exists and cannot be deleted.
pub const DEFAULT_PROFILE: &str = "default";

/// Checks a profile name against `^[a-z0-9][a-z0-9._-]{0,63}$`.
pub fn validate_profile_name(name: &str) -> Result<(), CoreError> {
    let bytes = name.as_bytes();
    let ok_first = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok_rest = |b: u8| ok_first(b) || b == b'.' || b == b'_' || b == b'-';
    if bytes.is_empty()
        || bytes.len() > 64
        || !ok_first(bytes[0])
        || !bytes[1..].iter().all(|&b| ok_rest(b))
    {
        return Err(CoreError::invalid(
            "name",
            format!(
                "profile name {name:?} must match ^[a-z0-9][a-z0-9._-]{{0,63}}$ (lowercase letters, digits, '.', '_', '-'; at most 64 characters)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("default", true)]
    #[case("antialias", true)]
    #[case("a", true)]
    #[case("0day.fan_1-x", true)]
    #[case(&"a".repeat(64), true)]
    #[case(&"a".repeat(65), false)]
    #[case("", false)]
    #[case("Alice", false)]
    #[case("-alice", false)]
    #[case(".hidden", false)]
    #[case("al ice", false)]
    #[case("alice/../x", false)]
    #[case("élise", false)]
    fn profile_names(#[case] name: &str, #[case] ok: bool) {
        assert_eq!(validate_profile_name(name).is_ok(), ok, "{name}");
    }
}
