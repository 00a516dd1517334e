//! Settings, layered: embedded defaults < the config file < environment < flags. The file is
//! TOML at `$XDG_CONFIG_HOME/cutover/config.toml` (or `~/.config/cutover/config.toml`, or
//! `--config FILE`). It must not do I/O beyond reading that file.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

/// Which part of an account to read, so a big account is not read whole when a team owns a
/// corner of it. Empty lists mean "all". Names may use `*` as a wildcard.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Scope {
    pub clusters: Vec<String>,
    pub services: Vec<String>,
    pub applications: Vec<String>,
    pub pipelines: Vec<String>,
}

impl Scope {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
            && self.services.is_empty()
            && self.applications.is_empty()
            && self.pipelines.is_empty()
    }

    pub fn cluster(&self, name: &str) -> bool {
        matches_any(&self.clusters, name)
    }

    pub fn service(&self, name: &str) -> bool {
        matches_any(&self.services, name)
    }

    pub fn application(&self, name: &str) -> bool {
        matches_any(&self.applications, name)
    }

    pub fn pipeline(&self, name: &str) -> bool {
        matches_any(&self.pipelines, name)
    }

    /// Flags add to (and for a list given on both, replace) what the file says.
    pub fn merge(mut self, other: Scope) -> Scope {
        for (mine, theirs) in [
            (&mut self.clusters, other.clusters),
            (&mut self.services, other.services),
            (&mut self.applications, other.applications),
            (&mut self.pipelines, other.pipelines),
        ] {
            if !theirs.is_empty() {
                *mine = theirs;
            }
        }
        self
    }
}

fn matches_any(patterns: &[String], name: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| glob(p, name))
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first)
        || !text[first.len()..].ends_with(last)
        || text.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Settings of one AWS profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileSettings {
    /// No action is offered or allowed with this profile.
    pub read_only: bool,
    /// Every action needs the target's name typed.
    pub protected: bool,
}

/// Accounts where every action needs the target's name typed, whatever the profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Safety {
    pub protected_accounts: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub scope: Scope,
    pub profiles: std::collections::BTreeMap<String, ProfileSettings>,
    pub safety: Safety,
}

impl Config {
    pub fn profile(&self, name: Option<&str>) -> ProfileSettings {
        name.and_then(|n| self.profiles.get(n))
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl Config {
    /// The file at `path`, or the default location when `None`; a missing default file is
    /// an empty configuration, a missing named file an error.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Self::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |span| {
                text[..span.start.min(text.len())].matches('\n').count() + 1
            });
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                message: e.message().to_owned(),
            }
        })
    }
}

/// `$XDG_CONFIG_HOME/cutover/config.toml`, else `~/.config/cutover/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    crate::paths::config_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_prefixes_suffixes_and_middles() {
        assert!(glob("payments-*", "payments-prod"));
        assert!(glob("*-prod", "web-prod"));
        assert!(glob("*ledger*", "payments-ledger-v2"));
        assert!(glob("web", "web"));
        assert!(!glob("web", "web-prod"));
        assert!(!glob("a*b*c", "acb"));
        assert!(glob("*", ""));
    }

    #[test]
    fn an_empty_scope_takes_everything_and_a_list_narrows_it() {
        let scope = Scope {
            clusters: vec!["payments-*".into()],
            ..Scope::default()
        };
        assert!(scope.cluster("payments-prod"));
        assert!(!scope.cluster("web-prod"));
        assert!(scope.service("anything"));
    }

    #[test]
    fn a_bad_config_file_names_its_line() {
        let error = Config::parse(
            Path::new("c.toml"),
            "[scope]\nclusters = [\"a\"]\nservicez = []\n",
        )
        .expect_err("unknown key");
        let text = error.to_string();
        assert!(text.starts_with("c.toml: line 3:"), "{text}");
        assert!(text.contains("servicez"), "{text}");
    }
}
