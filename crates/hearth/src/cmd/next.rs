//! `hearth next` — the approval queue in the terminal: shows one candidate (source, predicted
//! score, reasons, trial plays / skips) and reads ONE keypress — `a` approve, `r` reject, `s` skip,
//! `q` quit — then shows the next one. On a terminal the key is read in raw mode (no Enter
//! needed); when stdin is not a terminal a line is read instead, so scripts can pipe answers.

use crate::cmd::refresh::{names, open_living};
use crate::settings::Settings;
use hearth_core::clock::{Clock, SystemClock};
use hearth_server::living::Verdict;
use std::io::{BufRead, IsTerminal, Read, Write};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Profile name (default `default`).
    #[arg(long)]
    pub profile: Option<String>,
}

/// Restores cooked mode when dropped (also on an early return or a panic).
struct RawMode;

impl RawMode {
    fn enable() -> anyhow::Result<RawMode> {
        crossterm::terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// What the user pressed.
enum Key {
    Verdict(Verdict),
    Quit,
    Other(char),
}

fn key_of(c: char) -> Key {
    match c.to_ascii_lowercase() {
        'a' => Key::Verdict(Verdict::Approve),
        'r' => Key::Verdict(Verdict::Reject),
        's' => Key::Verdict(Verdict::Skip),
        // q, Ctrl-C, Ctrl-D, Escape
        'q' | '\u{3}' | '\u{4}' | '\u{1b}' => Key::Quit,
        other => Key::Other(other),
    }
}

/// One keypress in raw mode, or the first character of a line; end of input quits.
fn read_key(tty: bool) -> anyhow::Result<Key> {
    if tty {
        let _raw = RawMode::enable()?;
        let mut b = [0u8; 1];
        let n = std::io::stdin().lock().read(&mut b)?;
        return Ok(if n == 0 {
            Key::Quit
        } else {
            key_of(b[0] as char)
        });
    }
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Ok(Key::Quit);
    }
    Ok(line
        .trim()
        .chars()
        .next()
        .map(key_of)
        .unwrap_or(Key::Other(' ')))
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let (store, living, p) = open_living(&settings, args.profile.as_deref()).await?;
    let tty = std::io::stdin().is_terminal();
    loop {
        let Some(c) = living
            .next(p.id, SystemClock.now_ms())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
        else {
            println!(
                "No pending suggestions for {}. Listen more, or run `hearth refresh`.",
                p.name
            );
            return Ok(());
        };
        let name = names(&store, &[c.track_id])
            .await?
            .remove(&c.track_id)
            .unwrap_or_else(|| format!("track {}", c.track_id));
        println!();
        println!("♪ {name}   (candidate {})", c.id);
        println!("  Source: {}", c.source);
        if let Some(s) = c.predicted_score {
            println!("  Predicted score: {s:.2}");
        }
        for r in &c.reasons {
            println!("  · {r}");
        }
        println!(
            "  Trial: {} plays, {} skips ({})",
            c.trial_plays,
            c.trial_skips,
            c.status.as_str()
        );
        if living.verdict_due(&c) {
            println!(
                "  Trial done ({} listens): time for a verdict.",
                living.verdict_after()
            );
        }
        let verdict = loop {
            print!("(a)pprove / (r)eject / (s)kip / (q)uit: ");
            std::io::stdout().flush()?;
            let key = read_key(tty)?;
            println!();
            match key {
                Key::Verdict(v) => break v,
                Key::Quit => return Ok(()),
                Key::Other(k) => println!(
                    "'{}' is not a choice: press a, r, s or q",
                    k.escape_default()
                ),
            }
        };
        let d = living
            .decide(c.id, verdict, SystemClock.now_ms())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        match verdict {
            Verdict::Approve => println!("Approved: {name} joins the pool."),
            Verdict::Reject => println!("Rejected: {name} will not be suggested again."),
            Verdict::Skip => println!("Skipped: {name} goes to the back of the queue."),
        }
        if let Some((_, kind)) = d.feedback {
            println!("  (recorded feedback: {})", kind.as_str());
        }
    }
}
