//! A source: where data comes from and actions go, a profile, an account and a region (and the
//! endpoint the calls go to, when it is not AWS's own). Every snapshot, message about AWS and
//! audit record carries one, so that a second source is data, not a second code path. It must
//! not reach AWS: the account is filled in by `aws` once the credentials' identity was read.

use serde::{Deserialize, Serialize, Serializer};

/// Where data comes from and actions go. Its serde form is the audit log's: `profile`,
/// `account`, `region` (absent ones as `null`), never the endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// The named AWS profile the credentials come from, if any.
    pub profile: Option<String>,
    /// Unknown until the identity of the credentials was read (STS GetCallerIdentity).
    pub account: Option<String>,
    pub region: String,
    /// Where the calls go instead of AWS's own endpoints (the simulator, a test double).
    #[serde(skip)]
    pub endpoint: Option<String>,
}

/// What names a source before any call is made, for maps of state per source: the account,
/// read later, never changes which source it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId {
    pub profile: Option<String>,
    pub region: String,
}

impl Source {
    pub fn id(&self) -> SourceId {
        SourceId {
            profile: self.profile.clone(),
            region: self.region.clone(),
        }
    }

    /// The same source, its account now known.
    pub fn with_account(self, account: Option<String>) -> Self {
        Self { account, ..self }
    }

    /// `profile/region`, or `region` alone when no profile is named.
    pub fn label(&self) -> String {
        self.to_string()
    }

    /// The `source` object of `cutover status --json`: `{profile?, region, endpoint?}` (the
    /// account is the `identity`'s there).
    pub fn serialize_in_status<S: Serializer>(source: &Self, out: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct InStatus<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            profile: Option<&'a str>,
            region: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            endpoint: Option<&'a str>,
        }
        InStatus {
            profile: source.profile.as_deref(),
            region: &source.region,
            endpoint: source.endpoint.as_deref(),
        }
        .serialize(out)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.profile {
            Some(profile) => write!(f, "{profile}/{}", self.region),
            None => f.write_str(&self.region),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prod() -> Source {
        Source {
            profile: Some("prod".into()),
            account: None,
            region: "eu-west-1".into(),
            endpoint: Some("http://127.0.0.1:4566".into()),
        }
    }

    #[test]
    fn a_source_is_labelled_by_its_profile_and_region() {
        assert_eq!(prod().label(), "prod/eu-west-1");
        let plain = Source {
            profile: None,
            ..prod()
        };
        assert_eq!(plain.to_string(), "eu-west-1");
    }

    #[test]
    fn knowing_the_account_does_not_change_which_source_it_is() {
        let known = prod().with_account(Some("111122223333".into()));
        assert_eq!(known.account.as_deref(), Some("111122223333"));
        assert_eq!(known.id(), prod().id());
        assert_ne!(known, prod());
    }

    #[test]
    fn the_audit_form_writes_profile_account_and_region_and_never_the_endpoint() {
        let json = serde_json::to_value(prod()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"profile": "prod", "account": null, "region": "eu-west-1"})
        );
        let status = Source::serialize_in_status(&prod(), serde_json::value::Serializer);
        assert_eq!(
            status.expect("json"),
            serde_json::json!({"profile": "prod", "region": "eu-west-1",
                               "endpoint": "http://127.0.0.1:4566"})
        );
    }
}
