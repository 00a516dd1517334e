//! `cutover status` over several sources: two simulators as two accounts behind two AWS
//! profiles, each reached through its profile's `endpoint_url` in the AWS config file (as
//! the AWS CLI reads it: "Configuration and credential file settings", `endpoint_url`), with
//! its keys in the same file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::Sim;

/// The budgets that let every call go at once (see `command.rs`).
pub(crate) const CONFIG_HOME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/status/config");

/// The two accounts behind profiles `dev` and `prod`, in an AWS config file in a directory of
/// the test's own.
pub(crate) async fn two_profiles(test: &str) -> (Sim, Sim, PathBuf, PathBuf) {
    let (dev, prod) = Sim::two_accounts().await;
    let dir = scratch(test);
    let config = aws_config(
        &dir,
        &[("dev", &dev.endpoint()), ("prod", &prod.endpoint())],
    );
    (dev, prod, dir, config)
}

/// A config home in `dir` whose config file holds the tests' budgets and `more`.
pub(crate) fn config_home(dir: &Path, more: &str) -> String {
    let home = dir.join("home");
    std::fs::create_dir_all(home.join("cutover")).expect("config home");
    let budgets = std::fs::read_to_string(format!("{CONFIG_HOME}/cutover/config.toml"))
        .expect("the tests' budgets");
    std::fs::write(
        home.join("cutover/config.toml"),
        format!("{budgets}\n{more}"),
    )
    .expect("config file");
    home.to_string_lossy().into_owned()
}

/// A directory of its own for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-sources-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// An AWS config file with a profile per `(name, endpoint)`.
fn aws_config(dir: &Path, profiles: &[(&str, &str)]) -> PathBuf {
    let mut text = String::new();
    for (name, endpoint) in profiles {
        text.push_str(&format!(
            "[profile {name}]\nregion = us-east-1\nendpoint_url = {endpoint}\n\
             aws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n\n"
        ));
    }
    let path = dir.join("aws-config");
    std::fs::write(&path, text).expect("AWS config file");
    path
}

/// `cutover ARGS` with only the AWS config file to find its profiles, and `config_home` its
/// own config.
fn cutover(aws_config: &Path, config_home: &str, args: &[&str]) -> Output {
    command(aws_config, config_home, args)
        .output()
        .expect("run cutover")
}

/// `cutover ARGS` to run, as [`cutover`] runs it.
pub(crate) fn command(aws_config: &Path, config_home: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .args(args)
        .env("AWS_CONFIG_FILE", aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("XDG_CONFIG_HOME", config_home)
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION");
    command
}

fn status(aws_config: &Path, config_home: &str, args: &[&str]) -> Output {
    cutover(aws_config, config_home, &[&["status"], args].concat())
}

/// The JSON of a run that succeeded.
pub(crate) fn json_ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(out)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test]
async fn two_profiles_are_read_as_two_accounts() {
    let (_dev, _prod, dir, config) = two_profiles("two").await;
    let out = tokio::task::spawn_blocking(move || {
        status(
            &config,
            CONFIG_HOME,
            &["--profile", "dev", "--profile", "prod", "--json"],
        )
    })
    .await
    .expect("ran");
    let doc = json_ok(&out);
    assert_eq!(doc["schema_version"], 2);
    let sources = doc["sources"].as_array().expect("sources");
    let seen: Vec<(&str, &str)> = sources
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default(),
                s["snapshot"]["identity"]["account"]
                    .as_str()
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(seen, [("dev", "123456789012"), ("prod", "444455556666")]);
    assert_eq!(sources[1]["profile"], "prod");
    // Each source's own fleet, not the other's.
    let pipelines = |i: usize| sources[i]["snapshot"]["pipelines"].as_array().map(Vec::len);
    assert_ne!(pipelines(0), pipelines(1));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn one_source_unreachable_is_named_and_the_other_is_still_shown() {
    let (_dev, prod, dir, config) = two_profiles("gone").await;
    drop(prod);
    let args = ["--profile", "dev", "--profile", "prod"];
    let (text, doc) = tokio::task::spawn_blocking(move || {
        let text = status(&config, CONFIG_HOME, &args);
        let doc = status(&config, CONFIG_HOME, &[&args[..], &["--json"]].concat());
        (text, doc)
    })
    .await
    .expect("ran");
    assert_eq!(text.status.code(), Some(1), "a source could not be read");
    let stdout = String::from_utf8_lossy(&text.stdout);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(stdout.contains("━━ dev ━━"), "{stdout}");
    assert!(stdout.contains("account 123456789012"), "{stdout}");
    let prod_part = stdout.split("━━ prod ━━").nth(1).expect("prod's part");
    assert!(prod_part.contains("cannot read this source"), "{prod_part}");
    assert!(stderr.contains("cannot read prod"), "{stderr}");
    let doc = json(&doc);
    assert_eq!(
        doc["sources"][0]["snapshot"]["identity"]["account"],
        "123456789012"
    );
    assert_eq!(doc["sources"][1]["error"]["kind"], "network", "{doc}");
    assert!(doc["sources"][1].get("snapshot").is_none());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_config_files_sources_are_read_with_their_labels_when_no_profile_is_given() {
    let (_dev, _prod, dir, config) = two_profiles("labels").await;
    let home = config_home(
        &dir,
        "[[source]]\nprofile = \"dev\"\nlabel = \"test\"\n\n\
             [[source]]\nprofile = \"prod\"\nregions = [\"us-east-1\"]\nlabel = \"production\"\n",
    );
    let out = tokio::task::spawn_blocking(move || status(&config, &home, &["--json"]))
        .await
        .expect("ran");
    let doc = json_ok(&out);
    let names: Vec<&str> = doc["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["test", "production"]);
    assert_eq!(doc["sources"][1]["region"], "us-east-1");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_action_refuses_several_sources_and_sends_nothing() {
    let (dev, prod, dir, config) = two_profiles("act").await;
    let seq = prod.handle.shared().request_log().last_seq();
    let out = tokio::task::spawn_blocking(move || {
        cutover(
            &config,
            CONFIG_HOME,
            &[
                "--profile",
                "dev",
                "--profile",
                "prod",
                "scale",
                "web-prod/wishlist",
                "3",
                "--yes",
            ],
        )
    })
    .await
    .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("an action goes to one source") && stderr.contains("nothing was sent"),
        "{stderr}"
    );
    assert_eq!(dev.handle.shared().request_log().since(0).len(), 0);
    assert!(prod.handle.shared().request_log().since(seq).is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_release_gathers_its_members_from_both_accounts() {
    let (_dev, _prod, dir, config) = two_profiles("release").await;
    let home = config_home(
        &dir,
        "[[release]]\nname = \"receipts\"\n\
             pipelines = [\"jobs-release\"]\nservices = [\"*/receipts\"]\n",
    );
    let profiles = ["--profile", "dev", "--profile", "prod"];
    let (json_out, text, unknown) = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| cutover(&config, &home, &[&profiles[..], args].concat());
        (
            run(&["release", "receipts", "--json"]),
            run(&["release", "receipts"]),
            run(&["release", "nope"]),
        )
    })
    .await
    .expect("ran");
    let doc = json_ok(&json_out);
    let members: Vec<(String, String, String)> = doc["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            let field = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
            (field("source"), field("kind"), field("name"))
        })
        .collect();
    let expected = [
        ("dev", "service", "payments-prod/receipts"),
        ("prod", "pipeline", "jobs-release"),
        ("prod", "service", "modes/receipts"),
    ];
    assert_eq!(
        members,
        expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned())),
        "{doc}"
    );
    assert_eq!(doc["summary"]["services"], 2);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("release receipts · "), "{text}");
    assert!(text.contains("modes/receipts"), "{text}");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no release nope in the config file; it has receipts"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}
