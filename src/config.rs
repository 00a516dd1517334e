//! Settings, layered: embedded defaults < the config file < environment < flags. The file is
//! TOML at `$XDG_CONFIG_HOME/cutover/config.toml` (or `~/.config/cutover/config.toml`, or
//! `--config FILE`). It must not do I/O beyond reading that file.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

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

/// `[[release]]`: the pipelines and services that ship together, matched in every source.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ReleaseDef {
    pub name: String,
    /// Pipeline names (`*` wildcards).
    pub pipelines: Vec<String>,
    /// `cluster/service` names (`*` wildcards).
    pub services: Vec<String>,
    /// A group of a shared source revision ([`crate::release::by_revision`]), never the
    /// config file's: the commit id its pipelines' current executions carry. Only those
    /// pipelines are members, and only the services they deploy to in their own source.
    #[serde(skip)]
    pub revision: Option<String>,
}

/// Settings of one AWS profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileSettings {
    /// No action is offered or allowed with this profile.
    pub read_only: bool,
    /// Every action needs the target's name typed.
    pub protected: bool,
    /// The colour the console draws this profile's sources in, in the header and on their
    /// rows (a protected one is magenta unless given one).
    pub color: Option<Colour>,
}

/// A terminal colour by name (`red`, `lightmagenta`, …) or `#rrggbb`; anything else is
/// refused when the file is read, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colour(pub String);

/// The colour names terminals share.
const COLOURS: &[&str] = &[
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "gray",
    "darkgray",
    "lightred",
    "lightgreen",
    "lightyellow",
    "lightblue",
    "lightmagenta",
    "lightcyan",
    "white",
];

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let name = text.to_lowercase();
        let rgb = name.len() == 7
            && name.starts_with('#')
            && name[1..].chars().all(|c| c.is_ascii_hexdigit());
        if rgb || COLOURS.contains(&name.as_str()) {
            Ok(Self(name))
        } else {
            Err(serde::de::Error::custom(format!(
                "{text:?} is not a colour: use #rrggbb or one of {}",
                COLOURS.join(", ")
            )))
        }
    }
}

/// Accounts where every action needs the target's name typed, whatever the profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Safety {
    pub protected_accounts: Vec<String>,
}

/// What the console may ask of one AWS service: `rate` calls per second, sustained, and up to
/// `burst` at once after a quiet spell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allowance {
    pub rate: f64,
    pub burst: f64,
}

/// The allowance of each service the console polls, from `[budget.<service>]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budgets {
    pub ecs: Allowance,
    pub elb: Allowance,
    pub codedeploy: Allowance,
    pub codepipeline: Allowance,
}

impl Budgets {
    /// What the first snapshot may spend, near AWS's own rates and buckets (ELB 10 a second,
    /// bucket 40; ECS cluster reads 20, bucket 50): a one-off read of the fleet, like the
    /// AWS CLI's, so that the first screen is not paced call by call. The sustained budget
    /// takes over once it lands, or at the first throttle.
    pub const FIRST_READ: Self = Self {
        ecs: Allowance {
            rate: 20.0,
            burst: 50.0,
        },
        elb: Allowance {
            rate: 8.0,
            burst: 40.0,
        },
        codedeploy: Allowance {
            rate: 10.0,
            burst: 40.0,
        },
        codepipeline: Allowance {
            rate: 10.0,
            burst: 40.0,
        },
    };
}

impl Default for Budgets {
    /// Well under AWS's own rates, because those are shared by everything in the account and
    /// region (pipelines, Terraform, and ECS and CodeDeploy themselves, which call ELB on
    /// the account's behalf while they shift traffic): ELB allows 10 Describe calls a second
    /// (bucket 40), so the console takes a fifth; ECS reads about 20, the console half;
    /// CodeDeploy and CodePipeline allow less, the console takes 5. The bursts are what the
    /// first snapshot spends at once (a fleet of 30 pipelines takes some 90 CodePipeline
    /// calls): under AWS's own buckets (ELB 40, ECS 50), so a console starting never empties
    /// the account's.
    fn default() -> Self {
        Self {
            ecs: Allowance {
                rate: 10.0,
                burst: 40.0,
            },
            elb: Allowance {
                rate: 2.0,
                burst: 30.0,
            },
            codedeploy: Allowance {
                rate: 5.0,
                burst: 30.0,
            },
            codepipeline: Allowance {
                rate: 5.0,
                burst: 40.0,
            },
        }
    }
}

/// `[alerts]`: how the console tells a person that something needs them (the line in its
/// notification area is always drawn).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Alerts {
    /// Ring the terminal's bell.
    pub bell: bool,
    /// A desktop notification through the terminal's escape sequence.
    pub desktop: Desktop,
    /// Which events alert; every kind when absent.
    pub on: Vec<crate::model::events::Kind>,
}

impl Default for Alerts {
    fn default() -> Self {
        Self {
            bell: true,
            desktop: Desktop::Off,
            on: crate::model::events::Kind::ALL.to_vec(),
        }
    }
}

impl Alerts {
    pub fn alerts_on(&self, kind: crate::model::events::Kind) -> bool {
        self.on.contains(&kind)
    }
}

/// The escape sequence of a desktop notification: OSC 9 (iTerm2, Windows Terminal, ConEmu,
/// WezTerm, kitty) or OSC 777 (foot, Ghostty, rxvt-unicode, VTE terminals). Terminals that know
/// neither ignore them; inside tmux they need `allow-passthrough`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Desktop {
    #[default]
    Off,
    Osc9,
    Osc777,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub scope: Scope,
    pub alerts: Alerts,
    pub profiles: std::collections::BTreeMap<String, ProfileSettings>,
    pub safety: Safety,
    pub budgets: Budgets,
    /// `[[source]]`: the profiles and regions read when the command line names none.
    pub sources: Vec<crate::sources::SourceEntry>,
    /// `[[release]]`.
    pub releases: Vec<ReleaseDef>,
}

/// The file as written; its budgets keep where each value stands, for the error's line.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct File {
    scope: Scope,
    profiles: std::collections::BTreeMap<String, ProfileSettings>,
    safety: Safety,
    budget: BudgetFile,
    source: Vec<crate::sources::SourceEntry>,
    release: Vec<ReleaseDef>,
    alerts: Alerts,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct BudgetFile {
    ecs: AllowanceFile,
    elb: AllowanceFile,
    codedeploy: AllowanceFile,
    codepipeline: AllowanceFile,
}

/// `[budget.<service>]`: what is left out keeps its default.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct AllowanceFile {
    rate: Option<Spanned<f64>>,
    burst: Option<Spanned<f64>>,
}

impl AllowanceFile {
    /// The allowance over `default`, or the first bad value: its key, its line and why.
    fn over(&self, service: &str, default: Allowance, text: &str) -> Result<Allowance, Bad> {
        let rate = match &self.rate {
            Some(rate) if !(rate.get_ref().is_finite() && *rate.get_ref() > 0.0) => {
                return Err(Bad {
                    line: line_of(text, rate.span().start),
                    message: format!(
                        "budget.{service}.rate must be a positive number of calls per second, not {}",
                        rate.get_ref()
                    ),
                });
            }
            Some(rate) => *rate.get_ref(),
            None => default.rate,
        };
        let burst = match &self.burst {
            // `!(x >= 1)` rather than `x < 1`: NaN is refused too.
            Some(burst) if !(burst.get_ref().is_finite() && *burst.get_ref() >= 1.0) => {
                return Err(Bad {
                    line: line_of(text, burst.span().start),
                    message: format!(
                        "budget.{service}.burst must be a number of calls of at least 1, not {}",
                        burst.get_ref()
                    ),
                });
            }
            Some(burst) => *burst.get_ref(),
            None => default.burst,
        };
        Ok(Allowance { rate, burst })
    }
}

/// A value the file holds that cannot be used.
struct Bad {
    line: usize,
    message: String,
}

impl BudgetFile {
    fn budgets(&self, text: &str) -> Result<Budgets, Bad> {
        let default = Budgets::default();
        Ok(Budgets {
            ecs: self.ecs.over("ecs", default.ecs, text)?,
            elb: self.elb.over("elb", default.elb, text)?,
            codedeploy: self
                .codedeploy
                .over("codedeploy", default.codedeploy, text)?,
            codepipeline: self
                .codepipeline
                .over("codepipeline", default.codepipeline, text)?,
        })
    }
}

/// Refuses a `[[release]]` without a name, with a name another has, or matching nothing; its
/// line is that of its `[[release]]` header.
fn releases_valid(releases: &[ReleaseDef], text: &str) -> Result<(), Bad> {
    let headers: Vec<usize> = text
        .match_indices("[[release]]")
        .map(|(at, _)| line_of(text, at))
        .collect();
    let mut names = std::collections::BTreeSet::new();
    for (i, r) in releases.iter().enumerate() {
        let why = if r.name.trim().is_empty() {
            Some("a [[release]] needs a name".to_owned())
        } else if !names.insert(r.name.as_str()) {
            Some(format!("two releases are named {}", r.name))
        } else if r.pipelines.is_empty() && r.services.is_empty() {
            Some(format!(
                "release {} names no pipelines and no services",
                r.name
            ))
        } else {
            None
        };
        if let Some(message) = why {
            return Err(Bad {
                line: headers.get(i).copied().unwrap_or(1),
                message,
            });
        }
    }
    Ok(())
}

/// The line (from 1) of a byte offset into `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
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
        let file: File = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: e.span().map_or(1, |span| line_of(text, span.start)),
            message: e.message().to_owned(),
        })?;
        let budgets = file
            .budget
            .budgets(text)
            .map_err(|bad| ConfigError::Invalid {
                path: path.to_path_buf(),
                line: bad.line,
                message: bad.message,
            })?;
        releases_valid(&file.release, text).map_err(|bad| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: bad.line,
            message: bad.message,
        })?;
        Ok(Self {
            scope: file.scope,
            alerts: file.alerts,
            profiles: file.profiles,
            safety: file.safety,
            budgets,
            sources: file.source,
            releases: file.release,
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

    #[test]
    fn alerts_take_the_bell_a_desktop_sequence_and_kinds_and_refuse_the_unknown() {
        let config = Config::parse(
            Path::new("c.toml"),
            "[alerts]\nbell = false\ndesktop = \"osc777\"\non = [\"gate_waiting\", \"rolled_back\"]\n",
        )
        .expect("valid");
        assert!(!config.alerts.bell);
        assert_eq!(config.alerts.desktop, Desktop::Osc777);
        assert!(
            config
                .alerts
                .alerts_on(crate::model::events::Kind::RolledBack)
        );
        assert!(
            !config
                .alerts
                .alerts_on(crate::model::events::Kind::ReadyWait)
        );
        assert_eq!(Config::default().alerts, Alerts::default());
        for (bad, named) in [
            ("[alerts]\ndesktop = \"osc10\"\n", "osc10"),
            ("[alerts]\n\non = [\"gate\"]\n", "gate"),
            ("[alerts]\nbel = true\n", "bel"),
        ] {
            let text = Config::parse(Path::new("c.toml"), bad)
                .expect_err(bad)
                .to_string();
            assert!(text.starts_with("c.toml: line "), "{text}");
            assert!(text.contains(named), "{text}");
        }
    }

    #[test]
    fn a_budget_table_sets_the_rates_it_names_and_leaves_the_rest_at_their_defaults() {
        let config = Config::parse(
            Path::new("c.toml"),
            "[budget.elb]\nrate = 1.5\nburst = 4\n\n[budget.ecs]\nrate = 3\n",
        )
        .expect("valid");
        let default = Budgets::default();
        assert_eq!(
            config.budgets,
            Budgets {
                elb: Allowance {
                    rate: 1.5,
                    burst: 4.0
                },
                ecs: Allowance {
                    rate: 3.0,
                    burst: default.ecs.burst
                },
                ..default
            }
        );
        assert_eq!(
            default.elb,
            Allowance {
                rate: 2.0,
                burst: 30.0
            },
            "ELB: at most 2 calls a second sustained"
        );
    }

    #[test]
    fn a_bad_budget_value_names_its_key_and_line() {
        for (value, key) in [
            ("rate = 0", "budget.elb.rate"),
            ("rate = -1.0", "budget.elb.rate"),
            ("rate = nan", "budget.elb.rate"),
            ("rate = inf", "budget.elb.rate"),
            ("burst = 0.5", "budget.elb.burst"),
            ("burst = -inf", "budget.elb.burst"),
            ("burst = nan", "budget.elb.burst"),
        ] {
            let text = format!("[scope]\nclusters = []\n\n[budget.elb]\n{value}\n");
            let error = Config::parse(Path::new("c.toml"), &text).expect_err(value);
            let text = error.to_string();
            assert!(text.starts_with("c.toml: line 5: "), "{value}: {text}");
            assert!(text.contains(key), "{value}: {text}");
        }
    }

    #[test]
    fn a_release_without_a_name_or_members_or_named_twice_is_refused_at_its_line() {
        let ok = "[[release]]\nname = \"a\"\npipelines = [\"a-*\"]\n\n";
        for (text, line, why) in [
            (
                format!("{ok}[[release]]\npipelines = [\"x\"]\n"),
                5,
                "needs a name",
            ),
            (
                format!("{ok}[[release]]\nname = \"a\"\nservices = [\"c/s\"]\n"),
                5,
                "two releases are named a",
            ),
            (
                format!("{ok}[[release]]\nname = \"b\"\n"),
                5,
                "release b names no pipelines",
            ),
        ] {
            let error = Config::parse(Path::new("c.toml"), &text).expect_err(&text);
            let error = error.to_string();
            assert!(
                error.starts_with(&format!("c.toml: line {line}: ")),
                "{error}"
            );
            assert!(error.contains(why), "{error}");
        }
        let config = Config::parse(Path::new("c.toml"), ok).expect("one release");
        assert_eq!(config.releases[0].pipelines, ["a-*"]);
        assert_eq!(config.releases[0].revision, None);
        // A release of a commit is found, never written.
        let revision = format!("{ok}revision = \"9cfbd65\"\n");
        let error = Config::parse(Path::new("c.toml"), &revision).expect_err(&revision);
        assert!(error.to_string().contains("revision"), "{error}");
    }

    #[test]
    fn an_unknown_budget_service_or_key_is_refused() {
        for text in ["[budget.sts]\nrate = 1\n", "[budget.ecs]\nrte = 1\n"] {
            let error = Config::parse(Path::new("c.toml"), text).expect_err(text);
            assert!(error.to_string().starts_with("c.toml: line "), "{error}");
        }
    }

    #[test]
    fn a_profile_colour_is_a_name_or_rgb_and_anything_else_names_its_line() {
        let config = Config::parse(
            Path::new("c.toml"),
            "[profiles.prod]\nprotected = true\ncolor = \"Red\"\n[profiles.dev]\ncolor = \"#00aa33\"\n",
        )
        .expect("parses");
        assert_eq!(
            config.profile(Some("prod")).color,
            Some(Colour("red".into()))
        );
        assert_eq!(
            config.profile(Some("dev")).color,
            Some(Colour("#00aa33".into()))
        );
        for bad in ["\"reddish\"", "\"#12345\"", "3"] {
            let text = format!("[profiles.prod]\n\ncolor = {bad}\n");
            let error = Config::parse(Path::new("c.toml"), &text)
                .expect_err(bad)
                .to_string();
            assert!(error.contains("line 3"), "{bad}: {error}");
        }
    }
}
