//! Sources: where cutover reads. A source is one AWS profile in one region (its account
//! comes from STS with the first read). Several at once come from the command line
//! (`--profile dev --profile prod`, with several `--region` every pair) or, when it names
//! none, from the config file's `[[source]]` list; else the one source the AWS CLI would use
//! (AWS_PROFILE, the profile's region). Profiles are read as the AWS CLI reads them,
//! per-profile `endpoint_url` included.

use std::collections::BTreeSet;

use serde::Deserialize;

/// One `[[source]]` of the config file: a profile in one or more regions, with a label.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SourceEntry {
    /// The named profile; the default chain's when left out.
    pub profile: Option<String>,
    /// The regions to read; the profile's own when empty.
    pub regions: Vec<String>,
    /// What rows and banners call it; `profile/region` when left out.
    pub label: Option<String>,
}

/// A source to read, before any call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSpec {
    pub profile: Option<String>,
    /// `None`: the profile's region (or AWS_REGION).
    pub region: Option<String>,
    pub label: Option<String>,
}

impl SourceSpec {
    /// What rows and banners call it: its label, else `profile/region`, `profile`, `region`,
    /// or `default`.
    pub fn name(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        match (&self.profile, &self.region) {
            (Some(p), Some(r)) => format!("{p}/{r}"),
            (Some(p), None) => p.clone(),
            (None, Some(r)) => r.clone(),
            (None, None) => "default".to_owned(),
        }
    }
}

/// The sources to read: from the command line's profiles and regions when it names a profile
/// (every pair), else from the config file's `[[source]]` entries (the command line's
/// regions, if any, replacing theirs), else one source: `env_profile` (AWS_PROFILE) in the
/// command line's region. Two sources that are the same profile and region, or share a label,
/// are refused: rows and actions could not tell them apart.
pub fn resolve(
    profiles: &[String],
    regions: &[String],
    entries: &[SourceEntry],
    env_profile: Option<&str>,
) -> Result<Vec<SourceSpec>, String> {
    let regions: Vec<Option<String>> = if regions.is_empty() {
        vec![None]
    } else {
        regions.iter().cloned().map(Some).collect()
    };
    let mut out = Vec::new();
    if !profiles.is_empty() {
        for profile in profiles {
            for region in &regions {
                out.push(SourceSpec {
                    profile: Some(profile.clone()),
                    region: region.clone(),
                    label: None,
                });
            }
        }
    } else if !entries.is_empty() {
        for entry in entries {
            let own: Vec<Option<String>> = entry.regions.iter().cloned().map(Some).collect();
            let regions = if regions != [None] || own.is_empty() {
                &regions
            } else {
                &own
            };
            for region in regions {
                // One label for several regions names each by its region too.
                let label = entry.label.as_ref().map(|label| match region {
                    Some(r) if regions.len() > 1 => format!("{label}/{r}"),
                    _ => label.clone(),
                });
                out.push(SourceSpec {
                    profile: entry.profile.clone(),
                    region: region.clone(),
                    label,
                });
            }
        }
    } else {
        for region in &regions {
            out.push(SourceSpec {
                profile: env_profile.map(str::to_owned),
                region: region.clone(),
                label: None,
            });
        }
    }
    for s in &out {
        let empty = |v: &Option<String>| v.as_deref().is_some_and(|v| v.trim().is_empty());
        if empty(&s.profile) || empty(&s.region) || empty(&s.label) {
            return Err(format!(
                "a source has an empty profile, region or label: {}",
                s.name()
            ));
        }
    }
    distinct(&out)?;
    Ok(out)
}

/// Refuses two sources that cannot be told apart.
fn distinct(sources: &[SourceSpec]) -> Result<(), String> {
    let mut pairs = BTreeSet::new();
    let mut names = BTreeSet::new();
    for s in sources {
        if !pairs.insert((&s.profile, &s.region)) {
            return Err(format!("the source {} is named twice", s.name()));
        }
        if !names.insert(s.name()) {
            return Err(format!(
                "two sources are called {}: give each its own label",
                s.name()
            ));
        }
    }
    Ok(())
}

/// The one source a command that acts or a console of one account reads: refused when
/// several are named.
pub fn one(sources: Vec<SourceSpec>, what: &str) -> Result<SourceSpec, String> {
    let count = sources.len();
    let mut sources = sources.into_iter();
    match (sources.next(), count) {
        (Some(only), 1) => Ok(only),
        _ => Err(format!(
            "{what} one source: give one --profile and one --region ({count} named)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sources: &[SourceSpec]) -> Vec<String> {
        sources.iter().map(SourceSpec::name).collect()
    }

    #[test]
    fn every_profile_in_every_region_from_the_command_line() {
        let sources = resolve(
            &["dev".into(), "prod".into()],
            &["us-east-1".into(), "eu-west-1".into()],
            &[SourceEntry {
                profile: Some("ignored".into()),
                ..SourceEntry::default()
            }],
            Some("from-env"),
        )
        .expect("sources");
        assert_eq!(
            names(&sources),
            [
                "dev/us-east-1",
                "dev/eu-west-1",
                "prod/us-east-1",
                "prod/eu-west-1"
            ]
        );
    }

    #[test]
    fn the_config_file_list_when_the_command_line_names_no_profile() {
        let entries = [
            SourceEntry {
                profile: Some("prod".into()),
                regions: vec!["us-east-1".into(), "eu-west-1".into()],
                label: Some("prod".into()),
            },
            SourceEntry {
                profile: Some("test".into()),
                regions: Vec::new(),
                label: None,
            },
        ];
        let sources = resolve(&[], &[], &entries, Some("from-env")).expect("sources");
        assert_eq!(
            names(&sources),
            ["prod/us-east-1", "prod/eu-west-1", "test"]
        );
        assert_eq!(sources[2].region, None, "the profile's own region");
        // The command line's region replaces the file's.
        let sources = resolve(&[], &["ap-south-1".into()], &entries, None).expect("sources");
        assert_eq!(names(&sources), ["prod", "test/ap-south-1"]);
    }

    #[test]
    fn without_either_the_environment_profile_in_the_given_region() {
        let sources = resolve(&[], &["us-west-2".into()], &[], Some("ops")).expect("sources");
        assert_eq!(
            sources,
            [SourceSpec {
                profile: Some("ops".into()),
                region: Some("us-west-2".into()),
                label: None
            }]
        );
        assert_eq!(
            names(&resolve(&[], &[], &[], None).expect("one")),
            ["default"]
        );
    }

    #[test]
    fn sources_that_cannot_be_told_apart_are_refused() {
        let twice = resolve(&["dev".into(), "dev".into()], &[], &[], None);
        assert_eq!(twice, Err("the source dev is named twice".to_owned()));
        let labels = [
            SourceEntry {
                profile: Some("a".into()),
                label: Some("prod".into()),
                ..SourceEntry::default()
            },
            SourceEntry {
                profile: Some("b".into()),
                label: Some("prod".into()),
                ..SourceEntry::default()
            },
        ];
        assert!(
            resolve(&[], &[], &labels, None)
                .is_err_and(|e| e.contains("two sources are called prod"))
        );
    }

    #[test]
    fn one_source_is_one() {
        let two = resolve(&["a".into(), "b".into()], &[], &[], None).expect("two");
        assert_eq!(
            one(two, "an action goes to"),
            Err(
                "an action goes to one source: give one --profile and one --region (2 named)"
                    .to_owned()
            )
        );
    }
}
