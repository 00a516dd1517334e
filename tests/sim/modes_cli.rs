//! The AWS CLI (botocore parses every answer against the service models) reads what the
//! execution modes add: `executionMode` wherever the model has it, a QUEUED stage's
//! `inboundExecutions`, and a PARALLEL approval's token as its `externalExecutionId`.

use crate::aws_cli::{Cli, cli_available, text};
use crate::engine::advance_until;
use crate::modes::{at_approval, modes, start};

#[tokio::test]
async fn the_aws_cli_parses_execution_modes_inbound_executions_and_approval_external_ids() {
    if !cli_available() {
        return;
    }
    let sim = modes().await;
    let cp = sim.codepipeline();
    let parallel = start(&cp, "parallel-release").await;
    let queued: Vec<String> = [
        start(&cp, "queued-release").await,
        start(&cp, "queued-release").await,
        start(&cp, "queued-release").await,
    ]
    .into();
    advance_until(&sim, 3600, |w| {
        at_approval(&parallel)(w) && w.pipelines["queued-release"].waiting[2].len() == 2
    });
    let cli = Cli {
        endpoint: sim.endpoint(),
    };
    tokio::task::spawn_blocking(move || {
        let listed = cli.ok(&["codepipeline", "list-pipelines"]);
        let modes: Vec<(String, String)> = listed["pipelines"]
            .as_array()
            .expect("pipelines")
            .iter()
            .map(|p| (text(p, "/name"), text(p, "/executionMode")))
            .collect();
        assert!(modes.contains(&("parallel-release".into(), "PARALLEL".into())));
        assert!(modes.contains(&("queued-release".into(), "QUEUED".into())));
        assert!(modes.contains(&("jobs-release".into(), "SUPERSEDED".into())));
        let declared = cli.ok(&["codepipeline", "get-pipeline", "--name", "queued-release"]);
        assert_eq!(text(&declared, "/pipeline/executionMode"), "QUEUED");

        let state = cli.ok(&[
            "codepipeline",
            "get-pipeline-state",
            "--name",
            "queued-release",
        ]);
        let inbound: Vec<String> = state
            .pointer("/stageStates/2/inboundExecutions")
            .and_then(serde_json::Value::as_array)
            .expect("inbound executions")
            .iter()
            .map(|e| text(e, "/pipelineExecutionId"))
            .collect();
        assert_eq!(inbound, queued[1..].to_vec());
        let executions = cli.ok(&[
            "codepipeline",
            "list-pipeline-executions",
            "--pipeline-name",
            "queued-release",
        ]);
        assert_eq!(
            text(&executions, "/pipelineExecutionSummaries/0/executionMode"),
            "QUEUED"
        );
        let one = cli.ok(&[
            "codepipeline",
            "get-pipeline-execution",
            "--pipeline-name",
            "parallel-release",
            "--pipeline-execution-id",
            &parallel,
        ]);
        assert_eq!(text(&one, "/pipelineExecution/executionMode"), "PARALLEL");
        assert_eq!(text(&one, "/pipelineExecution/executionType"), "STANDARD");

        let state = cli.ok(&[
            "codepipeline",
            "get-pipeline-state",
            "--name",
            "parallel-release",
        ]);
        assert!(
            state
                .pointer("/stageStates/2/actionStates/0/latestExecution/token")
                .is_none(),
            "no token in PARALLEL mode: {state}"
        );
        let filter = format!("pipelineExecutionId={parallel}");
        let actions = cli.ok(&[
            "codepipeline",
            "list-action-executions",
            "--pipeline-name",
            "parallel-release",
            "--filter",
            &filter,
        ]);
        let approval = actions["actionExecutionDetails"]
            .as_array()
            .expect("details")
            .iter()
            .find(|d| d["actionName"] == "ApproveProduction")
            .expect("approval")
            .clone();
        let token = text(&approval, "/output/executionResult/externalExecutionId");
        cli.ok(&[
            "codepipeline",
            "put-approval-result",
            "--pipeline-name",
            "parallel-release",
            "--stage-name",
            "Approval",
            "--action-name",
            "ApproveProduction",
            "--token",
            &token,
            "--result",
            "summary=ship it,status=Approved",
        ]);
        cli.fails(
            &[
                "codepipeline",
                "rollback-stage",
                "--pipeline-name",
                "parallel-release",
                "--stage-name",
                "Production",
                "--target-pipeline-execution-id",
                &parallel,
            ],
            "UnableToRollbackStageException",
        );
    })
    .await
    .expect("cli run");
}
