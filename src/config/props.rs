//! Random config files and globs: a file is read whole or refused with its line, never with
//! a panic; what is read is what the file says.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;

/// A TOML literal, with the number it holds when it is one.
#[derive(Debug, Clone)]
struct Lit {
    text: String,
    number: Option<f64>,
    strings: Option<Vec<String>>,
}

fn lit() -> impl Strategy<Value = Lit> {
    let number = select(
        &[
            "1",
            "0",
            "-1",
            "1.5",
            "0.5",
            "3",
            "40",
            "1e3",
            "nan",
            "inf",
            "-inf",
            "+inf",
            "1e400",
            "9223372036854775807",
            "9223372036854775808",
            "0x10",
            "1_000",
            "-0.0",
        ][..],
    )
    .prop_map(|t| Lit {
        text: t.to_owned(),
        number: if t == "0x10" {
            Some(16.0)
        } else {
            t.replace('_', "").parse::<f64>().ok()
        },
        strings: None,
    });
    let strings = proptest::collection::vec(
        prop_oneof![
            select(&["payments-*", "*", "", "*-prod*", "é\u{202e}", "a\"b"][..])
                .prop_map(str::to_owned),
            any::<String>(),
        ],
        0..4,
    )
    .prop_map(|items| Lit {
        text: toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
            .to_string(),
        number: None,
        strings: Some(items),
    });
    let other = select(
        &[
            "true",
            "\"x\"",
            "{}",
            "[1]",
            "[[]]",
            "1979-05-27",
            "'''\n'''",
        ][..],
    )
    .prop_map(|t| Lit {
        text: t.to_owned(),
        number: None,
        strings: None,
    });
    prop_oneof![3 => number, 2 => strings, 1 => other]
}

fn section() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(&["ecs", "elb", "codedeploy", "codepipeline", "sts"][..])
            .prop_map(|s| format!("budget.{s}")),
        2 => Just("scope".to_owned()),
        1 => Just("safety".to_owned()),
        1 => "[a-z]{1,6}".prop_map(|p| format!("profiles.{p}")),
        1 => "[a-z.\"]{0,8}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => select(&[
            "rate", "burst", "clusters", "services", "applications", "pipelines",
            "protected_accounts", "read_only", "protected",
        ][..])
        .prop_map(str::to_owned),
        1 => "[a-z_]{0,8}",
    ]
}

type Doc = Vec<(String, Vec<(String, Lit)>)>;

fn doc() -> impl Strategy<Value = Doc> {
    proptest::collection::vec(
        (section(), proptest::collection::vec((key(), lit()), 0..4)),
        0..5,
    )
}

fn render(doc: &Doc) -> String {
    let mut text = String::new();
    for (section, entries) in doc {
        text.push_str(&format!("[{section}]\n"));
        for (key, value) in entries {
            text.push_str(&format!("{key} = {}\n", value.text));
        }
    }
    text
}

/// What a file that was read must have taken from `doc`.
fn check_read(doc: &Doc, config: &Config) -> Result<(), TestCaseError> {
    let budgets = &config.budgets;
    for (section, entries) in doc {
        for (key, value) in entries {
            let allowance = match section.as_str() {
                "budget.ecs" => budgets.ecs,
                "budget.elb" => budgets.elb,
                "budget.codedeploy" => budgets.codedeploy,
                "budget.codepipeline" => budgets.codepipeline,
                "scope" => {
                    let list = match key.as_str() {
                        "clusters" => &config.scope.clusters,
                        "services" => &config.scope.services,
                        "applications" => &config.scope.applications,
                        _ => &config.scope.pipelines,
                    };
                    prop_assert_eq!(Some(list), value.strings.as_ref());
                    continue;
                }
                _ => continue,
            };
            let read = if key == "rate" {
                allowance.rate
            } else {
                allowance.burst
            };
            prop_assert_eq!(Some(read), value.number, "{}.{}", section, key);
        }
    }
    for allowance in [
        budgets.ecs,
        budgets.elb,
        budgets.codedeploy,
        budgets.codepipeline,
    ] {
        prop_assert!(allowance.rate.is_finite() && allowance.rate > 0.0);
        prop_assert!(allowance.burst.is_finite() && allowance.burst >= 1.0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::proptest_config(400))]

    #[test]
    fn a_random_config_file_is_read_as_written_or_refused_at_a_line(
        doc in doc(),
        damage in proptest::option::of((any::<prop::sample::Index>(), any::<char>())),
    ) {
        let mut text = render(&doc);
        if let Some((at, ch)) = &damage {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert(at, *ch);
        }
        match Config::parse(Path::new("c.toml"), &text) {
            Ok(config) if damage.is_none() => check_read(&doc, &config)?,
            Ok(_) => {}
            Err(ConfigError::Invalid { line, message, .. }) => {
                prop_assert!(line >= 1 && line <= text.lines().count() + 1, "line {}", line);
                prop_assert!(!message.is_empty());
            }
            Err(other) => prop_assert!(false, "a parse cannot fail to read: {}", other),
        }
    }

    #[test]
    fn a_glob_matches_every_text_made_by_filling_its_stars(
        parts in proptest::collection::vec("[a-cé*-]{0,4}", 1..5),
        fills in proptest::collection::vec("[a-cé*-]{0,4}", 4),
        text in "[a-cé*-]{0,12}",
    ) {
        let pattern = parts.join("*");
        let filled: String = parts
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { p.clone() } else { format!("{}{p}", fills[i % 4]) })
            .collect();
        prop_assert!(glob(&pattern, &filled), "{} ~ {}", pattern, filled);
        // Without a star, a pattern matches itself alone.
        prop_assert_eq!(glob(&text.replace('*', ""), &text), !text.contains('*') );
        let _ = glob(&text, &pattern);
    }
}
