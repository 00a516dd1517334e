//! Randomized mutations of the shipped world files (deleted keys, wrong types, out-of-range
//! numbers, duplicated entries, dangling references, broken text) and random `--generate`
//! specs: the loader answers each with a world or an error that names the file and a line,
//! never a panic. `PROPTEST_CASES=N` runs N cases of each instead.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use toml::{Table, Value};

use cutover::sim::worldfile::generate::SpecError;
use cutover::sim::worldfile::{self, GenerateSpec, WorldFileError};

const WORLDS: &[(&str, &str)] = &[
    (
        "assets/worlds/default.toml",
        include_str!("../../assets/worlds/default.toml"),
    ),
    ("tests/worlds/lab.toml", include_str!("../worlds/lab.toml")),
    (
        "tests/worlds/modes.toml",
        include_str!("../worlds/modes.toml"),
    ),
    (
        "tests/worlds/native.toml",
        include_str!("../worlds/native.toml"),
    ),
];

const START: i64 = 1_793_610_000_000;

fn runner(default_cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// A step into a TOML document: a key of a table or an index of an array.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every path to a value in the document, depth first.
fn paths(table: &Table) -> Vec<Vec<Step>> {
    fn walk(value: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(here.clone());
        match value {
            Value::Table(t) => {
                for (k, v) in t {
                    here.push(Step::Key(k.clone()));
                    walk(v, here, out);
                    here.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    here.push(Step::Index(i));
                    walk(v, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&Value::Table(table.clone()), &mut Vec::new(), &mut out);
    out.retain(|p| !p.is_empty());
    out
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Table(t)) => t.get_mut(k),
        (Step::Index(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

/// What to do to one value of a world file.
#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    Replace(Value),
    /// Another entry like this one, appended to its array.
    Duplicate,
    /// A string that names nothing in the world.
    Dangling,
}

fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Integer(-1)),
        Just(Value::Integer(0)),
        Just(Value::Integer(1_001)),
        Just(Value::Integer(65_536)),
        Just(Value::Integer(4_294_967_296)),
        Just(Value::Integer(i64::MAX)),
        Just(Value::Integer(i64::MIN)),
        Just(Value::Float(f64::NAN)),
        Just(Value::Float(f64::INFINITY)),
        Just(Value::Float(-0.5)),
        Just(Value::Float(1.5)),
        Just(Value::Float(1e308)),
        Just(Value::Boolean(true)),
        Just(Value::String(String::new())),
        Just(Value::String("\u{202e}é\u{0}".to_owned())),
        Just(Value::String("x".repeat(5_000))),
        Just(Value::Array(Vec::new())),
        Just(Value::Array(vec![
            Value::Integer(1),
            Value::String("a".into())
        ])),
        Just(Value::Array(vec![Value::Integer(5), Value::Integer(1)])),
        Just(Value::Array(vec![
            Value::Integer(1),
            Value::Integer(2),
            Value::Integer(3)
        ])),
        Just(Value::Table(Table::new())),
        any::<i64>().prop_map(Value::Integer),
        any::<String>().prop_map(Value::String),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::Delete),
        5 => odd_value().prop_map(Mutation::Replace),
        1 => Just(Mutation::Duplicate),
        2 => Just(Mutation::Dangling),
    ]
}

/// Applies `mutation` at `path`; false when it does not apply there.
fn apply(doc: &mut Value, path: &[Step], mutation: &Mutation) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match mutation {
        Mutation::Delete => match (at(doc, parent), last) {
            (Some(Value::Table(t)), Step::Key(k)) => t.remove(k).is_some(),
            (Some(Value::Array(a)), Step::Index(i)) if *i < a.len() => {
                a.remove(*i);
                true
            }
            _ => false,
        },
        Mutation::Replace(value) => at(doc, path).map(|v| *v = value.clone()).is_some(),
        Mutation::Duplicate => match (at(doc, parent), last) {
            (Some(Value::Array(a)), Step::Index(i)) if *i < a.len() => {
                let copy = a[*i].clone();
                a.push(copy);
                true
            }
            _ => false,
        },
        Mutation::Dangling => match at(doc, path) {
            Some(v @ Value::String(_)) => {
                *v = Value::String("no-such-thing".to_owned());
                true
            }
            _ => false,
        },
    }
}

/// The facts every refusal holds: it names the file, and a line inside the text.
fn check_error(name: &str, text: &str, error: &WorldFileError) -> Result<(), String> {
    let shown = error.to_string();
    if !shown.starts_with(name) {
        return Err(format!("the error names the file: {shown}"));
    }
    let lines = text.lines().count() + 1;
    match error.line() {
        Some(line) if line == 0 || line > lines => {
            Err(format!("line {line} of a {lines}-line file: {shown}"))
        }
        _ => Ok(()),
    }?;
    if let Some(field) = error.field()
        && field.is_empty()
    {
        return Err(format!("an empty field name: {shown}"));
    }
    Ok(())
}

fn mutated_world() -> impl Strategy<Value = (usize, Vec<(prop::sample::Index, Mutation)>)> {
    (
        0..WORLDS.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4),
    )
}

#[test]
fn mutated_world_files_load_or_are_refused_with_the_file_and_a_line() {
    let documents: Vec<Value> = WORLDS
        .iter()
        .map(|(_, text)| Value::Table(text.parse::<Table>().expect("shipped worlds are TOML")))
        .collect();
    let mut runner = runner(400);
    let result = runner.run(&mutated_world(), |(world, mutations)| {
        let (name, _) = WORLDS[world];
        let mut doc = documents[world].clone();
        let mut duplicated_entry = false;
        for (index, mutation) in &mutations {
            let Value::Table(table) = &doc else {
                unreachable!()
            };
            let all = paths(table);
            let path = &all[index.index(all.len())];
            let applied = apply(&mut doc, path, mutation);
            // A second `[[service]]`, `[[cluster]]`… of the same name.
            duplicated_entry |= applied
                && mutations.len() == 1
                && matches!(mutation, Mutation::Duplicate)
                && path.len() == 2;
        }
        let text = toml::to_string(&doc).map_err(|e| TestCaseError::reject(e.to_string()))?;
        match worldfile::parse(name, &text, START, 7) {
            Ok(world) => {
                prop_assert!(!duplicated_entry, "a duplicated entry is refused:\n{text}");
                let problems = world.check_invariants();
                prop_assert!(problems.is_empty(), "{problems:?}\n{text}");
                // The simulator runs the warmup tick by tick before it serves.
                prop_assert!((0..=1_440).contains(&world.autopilot.warmup_minutes));
            }
            Err(error) => {
                check_error(name, &text, &error).map_err(TestCaseError::fail)?;
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Text-level damage: a cut, a line dropped or doubled, a character put in.
#[derive(Debug, Clone)]
enum Damage {
    Cut(prop::sample::Index),
    DropLine(prop::sample::Index),
    DoubleLine(prop::sample::Index),
    Insert(prop::sample::Index, char),
}

fn damage() -> impl Strategy<Value = Damage> {
    let ch = prop_oneof![
        proptest::sample::select(&['[', ']', '"', '=', '\n', '#', '{', ',', '\'', 'é'][..]),
        any::<char>(),
    ];
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Damage::Cut),
        any::<prop::sample::Index>().prop_map(Damage::DropLine),
        any::<prop::sample::Index>().prop_map(Damage::DoubleLine),
        (any::<prop::sample::Index>(), ch).prop_map(|(i, c)| Damage::Insert(i, c)),
    ]
}

fn damaged(text: &str, damage: &Damage) -> String {
    let boundary = |i: &prop::sample::Index| {
        let mut at = i.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let mut lines: Vec<&str> = text.lines().collect();
    match damage {
        Damage::Cut(i) => text[..boundary(i)].to_owned(),
        Damage::Insert(i, c) => {
            let at = boundary(i);
            format!("{}{c}{}", &text[..at], &text[at..])
        }
        Damage::DropLine(i) => {
            lines.remove(i.index(lines.len()));
            lines.join("\n")
        }
        Damage::DoubleLine(i) => {
            let at = i.index(lines.len());
            lines.insert(at, lines[at]);
            lines.join("\n")
        }
    }
}

#[test]
fn damaged_world_text_loads_or_is_refused_with_the_file_and_a_line() {
    let mut runner = runner(400);
    let strategy = (0..WORLDS.len(), proptest::collection::vec(damage(), 1..3));
    let result = runner.run(&strategy, |(world, damages)| {
        let (name, text) = WORLDS[world];
        let text = damages.iter().fold(text.to_owned(), |t, d| damaged(&t, d));
        if let Err(error) = worldfile::parse(name, &text, START, 7) {
            check_error(name, &text, &error).map_err(TestCaseError::fail)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn a_reference_to_nothing_is_refused_at_its_field() {
    // One fact per kind of reference the builder resolves, in the lab world.
    let (name, text) = WORLDS[1];
    for (from, to, field) in [
        (
            "cluster = \"lab\"\nname = \"web\"",
            "cluster = \"nowhere\"\nname = \"web\"",
            "service.cluster",
        ),
        (
            "load_balancer = \"lab-alb\"\nroute = \"default\"",
            "load_balancer = \"nowhere\"\nroute = \"default\"",
            "service.load_balancer",
        ),
        (
            "config = \"CodeDeployDefault.ECSAllAtOnce\"",
            "config = \"Nowhere.Config\"",
            "service.deployment.config",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let text = text.replacen(from, to, 1);
        let error = worldfile::parse(name, &text, START, 7).expect_err(field);
        assert_eq!(error.field(), Some(field), "{error}");
        check_error(name, &text, &error).expect("located");
    }
}

/// `warmup_minutes = 4294967295` loaded, and `cutover sim --world` then ran eight thousand
/// centuries of ticks before serving: it never started.
#[test]
fn a_warmup_of_more_than_a_day_is_refused_at_its_line() {
    let (name, text) = WORLDS[1];
    let at = "[autopilot]\nenabled = false\n";
    assert!(text.contains(at));
    for (minutes, refused) in [("4294967295", true), ("1441", true), ("1440", false)] {
        let text = text.replacen(at, &format!("{at}warmup_minutes = {minutes}\n"), 1);
        match worldfile::parse(name, &text, START, 7) {
            Err(error) => {
                assert!(refused, "{minutes}: {error}");
                assert_eq!(error.field(), Some("autopilot.warmup_minutes"));
                let line = text
                    .lines()
                    .position(|l| l.starts_with("warmup_minutes"))
                    .expect("line");
                assert_eq!(error.line(), Some(line + 1), "{error}");
                assert!(error.to_string().contains("at most 1440"), "{error}");
            }
            Ok(world) => {
                assert!(!refused, "{minutes} loaded");
                assert_eq!(world.autopilot.warmup_minutes, 1_440);
            }
        }
    }
}

fn spec_text() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        4 => proptest::sample::select(&["services", "pipelines", "in-flight"][..])
            .prop_map(str::to_owned),
        1 => "[a-z -]{0,10}",
    ];
    let value = prop_oneof![
        4 => (0u64..6_000).prop_map(|n| n.to_string()),
        1 => proptest::sample::select(
            &["", "-1", "+5", "1e3", "18446744073709551616", "٣", " 7 ", "0x10", "NaN"][..]
        )
        .prop_map(str::to_owned),
        1 => any::<u64>().prop_map(|n| n.to_string()),
    ];
    let item = prop_oneof![
        6 => (key, value).prop_map(|(k, v)| format!("{k}={v}")),
        1 => "[^,]{0,12}",
    ];
    proptest::collection::vec(item, 0..5).prop_map(|items| items.join(","))
}

#[test]
fn generate_specs_parse_to_a_checked_spec_or_say_what_is_wrong() {
    let mut runner = runner(500);
    let result = runner.run(&spec_text(), |text| {
        match text.parse::<GenerateSpec>() {
            Ok(spec) => {
                prop_assert!(spec.check().is_ok(), "{text} → {spec}");
                prop_assert!((1..=5_000).contains(&spec.services));
                prop_assert!(spec.pipelines <= spec.services && spec.in_flight <= spec.services);
                prop_assert_eq!(spec.to_string().parse::<GenerateSpec>(), Ok(spec));
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(!message.is_empty());
                if let SpecError::NotANumber { value, .. } = &error {
                    prop_assert!(
                        value.is_empty()
                            || !value.bytes().all(|b| b.is_ascii_digit())
                            || value.parse::<usize>().is_err(),
                        "{value} is a number"
                    );
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn small_generated_worlds_always_load() {
    let strategy = (1usize..60, any::<prop::sample::Index>(), any::<u64>());
    let mut runner = runner(6);
    let result = runner.run(&strategy, |(services, share, seed)| {
        let spec = GenerateSpec {
            services,
            pipelines: share.index(services + 1),
            in_flight: share.index(services.min(3) + 1),
        };
        let world = worldfile::generated_world(&spec, START, seed)
            .map_err(|e| TestCaseError::fail(format!("{spec} seed {seed}: {e}")))?;
        prop_assert_eq!(world.deployment_groups.len(), services);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
