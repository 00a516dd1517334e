//! Random command lines over the real subcommands and flags: clap and the checks after it
//! answer each with a command or a usage error, never a panic; what is accepted is in range.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::select;

use super::*;

/// Every subcommand name, long flag and possible value the parser knows.
fn words(command: &clap::Command, out: &mut BTreeSet<String>) {
    for arg in command.get_arguments() {
        if let Some(long) = arg.get_long() {
            out.insert(format!("--{long}"));
        }
        for value in arg.get_possible_values() {
            out.insert(value.get_name().to_owned());
        }
    }
    for sub in command.get_subcommands() {
        out.insert(sub.get_name().to_owned());
        words(sub, out);
    }
}

const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "2",
    "300",
    "301",
    "3600",
    "0.5",
    "1.0000001",
    "1e309",
    "-0",
    "NaN",
    "inf",
    "100000",
    "100000.0001",
    "18446744073709551615",
    "18446744073709551616",
    "3600000",
    "3600001",
    "9223372036854775807",
    "127.0.0.1:0",
    "127.0.0.1:65536",
    "[::1]:4566",
    "localhost:80",
    "::",
    "2026-11-02T09:00:00Z",
    "2026-02-30T09:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2026-11-02T09:00:00+25:00",
    "2026-11-22",
    "services=10,pipelines=3,in-flight=1",
    "services=0",
    "services=5001",
    "services=99999999999999999999",
    "pipelines=9,services=3",
    "in-flight=",
    "=,=",
    "d-ABCDEFGHI",
    "d-",
    "d-\u{202e}",
    "payments-prod/ledger",
    "/",
    "a/b/c",
    "arn:aws:ecs:us-east-1:123456789012:service-deployment/c/s/abc",
    "arn:aws:ecs:us-east-1:123456789012:service/c/s",
    "arn:",
    "tg=50",
    "tg=-1",
    "tg=999",
    "tg=99999999999999999999",
    "=",
    "tg=",
    "ecs:DescribeServices",
    "codedeploy:*",
    "*",
    "é",
    "\u{0}",
    "-",
    "--",
    "-h",
];

/// A subcommand with a value for each of its positionals, then flags of its own.
fn shaped(command: &clap::Command) -> impl Strategy<Value = Vec<String>> + use<> {
    let subs: Vec<(String, usize, Vec<String>)> = command
        .get_subcommands()
        .map(|sub| {
            let flags = sub
                .get_arguments()
                .filter_map(clap::Arg::get_long)
                .map(|l| format!("--{l}"))
                .collect::<Vec<_>>();
            (
                sub.get_name().to_owned(),
                sub.get_positionals().count(),
                if flags.is_empty() {
                    vec!["--read-only".to_owned()]
                } else {
                    flags
                },
            )
        })
        .collect();
    (
        select(subs),
        proptest::collection::vec(select(VALUES), 3),
        proptest::collection::vec((any::<prop::sample::Index>(), select(VALUES)), 0..4),
    )
        .prop_map(|((name, positionals, flags), values, options)| {
            let mut argv = vec!["cutover".to_owned(), name];
            argv.extend(values.iter().take(positionals).map(|v| (*v).to_owned()));
            for (flag, value) in options {
                argv.push(flags[flag.index(flags.len())].clone());
                argv.push(value.to_owned());
            }
            argv
        })
}

fn argv(words: Vec<String>) -> impl Strategy<Value = Vec<String>> {
    let token = prop_oneof![
        4 => select(words.clone()),
        4 => select(VALUES).prop_map(str::to_owned),
        1 => (select(words), select(VALUES)).prop_map(|(w, v)| format!("{w}={v}")),
        1 => any::<String>(),
    ];
    proptest::collection::vec(token, 0..8).prop_map(|mut tokens| {
        tokens.insert(0, "cutover".to_owned());
        tokens
    })
}

/// What the program checks after clap, for the command parsed.
fn check_parsed(cli: Cli, dialog: &str) -> Result<(), TestCaseError> {
    let console = &cli.console;
    prop_assert!((1..=300).contains(&console.refresh.hot_seconds));
    prop_assert!((1..=600).contains(&console.refresh.warm_seconds));
    prop_assert!((5..=3600).contains(&console.refresh.cold_seconds));
    prop_assert!(console.demo_speed > 0.0 && console.demo_speed <= 100_000.0);
    match cli.command {
        Some(Command::Sim(args)) => {
            let options = args.options();
            prop_assert!(options.faults.validate().is_ok(), "{:?}", options.faults);
            let mut rng = crate::sim::rng::Rng::new(1);
            let latency = options.faults.latency(&mut rng, "ecs", "ListClusters");
            prop_assert!(latency <= 2 * MAX_LATENCY_MS);
            prop_assert!(args.speed.is_finite() && args.speed > 0.0);
            if let Some(spec) = args.generate {
                prop_assert!(spec.check().is_ok());
                if spec.services <= 60 {
                    prop_assert_eq!(args.printed_world().is_some(), args.print_world);
                }
            }
        }
        Some(Command::Act(verb)) => {
            if let Ok((mut op, _)) = verb.into_op() {
                if let Err(error) = op.validate() {
                    prop_assert!(!error.to_string().is_empty());
                }
                // What the console's dialog for the same verb reads, typed by a person.
                if let Err(error) = op.fill(dialog) {
                    prop_assert!(!error.to_string().is_empty());
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn a_latency_past_an_hour_is_a_usage_error() {
    // `--jitter-ms 9223372036854775807` used to start a simulator whose first request
    // panicked drawing the jitter, dropping the connection.
    for flag in ["--latency-ms", "--jitter-ms"] {
        let error = Cli::try_parse_checked(["cutover", "sim", flag, "9223372036854775807"])
            .expect_err("refused");
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(error.to_string().contains("0..=3600000"), "{error}");
    }
    assert!(Cli::try_parse_checked(["cutover", "sim", "--jitter-ms", "3600000"]).is_ok());
}

proptest! {
    #![proptest_config(crate::proptest_config(1_500))]

    #[test]
    fn a_random_command_line_is_a_command_or_a_usage_error(
        argv in {
            let mut all = BTreeSet::new();
            words(&Cli::command(), &mut all);
            prop_oneof![argv(all.into_iter().collect()), shaped(&Cli::command())]
        },
        dialog in prop_oneof![select(VALUES).prop_map(str::to_owned), any::<String>()],
    ) {
        match Cli::try_parse_checked(&argv) {
            Ok(cli) => {
                check_parsed(cli, &dialog)?;
            }
            Err(error) => {
                prop_assert!(!error.render().to_string().is_empty());
                prop_assert!(error.exit_code() == 0 || error.exit_code() == 2, "{:?}", error.kind());
            }
        }
    }
}
