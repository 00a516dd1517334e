//! Wire fidelity: the AWS CLI (botocore parses every answer against the service models) runs
//! every served operation against the simulator. Without `aws` on the PATH the test says so
//! and skips, unless CUTOVER_REQUIRE_TOOLS is set (CI sets it: there it must never skip).

use std::process::Command;

use serde_json::Value;

use crate::common::Sim;
use crate::engine::{advance_until, lab};

pub fn cli_available() -> bool {
    let found = Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CUTOVER_REQUIRE_TOOLS").is_none(),
            "the AWS CLI is required here (CUTOVER_REQUIRE_TOOLS is set): pip install awscli"
        );
        eprintln!(
            "SKIP aws_cli: the AWS CLI is not installed (pip install awscli); wire-format checks did not run"
        );
    }
    found
}

pub struct Cli {
    pub endpoint: String,
}

impl Cli {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("aws");
        command
            .args([
                "--endpoint-url",
                &self.endpoint,
                "--region",
                "eu-west-1",
                "--output",
                "json",
            ])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("AWS_PAGER", "");
        command
    }

    /// Runs a command that must succeed; its JSON output.
    pub fn ok(&self, args: &[&str]) -> Value {
        let output = self.command(args).output().expect("run aws");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "aws {} failed:\n{stderr}",
            args.join(" ")
        );
        if stdout.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&stdout)
                .unwrap_or_else(|e| panic!("aws {}: {e}: {stdout}", args.join(" ")))
        }
    }

    /// Runs a command that must fail with `code`.
    pub fn fails(&self, args: &[&str], code: &str) {
        let output = self.command(args).output().expect("run aws");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "aws {} should have failed",
            args.join(" ")
        );
        assert!(
            stderr.contains(&format!("({code})")),
            "aws {}: expected {code}, got:\n{stderr}",
            args.join(" ")
        );
    }
}

pub fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
        .to_owned()
}

#[tokio::test]
async fn every_served_operation_is_parsed_by_the_aws_cli() {
    if !cli_available() {
        return;
    }
    let sim = lab().await;
    let cli = Cli {
        endpoint: sim.endpoint(),
    };
    // The CLI blocks; run it off the async runtime's thread.
    tokio::task::spawn_blocking(move || run_all(&sim, &cli))
        .await
        .expect("cli run");
}

fn run_all(sim: &Sim, cli: &Cli) {
    reads(cli);
    ecs(cli);
    elbv2(cli);
    pipelines_and_deployments(sim, cli);
}

fn reads(cli: &Cli) {
    let identity = cli.ok(&["sts", "get-caller-identity"]);
    assert_eq!(text(&identity, "/Account"), "111122223333");

    cli.ok(&["deploy", "list-applications"]);
    cli.ok(&["deploy", "get-application", "--application-name", "lab"]);
    cli.ok(&[
        "deploy",
        "batch-get-applications",
        "--application-names",
        "lab",
    ]);
    cli.ok(&[
        "deploy",
        "list-deployment-groups",
        "--application-name",
        "lab",
    ]);
    let group = cli.ok(&[
        "deploy",
        "get-deployment-group",
        "--application-name",
        "lab",
        "--deployment-group-name",
        "web",
    ]);
    assert_eq!(text(&group, "/deploymentGroupInfo/computePlatform"), "ECS");
    cli.ok(&[
        "deploy",
        "batch-get-deployment-groups",
        "--application-name",
        "lab",
        "--deployment-group-names",
        "web",
        "api",
    ]);
    cli.ok(&["deploy", "list-deployment-configs"]);
    let config = cli.ok(&[
        "deploy",
        "get-deployment-config",
        "--deployment-config-name",
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    ]);
    assert_eq!(
        text(&config, "/deploymentConfigInfo/trafficRoutingConfig/type"),
        "TimeBasedLinear"
    );
    let list = cli.ok(&[
        "deploy",
        "list-deployments",
        "--include-only-statuses",
        "Succeeded",
        "--create-time-range",
        "start=2020-01-01T00:00:00Z,end=2100-01-01T00:00:00Z",
    ]);
    let id = text(&list, "/deployments/0");
    cli.ok(&[
        "deploy",
        "list-deployments",
        "--application-name",
        "lab",
        "--deployment-group-name",
        "web",
    ]);
    let got = cli.ok(&["deploy", "get-deployment", "--deployment-id", &id]);
    assert_eq!(text(&got, "/deploymentInfo/status"), "Succeeded");
    // GetDeployment's AppSpec content "is always null" (AWS's GetDeployment documentation):
    // the text comes from GetApplicationRevision, by the sha256.
    assert!(
        got.pointer("/deploymentInfo/revision/appSpecContent/content")
            .is_none_or(Value::is_null)
    );
    let sha256 = text(&got, "/deploymentInfo/revision/appSpecContent/sha256");
    let application = text(&got, "/deploymentInfo/applicationName");
    let by_sha256 = |sha256: &str| {
        serde_json::json!({ "revisionType": "AppSpecContent", "appSpecContent": { "sha256": sha256 } })
            .to_string()
    };
    let revision = cli.ok(&[
        "deploy",
        "get-application-revision",
        "--application-name",
        &application,
        "--revision",
        &by_sha256(&sha256),
    ]);
    assert!(text(&revision, "/revision/appSpecContent/content").contains("TaskDefinition"));
    assert!(revision.pointer("/revisionInfo/registerTime").is_some());
    cli.fails(
        &[
            "deploy",
            "get-application-revision",
            "--application-name",
            &application,
            "--revision",
            &by_sha256(&"0".repeat(64)),
        ],
        "RevisionDoesNotExistException",
    );
    cli.ok(&["deploy", "batch-get-deployments", "--deployment-ids", &id]);
    let targets = cli.ok(&["deploy", "list-deployment-targets", "--deployment-id", &id]);
    let target = text(&targets, "/targetIds/0");
    let one = cli.ok(&[
        "deploy",
        "get-deployment-target",
        "--deployment-id",
        &id,
        "--target-id",
        &target,
    ]);
    assert_eq!(
        text(&one, "/deploymentTarget/deploymentTargetType"),
        "ECSTarget"
    );
    assert!(
        one.pointer("/deploymentTarget/ecsTarget/taskSetsInfo/0/identifer")
            .is_some(),
        "the model's own spelling"
    );
    cli.ok(&[
        "deploy",
        "batch-get-deployment-targets",
        "--deployment-id",
        &id,
        "--target-ids",
        &target,
    ]);
    cli.fails(
        &["deploy", "get-deployment", "--deployment-id", "d-NOTHERE00"],
        "DeploymentDoesNotExistException",
    );

    let pipelines = cli.ok(&["codepipeline", "list-pipelines"]);
    assert_eq!(pipelines["pipelines"].as_array().map(Vec::len), Some(2));
    cli.ok(&["codepipeline", "get-pipeline", "--name", "web-release"]);
    cli.ok(&[
        "codepipeline",
        "get-pipeline-state",
        "--name",
        "web-release",
    ]);
    cli.fails(
        &["codepipeline", "get-pipeline", "--name", "nope"],
        "PipelineNotFoundException",
    );
}

fn ecs(cli: &Cli) {
    cli.ok(&["ecs", "list-clusters"]);
    cli.ok(&["ecs", "describe-clusters", "--clusters", "lab", "nope"]);
    let services = cli.ok(&["ecs", "list-services", "--cluster", "lab"]);
    assert_eq!(services["serviceArns"].as_array().map(Vec::len), Some(3));
    let described = cli.ok(&[
        "ecs",
        "describe-services",
        "--cluster",
        "lab",
        "--services",
        "web",
        "ghost",
    ]);
    assert_eq!(text(&described, "/failures/0/reason"), "MISSING");
    assert_eq!(
        text(&described, "/services/0/deploymentController/type"),
        "CODE_DEPLOY"
    );
    cli.ok(&[
        "ecs",
        "describe-task-sets",
        "--cluster",
        "lab",
        "--service",
        "web",
    ]);
    let td = text(&described, "/services/0/taskDefinition");
    cli.ok(&["ecs", "describe-task-definition", "--task-definition", &td]);
    let tasks = cli.ok(&[
        "ecs",
        "list-tasks",
        "--cluster",
        "lab",
        "--service-name",
        "web",
    ]);
    let task = text(&tasks, "/taskArns/0");
    let described = cli.ok(&[
        "ecs",
        "describe-tasks",
        "--cluster",
        "lab",
        "--tasks",
        &task,
    ]);
    assert_eq!(text(&described, "/tasks/0/lastStatus"), "RUNNING");
    let updated = cli.ok(&[
        "ecs",
        "update-service",
        "--cluster",
        "lab",
        "--service",
        "jobs",
        "--desired-count",
        "2",
    ]);
    assert_eq!(
        updated
            .pointer("/service/desiredCount")
            .and_then(Value::as_i64),
        Some(2)
    );
    cli.fails(
        &[
            "ecs",
            "update-service",
            "--cluster",
            "lab",
            "--service",
            "web",
            "--task-definition",
            &td,
        ],
        "InvalidParameterException",
    );
    cli.fails(
        &["ecs", "list-services", "--cluster", "nope"],
        "ClusterNotFoundException",
    );
}

fn elbv2(cli: &Cli) {
    let lbs = cli.ok(&["elbv2", "describe-load-balancers"]);
    let lb = text(&lbs, "/LoadBalancers/0/LoadBalancerArn");
    let listeners = cli.ok(&["elbv2", "describe-listeners", "--load-balancer-arn", &lb]);
    let prod = listeners["Listeners"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["Port"] == 80))
        .expect("prod listener")
        .clone();
    let listener = text(&prod, "/ListenerArn");
    let rules = cli.ok(&["elbv2", "describe-rules", "--listener-arn", &listener]);
    let path_rule = rules["Rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["IsDefault"] == false))
        .expect("a path rule");
    assert_ne!(
        path_rule["Priority"], "default",
        "only the default rule has the priority 'default'"
    );
    let groups = cli.ok(&[
        "elbv2",
        "describe-target-groups",
        "--names",
        "jobs-blue",
        "jobs-green",
    ]);
    let blue = text(&groups, "/TargetGroups/0/TargetGroupArn");
    let green = text(&groups, "/TargetGroups/1/TargetGroupArn");
    let health = cli.ok(&[
        "elbv2",
        "describe-target-health",
        "--target-group-arn",
        &blue,
    ]);
    assert_eq!(
        text(&health, "/TargetHealthDescriptions/0/TargetHealth/State"),
        "healthy"
    );
    cli.ok(&["elbv2", "describe-tags", "--resource-arns", &lb, &blue]);
    let test = listeners["Listeners"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["Port"] == 8080))
        .expect("test listener")
        .clone();
    let actions = format!(
        r#"[{{"Type":"forward","ForwardConfig":{{"TargetGroups":[{{"TargetGroupArn":"{blue}","Weight":80}},{{"TargetGroupArn":"{green}","Weight":20}}]}}}}]"#
    );
    let test_rules = cli.ok(&[
        "elbv2",
        "describe-rules",
        "--listener-arn",
        &text(&test, "/ListenerArn"),
    ]);
    let jobs_test_rule = test_rules["Rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r.to_string().contains("/jobs/*")))
        .expect("jobs test rule")
        .clone();
    let modified = cli.ok(&[
        "elbv2",
        "modify-rule",
        "--rule-arn",
        &text(&jobs_test_rule, "/RuleArn"),
        "--actions",
        &actions,
    ]);
    assert_eq!(
        modified
            .pointer("/Rules/0/Actions/0/ForwardConfig/TargetGroups/1/Weight")
            .and_then(Value::as_i64),
        Some(20)
    );
    let fixed = r#"[{"Type":"fixed-response","FixedResponseConfig":{"StatusCode":"503","ContentType":"text/plain","MessageBody":"maintenance"}}]"#;
    let listener_out = cli.ok(&[
        "elbv2",
        "modify-listener",
        "--listener-arn",
        &text(&test, "/ListenerArn"),
        "--default-actions",
        fixed,
    ]);
    assert_eq!(
        text(
            &listener_out,
            "/Listeners/0/DefaultActions/0/FixedResponseConfig/StatusCode"
        ),
        "503"
    );
    cli.fails(
        &[
            "elbv2",
            "describe-rules",
            "--rule-arns",
            "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/x/1/2/3",
        ],
        "RuleNotFound",
    );
}

fn pipelines_and_deployments(sim: &Sim, cli: &Cli) {
    // web-release: approve through the CLI, stop the deployment with rollback, retry the stage.
    let started = cli.ok(&[
        "codepipeline",
        "start-pipeline-execution",
        "--name",
        "web-release",
    ]);
    let execution = text(&started, "/pipelineExecutionId");
    advance_until(sim, 1800, |w| {
        w.executions[&execution]
            .runs
            .iter()
            .any(|r| r.token.is_some())
    });
    let state = cli.ok(&[
        "codepipeline",
        "get-pipeline-state",
        "--name",
        "web-release",
    ]);
    let (stage, action, token) = state["stageStates"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|s| {
            s["actionStates"].as_array()?.iter().find_map(|a| {
                let token = a.pointer("/latestExecution/token")?.as_str()?;
                Some((
                    s["stageName"].as_str()?.to_owned(),
                    a["actionName"].as_str()?.to_owned(),
                    token.to_owned(),
                ))
            })
        })
        .expect("a waiting approval");
    cli.ok(&[
        "codepipeline",
        "put-approval-result",
        "--pipeline-name",
        "web-release",
        "--stage-name",
        &stage,
        "--action-name",
        &action,
        "--token",
        &token,
        "--result",
        "summary=ship it,status=Approved",
    ]);
    cli.fails(
        &[
            "codepipeline",
            "put-approval-result",
            "--pipeline-name",
            "web-release",
            "--stage-name",
            &stage,
            "--action-name",
            &action,
            "--token",
            &token,
            "--result",
            "summary=again,status=Approved",
        ],
        "ApprovalAlreadyCompletedException",
    );
    advance_until(sim, 120, |w| {
        w.deployments
            .values()
            .any(|d| d.group == "web" && !d.status.is_terminal())
    });
    let deployment = sim
        .handle
        .shared()
        .with_world(|w| {
            w.deployments
                .values()
                .find(|d| d.group == "web" && !d.status.is_terminal())
                .map(|d| d.id.clone())
        })
        .expect("deployment");
    let stopped = cli.ok(&[
        "deploy",
        "stop-deployment",
        "--deployment-id",
        &deployment,
        "--auto-rollback-enabled",
    ]);
    assert_eq!(text(&stopped, "/status"), "Pending");
    advance_until(sim, 900, |w| {
        w.executions[&execution].status.as_str() == "Failed"
    });
    let actions = cli.ok(&[
        "codepipeline",
        "list-action-executions",
        "--pipeline-name",
        "web-release",
        "--filter",
        &format!("pipelineExecutionId={execution}"),
    ]);
    assert!(
        actions["actionExecutionDetails"]
            .as_array()
            .is_some_and(|a| a.len() >= 4)
    );
    cli.ok(&[
        "codepipeline",
        "list-pipeline-executions",
        "--pipeline-name",
        "web-release",
    ]);
    cli.ok(&[
        "codepipeline",
        "get-pipeline-execution",
        "--pipeline-name",
        "web-release",
        "--pipeline-execution-id",
        &execution,
    ]);
    advance_until(sim, 900, |w| {
        w.deployments
            .values()
            .all(|d| d.group != "web" || d.status.is_terminal())
    });
    cli.ok(&[
        "codepipeline",
        "retry-stage-execution",
        "--pipeline-name",
        "web-release",
        "--stage-name",
        &stage_after(&state, &stage),
        "--pipeline-execution-id",
        &execution,
        "--retry-mode",
        "FAILED_ACTIONS",
    ]);
    advance_until(sim, 1800, |w| {
        w.deployments.values().any(|d| {
            d.group == "web" && d.phase == cutover::sim::world::codedeploy::Phase::TerminationWait
        })
    });
    let waiting = sim
        .handle
        .shared()
        .with_world(|w| {
            w.deployments
                .values()
                .find(|d| d.group == "web" && !d.status.is_terminal())
                .map(|d| d.id.clone())
        })
        .expect("deployment");
    cli.ok(&[
        "deploy",
        "continue-deployment",
        "--deployment-id",
        &waiting,
        "--deployment-wait-type",
        "TERMINATION_WAIT",
    ]);
    advance_until(sim, 900, |w| {
        w.executions[&execution].status.as_str() == "Succeeded"
    });

    // api-release: Ready, continued through the CLI; then a stage rollback to that execution.
    let first = text(
        &cli.ok(&[
            "codepipeline",
            "start-pipeline-execution",
            "--name",
            "api-release",
        ]),
        "/pipelineExecutionId",
    );
    advance_until(sim, 1800, |w| {
        w.deployments
            .values()
            .any(|d| d.group == "api" && d.status.as_str() == "Ready")
    });
    let ready = sim
        .handle
        .shared()
        .with_world(|w| {
            w.deployments
                .values()
                .find(|d| d.status.as_str() == "Ready")
                .map(|d| d.id.clone())
        })
        .expect("ready");
    cli.ok(&["deploy", "continue-deployment", "--deployment-id", &ready]);
    advance_until(sim, 1800, |w| {
        w.executions[&first].status.as_str() == "Succeeded"
    });
    let rollback = cli.ok(&[
        "codepipeline",
        "rollback-stage",
        "--pipeline-name",
        "api-release",
        "--stage-name",
        "Deploy",
        "--target-pipeline-execution-id",
        &first,
    ]);
    assert!(rollback["pipelineExecutionId"].is_string());

    cli.ok(&[
        "codepipeline",
        "disable-stage-transition",
        "--pipeline-name",
        "web-release",
        "--stage-name",
        "Build",
        "--transition-type",
        "Inbound",
        "--reason",
        "Freeze (incident 7)",
    ]);
    cli.fails(
        &[
            "codepipeline",
            "disable-stage-transition",
            "--pipeline-name",
            "web-release",
            "--stage-name",
            "Build",
            "--transition-type",
            "Inbound",
            "--reason",
            "no: colons",
        ],
        "ValidationException",
    );
    cli.ok(&[
        "codepipeline",
        "enable-stage-transition",
        "--pipeline-name",
        "web-release",
        "--stage-name",
        "Build",
        "--transition-type",
        "Inbound",
    ]);
    let again = text(
        &cli.ok(&[
            "codepipeline",
            "start-pipeline-execution",
            "--name",
            "web-release",
        ]),
        "/pipelineExecutionId",
    );
    cli.ok(&[
        "codepipeline",
        "stop-pipeline-execution",
        "--pipeline-name",
        "web-release",
        "--pipeline-execution-id",
        &again,
        "--abandon",
        "--reason",
        "superseded by hotfix",
    ]);

    // A deployment created through the CLI with an AppSpec revision.
    let td = sim
        .handle
        .shared()
        .with_world(|w| {
            w.service("lab", "jobs")
                .and_then(|s| s.task_definition().map(str::to_owned))
        })
        .expect("td");
    let content = format!(
        "{{\"version\":0.0,\"Resources\":[{{\"TargetService\":{{\"Type\":\"AWS::ECS::Service\",\"Properties\":{{\"TaskDefinition\":\"{td}\",\"LoadBalancerInfo\":{{\"ContainerName\":\"jobs\",\"ContainerPort\":80}}}}}}}}]}}"
    );
    let revision = serde_json::json!({ "revisionType": "AppSpecContent", "appSpecContent": { "content": content } }).to_string();
    let created = cli.ok(&[
        "deploy",
        "create-deployment",
        "--application-name",
        "lab",
        "--deployment-group-name",
        "jobs",
        "--revision",
        &revision,
        "--description",
        "from the CLI",
    ]);
    assert!(text(&created, "/deploymentId").starts_with("d-"));
    cli.fails(
        &[
            "deploy",
            "create-deployment",
            "--application-name",
            "lab",
            "--deployment-group-name",
            "jobs",
            "--revision",
            &revision,
        ],
        "DeploymentLimitExceededException",
    );

    // An S3 revision (a YAML AppSpec object), by reference.
    let first = text(&created, "/deploymentId");
    advance_until(sim, 1800, |w| w.deployments[&first].status.is_terminal());
    let s3 = serde_json::json!({ "revisionType": "S3", "s3Location": {
        "bucket": "lab-releases", "key": "jobs/appspec.yaml", "bundleType": "YAML", "version": "v1"
    }})
    .to_string();
    let created = cli.ok(&[
        "deploy",
        "create-deployment",
        "--application-name",
        "lab",
        "--deployment-group-name",
        "jobs",
        "--revision",
        &s3,
    ]);
    let got = cli.ok(&[
        "deploy",
        "get-deployment",
        "--deployment-id",
        &text(&created, "/deploymentId"),
    ]);
    assert_eq!(
        text(&got, "/deploymentInfo/revision/s3Location/key"),
        "jobs/appspec.yaml"
    );
    let revision = cli.ok(&[
        "deploy",
        "get-application-revision",
        "--application-name",
        "lab",
        "--revision",
        &s3,
    ]);
    assert_eq!(text(&revision, "/revision/s3Location/version"), "v1");
}

/// The stage after `stage` in a GetPipelineState answer (the approval gates the deploy stage).
fn stage_after(state: &Value, stage: &str) -> String {
    let names: Vec<&str> = state["stageStates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["stageName"].as_str())
        .collect();
    let index = names.iter().position(|n| *n == stage).expect("stage");
    names[index + 1].to_owned()
}
