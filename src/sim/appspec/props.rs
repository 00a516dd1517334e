//! Hostile AppSpec content (it arrives in CreateDeployment): alias bombs, deep nesting,
//! damaged YAML. Each is an `InvalidRevisionException` or a revision, quickly, never a panic.

use proptest::prelude::*;

use super::*;

const VALID: &str = "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:us-east-1:1:task-definition/web:3\"\n        LoadBalancerInfo:\n          ContainerName: \"web\"\n          ContainerPort: 8080\nHooks:\n  - AfterAllowTestTraffic: \"arn:aws:lambda:us-east-1:1:function:smoke\"\n";

fn refused(content: &str) -> ApiError {
    parse(content, None).expect_err("refused")
}

#[test]
fn an_alias_bomb_is_refused_without_expanding_it() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..12 {
        let prev = (b'a' + i - 1) as char;
        let this = (b'a' + i) as char;
        bomb.push_str(&format!(
            "{this}: &{this} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    bomb.push_str("Resources: *l\n");
    let error = refused(&bomb);
    assert_eq!(error.code, "InvalidRevisionException", "{error}");
}

#[test]
fn deep_nesting_is_refused() {
    // Each took seconds in the YAML parser (the first, 2.5 s in a debug build) before
    // the depth was counted first; 8 MB of them held the simulator for minutes.
    for content in [
        "[".repeat(60_000),
        format!("Resources: {}1{}", "[".repeat(5_000), "]".repeat(5_000)),
        "{a: ".repeat(10_000),
    ] {
        let error = refused(&content);
        assert_eq!(error.code, "InvalidRevisionException");
        assert!(error.message.contains("nested more than 128"), "{error}");
    }
    let error = refused(&"[".repeat(MAX_CONTENT + 1));
    assert!(error.message.contains("at most 65536"), "{error}");
    // Block nesting is cheap to parse, and refused by serde_yaml's own recursion limit.
    assert_eq!(
        refused(&"- ".repeat(20_000)).code,
        "InvalidRevisionException"
    );
    // As deep as serde_yaml goes is still read.
    let deep = format!("{VALID}Extra: {}1{}\n", "[".repeat(100), "]".repeat(100));
    assert!(parse(&deep, None).is_ok());
}

const TOKENS: &[&str] = &[
    "&x ",
    "*x",
    "<<: *x\n",
    "!!binary ",
    "!!str ",
    "!custom ",
    "? ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\t",
    "\n",
    "  ",
    "#",
    "%YAML 1.2\n",
    "---\n",
    "...\n",
    "|\n",
    ">-\n",
    "\"",
    "'",
    "\\u0000",
    "\u{feff}",
    "\u{202e}",
    "~",
    "null",
    "1e400",
    "0x",
    "Resources",
    "Hooks",
    "Type",
    "TaskDefinition",
];

proptest! {
    #![proptest_config(crate::proptest_config(800))]

    #[test]
    fn damaged_appspec_content_is_a_revision_or_an_invalid_revision(
        edits in proptest::collection::vec(
            (any::<prop::sample::Index>(), proptest::sample::select(TOKENS), any::<bool>()),
            1..6,
        ),
    ) {
        let mut content = VALID.to_owned();
        for (at, token, cut) in &edits {
            let mut at = at.index(content.len() + 1);
            while !content.is_char_boundary(at) {
                at -= 1;
            }
            if *cut {
                content.truncate(at);
            } else {
                content.insert_str(at, token);
            }
        }
        match parse(&content, None) {
            Ok(revision) => prop_assert!(!revision.task_definition.is_empty() || content.contains("TaskDefinition")),
            Err(error) => {
                prop_assert_eq!(error.code.as_str(), "InvalidRevisionException");
                prop_assert_eq!(error.status, 400);
            }
        }
    }
}
