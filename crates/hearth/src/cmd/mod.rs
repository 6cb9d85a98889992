//! One module per subcommand, each with its `Args` and `run()`.

pub mod bench;
pub mod bench_recommend;
pub mod config;
pub mod cycling;
pub mod demo;
pub mod eval;
pub mod import;
pub mod mood;
pub mod next;
pub mod playlist;
pub mod profile;
pub mod recommend;
pub mod refresh;
pub mod scan;
pub mod serve;
pub mod stats;

/// Who a recommendation or playlist is for (SPEC §5.1): a vibe without a profile is a guest
/// (`None`, vibe-only); otherwise the named profile, `default` when none is given. An unknown
/// profile is an error naming it. Returns the profile and the trimmed, non-empty vibe.
pub async fn listener(
    store: &hearth_store::DynStore,
    profile: Option<&str>,
    vibe: Option<String>,
) -> anyhow::Result<(Option<hearth_core::model::Profile>, Option<String>)> {
    use anyhow::Context;
    let vibe = vibe.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let profile = match (profile, &vibe) {
        (None, Some(_)) => None,
        (name, _) => {
            let name = name.unwrap_or(hearth_core::profile_name::DEFAULT_PROFILE);
            Some(
                store
                    .get_profile(name)
                    .await?
                    .with_context(|| format!("profile {name:?} does not exist"))?,
            )
        }
    };
    Ok((profile, vibe))
}
