//! awsQuery: form parameters in, XML out. Lists arrive as `Name.member.N`, an empty list as
//! the bare `Name=`; maps as `Name.entry.N.key`/`.value`. Answers are
//! `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…` and errors `<ErrorResponse>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_xml::escape::escape;

use crate::sim::error::{ApiError, ApiResult};

pub const CONTENT_TYPE: &str = "text/xml";

/// Decoded form parameters, or a subtree of them under a prefix.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    pub fn parse(body: &[u8]) -> Self {
        Self {
            values: form_urlencoded::parse(body).into_owned().collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn required(&self, key: &str) -> ApiResult<&str> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::new("ValidationError", format!("{key} is required")))
    }

    pub fn int(&self, key: &str) -> ApiResult<Option<i64>> {
        self.get(key)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::new(
                        "ValidationError",
                        format!("{key} must be an integer, not '{v}'"),
                    )
                })
            })
            .transpose()
    }

    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ApiError::new(
                "ValidationError",
                format!("{key} must be true or false, not '{other}'"),
            )),
        }
    }

    /// Whether the list `name` was sent at all (possibly empty, as `name=`).
    pub fn has_list(&self, name: &str) -> bool {
        let prefix = format!("{name}.member.");
        self.values.contains_key(name) || self.values.keys().any(|k| k.starts_with(&prefix))
    }

    /// The members of list `name`, in index order, each as its own parameter tree; a scalar
    /// member is found under the empty key.
    pub fn members(&self, name: &str) -> Vec<Params> {
        let prefix = format!("{name}.member.");
        let mut by_index: BTreeMap<u32, Params> = BTreeMap::new();
        for (key, value) in &self.values {
            let Some(rest) = key.strip_prefix(&prefix) else {
                continue;
            };
            let (index, tail) = rest.split_once('.').unwrap_or((rest, ""));
            let Ok(index) = index.parse::<u32>() else {
                continue;
            };
            by_index
                .entry(index)
                .or_default()
                .values
                .insert(tail.to_owned(), value.clone());
        }
        by_index.into_values().collect()
    }

    /// A list of strings (`Names.member.1=a&Names.member.2=b`).
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.members(name)
            .into_iter()
            .filter_map(|m| m.get("").map(str::to_owned))
            .collect()
    }

    /// The parameters under `prefix.`, with the prefix removed.
    pub fn sub(&self, prefix: &str) -> Params {
        let dotted = format!("{prefix}.");
        Params {
            values: self
                .values
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix(&dotted)
                        .map(|rest| (rest.to_owned(), v.clone()))
                })
                .collect(),
        }
    }

    /// Every key and value, for echoing an action back as it came.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A small XML writer: every text is escaped, every element closed.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(1024),
        }
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>");
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "</{name}>");
        self
    }

    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>{}</{name}>", escape(text));
        self
    }

    pub fn leaf_opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.leaf(name, text);
        }
        self
    }

    pub fn num(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.out, "<{name}>{value}</{name}>");
        self
    }

    /// `<name><member>…</member>…</name>` from a list.
    pub fn list<T>(
        &mut self,
        name: &str,
        items: &[T],
        mut each: impl FnMut(&mut Self, &T),
    ) -> &mut Self {
        self.open(name);
        for item in items {
            self.open("member");
            each(self, item);
            self.close("member");
        }
        self.close(name)
    }

    /// Escaped text inside the element that is open, for lists of plain strings.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.out.push_str(&escape(text));
        self
    }

    /// Text already escaped.
    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.out.push_str(text);
        self
    }

    pub fn into_string(self) -> String {
        self.out
    }
}

/// The whole success document for `operation`.
pub fn response(operation: &str, namespace: &str, result: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{operation}Response xmlns=\"{namespace}\"><{operation}Result>{result}</{operation}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>"
    )
}

/// The error document ELBv2 and STS send.
pub fn error_body(error: &ApiError, namespace: &str, request_id: &str) -> String {
    let kind = if error.is_server_fault() {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        escape(&error.code),
        escape(&error.message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_nested_members_are_read_in_index_order() {
        let params = Params::parse(
            b"Action=ModifyRule&Actions.member.1.Type=forward&Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight=10&Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight=90&Names.member.2=b&Names.member.10=c&Names.member.1=a",
        );
        assert_eq!(params.strings("Names"), vec!["a", "b", "c"]);
        let actions = params.members("Actions");
        assert_eq!(actions.len(), 1);
        let groups = actions[0].sub("ForwardConfig").members("TargetGroups");
        assert_eq!(groups[0].get("Weight"), Some("90"));
        assert_eq!(groups[1].get("Weight"), Some("10"));
    }

    #[test]
    fn an_empty_list_is_sent_as_a_bare_key() {
        let params = Params::parse(b"Action=DescribeRules&RuleArns=");
        assert!(params.has_list("RuleArns"));
        assert!(params.strings("RuleArns").is_empty());
        assert!(!params.has_list("Names"));
    }

    #[test]
    fn xml_text_is_escaped() {
        let mut xml = Xml::new();
        xml.leaf("Message", "a < b & \"c\"");
        assert_eq!(
            xml.into_string(),
            "<Message>a &lt; b &amp; &quot;c&quot;</Message>"
        );
    }
}
