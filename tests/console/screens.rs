use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cutover::app::{App, Context, Intervals, Msg, update};
use cutover::aws::snapshot::take;
use cutover::aws::{ConnectOptions, connect};
use cutover::config::Scope;
use cutover::model::budget::{Api, BudgetState};
use cutover::model::{Snapshot, Source};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crate::common::Sim;

/// The default world after its six hours of history, read through the SDK.
pub(crate) async fn fleet() -> Snapshot {
    let (_sim, clients) = default_world().await;
    take(&clients, &Scope::default()).await.expect("snapshot")
}

/// The default world (seed 3) on the manual clock, and clients on it without retries.
pub(crate) async fn default_world() -> (Sim, cutover::aws::Clients) {
    let sim = Sim::busy().await;
    let clients = connect(&ConnectOptions {
        endpoint_url: Some(sim.endpoint()),
        region: Some("us-east-1".into()),
        max_attempts: Some(1),
        static_credentials: Some(("AKIDTEST".into(), "secret".into())),
        ..ConnectOptions::default()
    })
    .await;
    (sim, clients)
}

/// Where the screens' console reads: the demo's simulator.
fn source() -> Source {
    Source {
        region: "us-east-1".into(),
        ..Source::default()
    }
}

pub(crate) fn app(snapshot: &Snapshot, no_color: bool) -> App {
    let context = Context {
        demo: true,
        clock_rate: 1.0,
        no_color,
        ..Context::default()
    };
    let mut app = App::on(context, source(), Intervals::default());
    update(
        &mut app,
        Msg::SnapshotTaken {
            at: 0,
            feed: 0,
            result: Ok(Box::new(snapshot.clone())),
            budgets: Vec::new(),
        },
    );
    app
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

pub(crate) fn render(app: &mut App, width: u16, height: u16) -> Buffer {
    app.height = height;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| cutover::ui::draw(frame, app))
        .expect("draw");
    terminal.backend().buffer().clone()
}

pub(crate) fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Ids and durations vary with the engine's choices; the layout is what the snapshots hold.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"d-[A-Z0-9]{9}", "d-XXXXXXXXX");
    settings.add_filter(r"ecs-svc/\d+", "ecs-svc/N");
    settings.add_filter(r"\b\d{1,2}h \d{2}m\b", "Hh MMm");
    settings.add_filter(r"\b\d{1,2}m \d{2}s\b", "Mm SSs");
    settings.add_filter(r"\b\d{1,2}s\b", "Ss");
    settings.add_filter(r"\b\d{2}:\d{2}:\d{2}\b", "HH:MM:SS");
    settings.add_filter(r"\b[0-9a-f]{8}\b", "xxxxxxxx");
    settings
}

/// The screens, reached by keys as a person would, each drawn at two sizes.
const SCREENS: &[(&str, &str)] = &[
    ("overview", ""),
    ("pipelines", "2"),
    ("pipeline", ":ledger-release\n"),
    // A PARALLEL pipeline: each execution waiting at its gate is its own row.
    ("pipeline_parallel", ":reviews-release\n"),
    ("deployments", "3"),
    ("deployment", "3/payments/wallet\n\n"),
    // An ECS service deployment in flight: stages, rules and revisions, its pause hook.
    ("deployment_ecs", "3/payment-methods\n\n"),
    ("services", "4"),
    ("traffic", "5"),
    ("help", "?"),
    ("palette", ":pay"),
];

#[tokio::test]
async fn every_screen_at_two_sizes() {
    let snapshot = fleet().await;
    let settings = settings();
    for (name, path) in SCREENS {
        for (width, height) in [(80, 24), (160, 48)] {
            let mut app = app(&snapshot, false);
            keys(&mut app, path);
            let screen = text(&render(&mut app, width, height));
            settings.bind(|| insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen));
        }
    }
}

/// GetDeployment names the AppSpec by its sha256 only; the snapshot reads the text once
/// with GetApplicationRevision, and the deployment screen says what is being deployed.
#[tokio::test]
async fn the_deployment_screen_names_the_task_definition_being_deployed() {
    let snapshot = fleet().await;
    let mut app = app(&snapshot, false);
    keys(&mut app, "1jjjjj\n");
    let Some(cutover::app::Subject::Deployment(id)) = app.screen().subject.clone() else {
        panic!("a deployment on screen");
    };
    let d = snapshot.find(&id).expect("in the snapshot");
    let task_definition = d.task_definition().expect("the AppSpec was read");
    let short = cutover::model::deploy::short_task_definition(task_definition);
    for (width, height) in [(80, 24), (160, 48)] {
        let screen = text(&render(&mut app, width, height));
        assert!(
            screen.contains(&format!("deploys {short} (AppSpec ")),
            "{screen}"
        );
    }
}

#[tokio::test]
async fn status_cells_carry_their_colour_and_no_color_drops_it() {
    let snapshot = fleet().await;
    let mut app = app(&snapshot, false);
    keys(&mut app, "3");
    let buffer = render(&mut app, 160, 48);
    let colour_of = |word: &str| -> Option<Color> {
        let area = buffer.area;
        for y in 0..area.height {
            let line: String = (0..area.width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect();
            if let Some(at) = line.find(word) {
                let x = line[..at].chars().count() as u16;
                return buffer[(x, y)].style().fg;
            }
        }
        None
    };
    assert_eq!(
        colour_of("Failed"),
        Some(Color::Red),
        "a failed deployment is red"
    );
    assert_eq!(
        colour_of("Succeeded"),
        Some(Color::Green),
        "a succeeded one green"
    );
    assert_eq!(
        colour_of("InProgress"),
        Some(Color::Yellow),
        "one in flight yellow"
    );
    let blue = (0..buffer.area.height)
        .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
        .find(|p| buffer[*p].symbol() == "▒");
    assert_eq!(
        blue.map(|p| buffer[p].style().fg),
        Some(Some(Color::Blue)),
        "blue is blue in the split bar"
    );

    let mut app = self::app(&snapshot, true);
    keys(&mut app, "3");
    let buffer = render(&mut app, 160, 48);
    let coloured = buffer
        .content()
        .iter()
        .filter(|c| c.style().fg.is_some_and(|f| f != Color::Reset))
        .count();
    assert_eq!(coloured, 0, "NO_COLOR: meaning by text alone");
}

/// The action dialogs at each step, and the header when a service throttles, before and
/// after its budget backs off: the comment asked for, the evidence with a plain and a typed
/// confirmation, a refusal found on fresh state, and the results (done, failed, unknown).
#[tokio::test]
async fn the_action_dialogs_and_a_throttled_header_at_two_sizes() {
    use cutover::ops::prepare::{Call, Plan};
    use cutover::ops::{Ended, Op, OpError};
    let snapshot = fleet().await;
    let settings = settings();
    let scale = Op::Scale(cutover::ops::verbs::scale::Scale {
        cluster: "microservices-serverlesscluster".into(),
        service: "customer-microservice".into(),
        count: 6,
    });
    let scale_plan = Plan {
        op: scale.clone(),
        summary: vec![
            "Scale microservices-serverlesscluster/customer-microservice: desired 2 → 6 (running 2, pending 0)."
                .into(),
        ],
        typed_name: "microservices-serverlesscluster/customer-microservice".into(),
        call: Call::Scale(cutover::ops::verbs::scale::Call {
            cluster: "microservices-serverlesscluster".into(),
            service: "customer-microservice".into(),
            count: 6,
        }),
    };
    let rollback_plan = |id: &str| Plan {
        op: Op::Rollback(cutover::ops::verbs::rollback::Rollback {
            deployment: cutover::ops::verbs::Target::Deployment(
                cutover::model::DeploymentRef::CodeDeploy(id.into()),
            ),
        }),
        summary: vec![format!(
            "Stop {id} (InProgress) and roll back: traffic returns to the original task set."
        )],
        typed_name: id.into(),
        call: Call::StopWithRollback(cutover::ops::verbs::rollback::Call {
            deployment: id.into(),
            ecs: false,
        }),
    };
    for (width, height) in [(80, 24), (160, 48)] {
        let size = format!("{width}x{height}");
        let shot = |app: &mut App, name: &str| {
            let screen = text(&render(app, width, height));
            settings.bind(|| insta::assert_snapshot!(format!("{name}_{size}"), screen));
        };
        // The comment an approval asks for.
        let mut app = app_fn(&snapshot);
        keys(&mut app, "aship it");
        shot(&mut app, "dialog_comment");
        // A plain confirmation with its evidence.
        let mut app = app_fn(&snapshot);
        keys(&mut app, "4s6\n");
        update(
            &mut app,
            Msg::Prepared {
                results: vec![(0, Ok(scale_plan.clone()))],
            },
        );
        shot(&mut app, "dialog_confirm_plain");
        // The results: one done, one refused, one unknown.
        keys(&mut app, "y\n");
        update(
            &mut app,
            Msg::Executed { results: vec![(
                "microservices-serverlesscluster/customer-microservice".into(),
                Ended::Unknown(
                    "the result is unknown: ecs UpdateService on microservices-serverlesscluster/customer-microservice failed: ServerException. It was not sent again; read again: microservices-serverlesscluster/customer-microservice: desired 6, running 4, pending 2".into(),
                ),
            )] },
        );
        shot(&mut app, "dialog_result_unknown");
        // A typed confirmation, half typed.
        let mut app = app_fn(&snapshot);
        keys(&mut app, "1jjjjj\nB");
        let id = match &app.screen().subject {
            Some(cutover::app::Subject::Deployment(id)) => id.to_string(),
            other => panic!("a deployment on screen: {other:?}"),
        };
        update(
            &mut app,
            Msg::Prepared {
                results: vec![(0, Ok(rollback_plan(&id)))],
            },
        );
        keys(&mut app, "d-");
        shot(&mut app, "dialog_confirm_typed");
        // Refused on fresh state: nothing to confirm.
        let mut app = app_fn(&snapshot);
        keys(&mut app, "4s6\n");
        update(
            &mut app,
            Msg::Prepared {
                results: vec![(
                    0,
                    Err(OpError::Precondition(
                        "service microservices-serverlesscluster/customer-microservice does not exist"
                            .into(),
                    )),
                )],
            },
        );
        shot(&mut app, "dialog_refused");
        // Done and failed side by side.
        let mut app = app_fn(&snapshot);
        keys(&mut app, "4s6\n");
        update(
            &mut app,
            Msg::Prepared {
                results: vec![(0, Ok(scale_plan.clone()))],
            },
        );
        keys(&mut app, "y\n");
        update(
            &mut app,
            Msg::Executed {
                results: vec![
                (
                    "microservices-serverlesscluster/customer-microservice".into(),
                    Ended::Done(
                        "microservices-serverlesscluster/customer-microservice: desired count 6"
                            .into(),
                    ),
                ),
                (
                    "microservices-serverlesscluster/customer-microservice".into(),
                    Ended::Failed("ecs UpdateService failed: AccessDeniedException".into()),
                ),
            ],
            },
        );
        shot(&mut app, "dialog_result_mixed");
        // A throttled service in the header.
        let mut throttled = snapshot.clone();
        throttled.gaps.push(cutover::model::Gap {
            service: "elasticloadbalancing".into(),
            operation: "DescribeTargetHealth".into(),
            target: None,
            kind: "throttled".into(),
            code: Some("Throttling".into()),
            message: "Rate exceeded".into(),
            request_id: None,
            hint: None,
        });
        let mut app = app_fn(&throttled);
        shot(&mut app, "header_throttled");
        // The same throttles, having slowed ELB's request budget: the header names the
        // service and the rate in force instead.
        let mut app = app_fn(&throttled);
        app.feeds[0].budgets = vec![
            BudgetState {
                api: Api::Ecs,
                configured: 10.0,
                current: 10.0,
                backing_off: None,
            },
            BudgetState {
                api: Api::Elb,
                configured: 2.0,
                current: 0.5,
                backing_off: Some(std::time::Duration::from_secs(40)),
            },
        ];
        shot(&mut app, "header_backing_off");
    }
}

fn app_fn(snapshot: &Snapshot) -> App {
    app(snapshot, false)
}
