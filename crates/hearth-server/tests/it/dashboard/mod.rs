//! The HTML dashboard: snapshot tests of each page with a fixed household and a fixed clock
//! (`snapshots.rs`), and browser tests in headless Chromium over WebDriver (`browser.rs`).

mod browser;
mod fixture;
mod snapshots;
mod webdriver;
