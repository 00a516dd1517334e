//! Answers this version does not expect, drawn: the default world's fleet with statuses AWS
//! might add tomorrow (every enum of the SDK has an `Unknown(..)` variant, aws-apis.md
//! section 1.6 item 3, which the adapters keep as the model's `Unknown(raw)`: `aws::surprises`
//! tests that mapping), optional fields left out and lists empty; and a fleet built by hand
//! with next to nothing in it. Every screen draws without a panic, an unknown value as it
//! came and in the quiet colour, a value left out as "unknown".

use cutover::app::{App, Screen, Subject, View};
use cutover::model::Snapshot;
use cutover::model::pipeline::Pipeline;
use cutover::model::status::{
    ActionStatus, Controller, DeploymentStatus, ExecutionMode, ExecutionStatus, LifecycleStatus,
    ServiceDeploymentStage, ServiceDeploymentStatus, StageStatus, TargetHealthState, TaskSetLabel,
};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crate::screens::{app, fleet, render, text};

/// The screens a person reaches: every list, and the detail of each pipeline and deployment
/// in `subjects`.
fn every_screen(subjects: &[Subject]) -> Vec<Vec<Screen>> {
    let home = Screen::new(View::Overview);
    let lists = View::LISTS
        .iter()
        .map(|v| vec![home.clone(), Screen::new(*v)]);
    let details = subjects
        .iter()
        .map(|s| vec![home.clone(), Screen::of(0, s.clone())]);
    lists.chain(details).collect()
}

/// Draws each screen at two sizes; the text of each, by screen.
fn drawn(app: &mut App, screens: &[Vec<Screen>]) -> Vec<(Vec<Screen>, String)> {
    let mut out = Vec::new();
    for stack in screens {
        for (width, height) in [(80, 24), (160, 48)] {
            app.stack = stack.clone();
            let screen = text(&render(app, width, height));
            out.push((stack.clone(), screen));
        }
    }
    out
}

/// The foreground colour of the first cell of `word` on screen.
fn colour_of(buffer: &Buffer, word: &str) -> Option<Color> {
    let area = buffer.area;
    (0..area.height).find_map(|y| {
        let line: String = (0..area.width)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect();
        let at = line.find(word)?;
        let x = line[..at].chars().count() as u16;
        buffer[(x, y)].style().fg
    })
}

/// The fleet with the surprises put in, and the subjects whose screens show them.
fn surprised(mut s: Snapshot) -> (Snapshot, Vec<Subject>) {
    let mut subjects = Vec::new();
    let mut in_flight = s
        .deployments
        .iter_mut()
        .filter(|d| !d.status.is_terminal() && d.target.is_some());
    let paused = in_flight.next().expect("a deployment in flight");
    paused.status = DeploymentStatus::Unknown("Paused".into());
    if let Some(target) = paused.target.as_mut() {
        for e in &mut target.lifecycle_events {
            e.status = LifecycleStatus::Unknown("Deferred".into());
        }
        for t in &mut target.task_sets {
            t.label = TaskSetLabel::Unknown("Purple".into());
        }
    }
    subjects.push(Subject::Deployment(paused.reference()));
    let bare = in_flight.next().expect("a second one");
    bare.status = DeploymentStatus::Unknown(String::new());
    (bare.target, bare.progress, bare.revision) = (None, None, None);
    (bare.started, bare.error) = (None, None);
    subjects.push(Subject::Deployment(bare.reference()));

    let mut pipelines = s.pipelines.iter_mut().filter(|p| !p.executions.is_empty());
    let odd = pipelines.next().expect("a pipeline that ran");
    odd.executions[0].status = ExecutionStatus::Unknown("Paused".into());
    for stage in &mut odd.stages {
        stage.status = Some(StageStatus::Unknown("Hibernating".into()));
        for action in &mut stage.actions {
            if let Some(run) = action.latest.as_mut() {
                run.status = ActionStatus::Unknown("Dozing".into());
            }
        }
    }
    subjects.push(Subject::Pipeline(odd.name.clone()));
    let empty = pipelines.next().expect("another");
    (empty.stages, empty.executions, empty.pending) = (Vec::new(), Vec::new(), Vec::new());
    subjects.push(Subject::Pipeline(empty.name.clone()));

    let ecs = s
        .service_deployments
        .first_mut()
        .expect("an ECS deployment");
    ecs.status = ServiceDeploymentStatus::Unknown("PAUSED_FOR_LUNCH".into());
    ecs.stage = Some(ServiceDeploymentStage::Unknown("TELEPORT".into()));
    subjects.push(Subject::Deployment(ecs.reference()));
    for service in &mut s.services {
        service.controller = Controller::Unknown("QUANTUM".into());
    }
    let mut groups = s.target_groups.iter_mut().filter(|t| t.targets.is_some());
    if let Some(targets) = groups.next().and_then(|t| t.targets.as_mut()) {
        for target in targets {
            target.state = TargetHealthState::Unknown("degraded".into());
        }
    }
    if let Some(unread) = groups.next() {
        unread.targets = None;
    }
    s.link();
    (s, subjects)
}

#[tokio::test]
async fn values_this_version_does_not_know_are_drawn_as_they_came_on_every_screen() {
    let (snapshot, subjects) = surprised(fleet().await);
    let mut app = app(&snapshot, false);
    let screens = drawn(&mut app, &every_screen(&subjects));
    let shows = |view: &Screen, word: &str| {
        screens
            .iter()
            .filter(|(stack, _)| stack.last() == Some(view))
            .all(|(_, screen)| screen.contains(word))
    };
    let detail = |i: usize| Screen::of(0, subjects[i].clone());
    for (screen, word) in [
        (Screen::new(View::Deployments), "Paused"),
        (Screen::new(View::Deployments), "unknown"),
        (detail(0), "Paused"),
        (detail(2), "Paused"),
        (detail(2), "Hibernating"),
        (detail(4), "PAUSED_FOR_LUNCH"),
    ] {
        assert!(shows(&screen, word), "{:?} shows {word}", screen.view);
    }

    app.stack = vec![Screen::new(View::Overview), Screen::new(View::Deployments)];
    let buffer = render(&mut app, 160, 48);
    assert_eq!(
        colour_of(&buffer, "Paused"),
        Some(Color::DarkGray),
        "a value not known is drawn quiet, neither good nor bad"
    );
}

#[tokio::test]
async fn a_fleet_with_next_to_nothing_in_it_draws_every_screen() {
    let fleet = fleet().await;
    let mut deployment = fleet.deployments[0].clone();
    deployment.status = DeploymentStatus::Unknown(String::new());
    (deployment.target, deployment.progress, deployment.revision) = (None, None, None);
    (deployment.created, deployment.started, deployment.completed) = (None, None, None);
    (deployment.error, deployment.description, deployment.creator) = (None, None, None);
    let mut ecs = fleet.service_deployments[0].clone();
    ecs.status = ServiceDeploymentStatus::Unknown(String::new());
    (ecs.stage, ecs.target, ecs.strategy, ecs.rollback) = (None, None, None, None);
    (ecs.sources, ecs.hooks) = (Vec::new(), Vec::new());
    (ecs.created_at, ecs.started_at, ecs.updated_at) = (None, None, None);
    let mut bare = Snapshot {
        taken_at: fleet.taken_at,
        pipelines: vec![Pipeline {
            name: "bare-release".into(),
            arn: None,
            version: None,
            execution_mode: ExecutionMode::Unknown("TELEPATHIC".into()),
            stages: Vec::new(),
            executions: Vec::new(),
            pending: Vec::new(),
            failures: Vec::new(),
        }],
        deployments: vec![deployment.clone()],
        service_deployments: vec![ecs.clone()],
        ..Snapshot::default()
    };
    bare.link();
    let mut app = app(&bare, false);
    let subjects = [
        Subject::Pipeline("bare-release".into()),
        Subject::Deployment(deployment.reference()),
        Subject::Deployment(ecs.reference()),
    ];
    let screens = drawn(&mut app, &every_screen(&subjects));
    let deployments = screens
        .iter()
        .find(|(stack, _)| stack.last().map(|s| s.view) == Some(View::Deployments))
        .map(|(_, screen)| screen.clone())
        .unwrap_or_default();
    assert!(deployments.contains("unknown"), "{deployments}");
    assert!(
        screens.iter().all(|(_, screen)| screen.lines().count() > 2),
        "every screen drew"
    );
}
