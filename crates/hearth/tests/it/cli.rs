//! The CLI's contract: exit codes, `config show`, layered configuration.

use crate::support::hearth;

#[test]
fn help_lists_commands_and_usage_errors_exit_2() {
    let out = hearth().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "config", "bench", "Examples:"] {
        assert!(text.contains(cmd), "--help lacks {cmd}: {text}");
    }
    let out = hearth().arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_show_is_layered_and_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hearth.toml");
    std::fs::write(
        &file,
        "[playlist]\ntarget_size = 50\n[cycling]\naggressiveness = 3\n",
    )
    .unwrap();
    let out = hearth()
        .arg("--config")
        .arg(&file)
        .args(["--data-dir", "/tmp/hd", "config", "show"])
        .env("HEARTH_CYCLING_AGGRESSIVENESS", "7")
        .env("HEARTH_API_TOKEN", "topsecret")
        .env("HEARTH_DATABASE_URL", "postgres://hearth:pw123@db/hearth")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("target_size = 50"), "file layer: {text}");
    assert!(
        text.contains("aggressiveness = 7"),
        "env beats file: {text}"
    );
    assert!(
        text.contains("data_dir = \"/tmp/hd\""),
        "flag beats env: {text}"
    );
    assert!(
        !text.contains("topsecret") && !text.contains("pw123"),
        "secrets must be redacted: {text}"
    );
}

#[test]
fn invalid_configuration_names_the_key_and_exits_2() {
    let out = hearth()
        .args(["config", "show"])
        .env("HEARTH_PLAYLIST_KNOWN_PCT", "150")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("playlist.known_pct"));
    let out = hearth()
        .args(["config", "show"])
        .env("HEARTH_SCORING_TASTE_WEIHGT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scoring.taste_weihgt"));
}

#[cfg(unix)]
#[test]
fn a_world_readable_config_with_secrets_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hearth.toml");
    std::fs::write(&file, "[lastfm]\napi_key = \"abc\"\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = hearth()
        .arg("--config")
        .arg(&file)
        .args(["config", "show"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = hearth()
        .arg("--config")
        .arg(&file)
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("abc"));
}

#[test]
fn every_command_documents_itself_with_examples() {
    let out = hearth().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let commands = [
        "serve",
        "profile",
        "import",
        "config",
        "eval",
        "recommend",
        "mood",
        "stats",
        "demo",
        "bench",
        "refresh",
        "cycling",
        "next",
    ];
    for cmd in commands {
        assert!(
            text.contains(&format!("  {cmd} ")),
            "--help lacks {cmd}: {text}"
        );
        let out = hearth().args([cmd, "--help"]).output().unwrap();
        assert!(out.status.success(), "{cmd} --help failed");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("Examples:") && help.contains(&format!("hearth {cmd}")),
            "`hearth {cmd} --help` has no examples: {help}"
        );
    }
    assert!(text.contains("Exit codes"), "{text}");
}
