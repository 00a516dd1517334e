//! Where cutover keeps its files, by the XDG base directories: the config file under
//! `$XDG_CONFIG_HOME/cutover` (or `~/.config/cutover`), the log and the audit log under
//! `$XDG_STATE_HOME/cutover` (or `~/.local/state/cutover`). It only names paths; it must not
//! create or read them.

use std::path::PathBuf;

/// `$XDG_STATE_HOME/cutover`, else `~/.local/state/cutover`.
pub fn state_dir() -> Option<PathBuf> {
    xdg("XDG_STATE_HOME", &[".local", "state"])
}

/// `$XDG_CONFIG_HOME/cutover/config.toml`, else `~/.config/cutover/config.toml`.
pub fn config_file() -> Option<PathBuf> {
    Some(xdg("XDG_CONFIG_HOME", &[".config"])?.join("config.toml"))
}

/// `$VAR/cutover`, or `$HOME/<under>/cutover` when the variable is unset or empty, as the XDG
/// base directory specification asks.
fn xdg(var: &str, under: &[&str]) -> Option<PathBuf> {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| under.iter().fold(PathBuf::from(h), |p, d| p.join(d)))
        })?;
    Some(base.join("cutover"))
}
