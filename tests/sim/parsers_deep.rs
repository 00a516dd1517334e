//! Valid requests with one to three members broken: a wrong type, a huge or negative number,
//! odd unicode, a name of something else, a member gone. Random requests rarely get past the
//! first member an operation reads; these reach the checks and the world behind it. Every
//! answer is still a 200 or the service's 4xx (`reference/aws-apis.md` section 1).

use std::sync::Arc;

use hyper::Method;
use proptest::prelude::*;
use serde_json::Value;

use crate::parsers::{Vocabulary, Wire, call, json_value, runner, runtime, shared, vocabulary};

/// One valid request per operation, over the default world; `{…}` is filled from the
/// vocabulary (a deployment id, a pipeline execution id, ELB ARNs).
const JSON_TEMPLATES: &[(&str, &str)] = &[
    (
        "AmazonEC2ContainerServiceV20141113.UpdateService",
        r#"{"cluster":"microservices-serverlesscluster","service":"customer-microservice","desiredCount":3}"#,
    ),
    (
        "AmazonEC2ContainerServiceV20141113.UpdateService",
        r#"{"cluster":"web-prod","service":"media","desiredCount":2,"taskDefinition":"media","forceNewDeployment":true}"#,
    ),
    (
        "AmazonEC2ContainerServiceV20141113.ListServices",
        r#"{"cluster":"payments-prod","maxResults":10}"#,
    ),
    (
        "AmazonEC2ContainerServiceV20141113.DescribeServices",
        r#"{"cluster":"web-prod","services":["media","cms"],"include":["TAGS"]}"#,
    ),
    (
        "AmazonEC2ContainerServiceV20141113.ListTasks",
        r#"{"cluster":"microservices-serverlesscluster","serviceName":"customer-microservice","desiredStatus":"RUNNING","maxResults":10}"#,
    ),
    (
        "AmazonEC2ContainerServiceV20141113.DescribeTaskSets",
        r#"{"cluster":"microservices-serverlesscluster","service":"customer-microservice","taskSets":[]}"#,
    ),
    (
        "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition",
        r#"{"family":"fuzz","containerDefinitions":[{"name":"c","image":"i","portMappings":[{"containerPort":80}]}],"cpu":"256","memory":"512"}"#,
    ),
    (
        "AmazonEC2ContainerServiceV20141113.ListServiceDeployments",
        r#"{"cluster":"web-prod","service":"media","status":["SUCCESSFUL"],"createdAt":{"after":0,"before":4000000000},"maxResults":5}"#,
    ),
    (
        "CodeDeploy_20141006.ListDeployments",
        r#"{"applicationName":"microservices","deploymentGroupName":"microservices-customer","includeOnlyStatuses":["Succeeded","Failed"],"createTimeRange":{"start":0,"end":4000000000}}"#,
    ),
    (
        "CodeDeploy_20141006.GetDeployment",
        r#"{"deploymentId":"{deployment}"}"#,
    ),
    (
        "CodeDeploy_20141006.BatchGetDeployments",
        r#"{"deploymentIds":["{deployment}","d-AAAAAAAAA"]}"#,
    ),
    (
        "CodeDeploy_20141006.ListDeploymentTargets",
        r#"{"deploymentId":"{deployment}","targetFilters":{"TargetStatus":["Succeeded"]}}"#,
    ),
    (
        "CodeDeploy_20141006.BatchGetDeploymentTargets",
        r#"{"deploymentId":"{deployment}","targetIds":["microservices-serverlesscluster:customer-microservice"]}"#,
    ),
    (
        "CodeDeploy_20141006.CreateDeployment",
        r#"{"applicationName":"microservices","deploymentGroupName":"microservices-customer","deploymentConfigName":"CodeDeployDefault.ECSAllAtOnce","description":"x","revision":{"revisionType":"AppSpecContent","appSpecContent":{"content":"version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"{taskdef}\"\n"}}}"#,
    ),
    (
        "CodeDeploy_20141006.ContinueDeployment",
        r#"{"deploymentId":"{deployment}","deploymentWaitType":"READY_WAIT"}"#,
    ),
    (
        "CodeDeploy_20141006.StopDeployment",
        r#"{"deploymentId":"{deployment}","autoRollbackEnabled":true}"#,
    ),
    (
        "CodeDeploy_20141006.BatchGetDeploymentGroups",
        r#"{"applicationName":"microservices","deploymentGroupNames":["microservices-customer","nope"]}"#,
    ),
    (
        "CodeDeploy_20141006.GetDeploymentConfig",
        r#"{"deploymentConfigName":"Linear25PercentEvery2Minutes"}"#,
    ),
    (
        "CodePipeline_20150709.GetPipelineState",
        r#"{"name":"update-customer-microservice"}"#,
    ),
    (
        "CodePipeline_20150709.GetPipeline",
        r#"{"name":"payment-gateway-release","version":1}"#,
    ),
    (
        "CodePipeline_20150709.ListPipelineExecutions",
        r#"{"pipelineName":"update-customer-microservice","maxResults":10,"filter":{"succeededInStage":{"stageName":"Deploy"}}}"#,
    ),
    (
        "CodePipeline_20150709.ListActionExecutions",
        r#"{"pipelineName":"update-customer-microservice","filter":{"pipelineExecutionId":"{execution}","latestInPipelineExecution":{"pipelineExecutionId":"{execution}","startTimeRange":"Latest"}},"maxResults":20}"#,
    ),
    (
        "CodePipeline_20150709.StartPipelineExecution",
        r#"{"name":"update-employee-microservice","clientRequestToken":"fuzz-1","variables":[{"name":"a","value":"b"}]}"#,
    ),
    (
        "CodePipeline_20150709.PutApprovalResult",
        r#"{"pipelineName":"payment-gateway-release","stageName":"Approve","actionName":"Approval","result":{"summary":"ok","status":"Approved"},"token":"{execution}"}"#,
    ),
    (
        "CodePipeline_20150709.RetryStageExecution",
        r#"{"pipelineName":"update-customer-microservice","stageName":"Deploy","pipelineExecutionId":"{execution}","retryMode":"FAILED_ACTIONS"}"#,
    ),
    (
        "CodePipeline_20150709.StopPipelineExecution",
        r#"{"pipelineName":"update-customer-microservice","pipelineExecutionId":"{execution}","abandon":true,"reason":"fuzz"}"#,
    ),
    (
        "CodePipeline_20150709.DisableStageTransition",
        r#"{"pipelineName":"update-customer-microservice","stageName":"Deploy","transitionType":"Inbound","reason":"fuzz"}"#,
    ),
    (
        "CodePipeline_20150709.RollbackStage",
        r#"{"pipelineName":"update-customer-microservice","stageName":"Deploy","targetPipelineExecutionId":"{execution}"}"#,
    ),
];

const QUERY_TEMPLATES: &[&str] = &[
    "Action=ModifyRule&Version=2015-12-01&RuleArn={rule}&Actions.member.1.Type=forward&Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn={tg}&Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight=90&Actions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn={tg2}&Actions.member.1.ForwardConfig.TargetGroups.member.2.Weight=10&Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled=true&Actions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds=60&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/x/*",
    "Action=ModifyListener&Version=2015-12-01&ListenerArn={listener}&Port=80&Protocol=HTTP&DefaultActions.member.1.Type=forward&DefaultActions.member.1.Order=1&DefaultActions.member.1.TargetGroupArn={tg}",
    "Action=DescribeRules&Version=2015-12-01&ListenerArn={listener}&PageSize=2",
    "Action=DescribeRules&Version=2015-12-01&RuleArns.member.1={rule}",
    "Action=DescribeListeners&Version=2015-12-01&ListenerArns.member.1={listener}&PageSize=1",
    "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn={tg}&Targets.member.1.Id=10.0.0.1&Targets.member.1.Port=80",
    "Action=DescribeTags&Version=2015-12-01&ResourceArns.member.1={lb}&ResourceArns.member.2={tg}",
    "Action=DescribeTargetGroups&Version=2015-12-01&LoadBalancerArn={lb}&PageSize=5",
    "Action=DescribeTargetGroups&Version=2015-12-01&Names.member.1=customer-tg-one&Names.member.2=customer-tg-two",
    "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=payments-alb&PageSize=1&Marker=x",
];

/// The first word of the vocabulary that `is` says is of a kind.
fn first(vocabulary: &Vocabulary, is: impl Fn(&str) -> bool) -> String {
    vocabulary
        .0
        .iter()
        .find(|w| is(w))
        .cloned()
        .unwrap_or_default()
}

fn fill(template: &str, vocabulary: &Vocabulary) -> String {
    let mut groups = vocabulary.0.iter().filter(|w| w.contains(":targetgroup/"));
    let tg = groups.next().cloned().unwrap_or_default();
    let tg2 = groups.next().cloned().unwrap_or_default();
    template
        .replace(
            "{deployment}",
            &first(vocabulary, |w| w.starts_with("d-") && w.len() == 11),
        )
        .replace(
            "{execution}",
            &first(vocabulary, |w| w.len() == 36 && w.matches('-').count() == 4),
        )
        .replace(
            "{rule}",
            &first(vocabulary, |w| w.contains(":listener-rule/")),
        )
        .replace(
            "{listener}",
            &first(vocabulary, |w| w.contains(":listener/")),
        )
        .replace("{lb}", &first(vocabulary, |w| w.contains(":loadbalancer/")))
        .replace("{tg2}", &tg2)
        .replace("{tg}", &tg)
}

/// Replaces, drops or re-types one member at any depth of a JSON request.
fn mutate(value: &mut Value, choice: &prop::sample::Index, replacement: Option<Value>) {
    fn slots(value: &Value, here: Vec<String>, out: &mut Vec<Vec<String>>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                let mut path = here.clone();
                path.push(k.clone());
                out.push(path.clone());
                slots(v, path, out);
            }),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| {
                let mut path = here.clone();
                path.push(i.to_string());
                out.push(path.clone());
                slots(v, path, out);
            }),
            _ => {}
        }
    }
    let mut all = Vec::new();
    slots(value, Vec::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let path = &all[choice.index(all.len())];
    let (last, parent) = path.split_last().expect("a path");
    let pointer: String = parent.iter().map(|p| format!("/{p}")).collect();
    match (value.pointer_mut(&pointer), replacement) {
        (Some(Value::Object(map)), None) => {
            map.remove(last);
        }
        (Some(Value::Object(map)), Some(new)) => {
            map.insert(last.clone(), new);
        }
        (Some(Value::Array(items)), replacement) => {
            let i: usize = last.parse().expect("an index");
            match replacement {
                Some(new) => items[i] = new,
                None => {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

fn json_case(vocabulary: &Vocabulary) -> impl Strategy<Value = Wire> + use<> {
    let templates: Vec<(String, Value)> = JSON_TEMPLATES
        .iter()
        .map(|(target, body)| {
            let body = fill(body, vocabulary);
            (
                (*target).to_owned(),
                serde_json::from_str(&body).expect("templates are JSON"),
            )
        })
        .collect();
    let edits = proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            proptest::option::weighted(0.85, json_value(vocabulary)),
        ),
        0..3,
    );
    (proptest::sample::select(templates), edits).prop_map(|((target, mut body), edits)| {
        for (choice, replacement) in edits {
            mutate(&mut body, &choice, replacement);
        }
        Wire {
            method: Method::POST,
            path: "/".to_owned(),
            target: Some(target.into_bytes()),
            body: body.to_string().into_bytes(),
        }
    })
}

fn query_case(vocabulary: &Vocabulary) -> impl Strategy<Value = Wire> + use<> {
    let templates: Vec<Vec<(String, String)>> = QUERY_TEMPLATES
        .iter()
        .map(|t| {
            form_urlencoded::parse(fill(t, vocabulary).as_bytes())
                .into_owned()
                .collect()
        })
        .collect();
    let words = vocabulary.0.clone();
    let value = prop_oneof![
        3 => proptest::sample::select(crate::parsers::ODD_NUMBERS).prop_map(str::to_owned),
        2 => proptest::sample::select(words),
        2 => proptest::sample::select(crate::parsers::ODD_STRINGS).prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let edits = proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            proptest::option::weighted(0.8, value),
        ),
        0..3,
    );
    (proptest::sample::select(templates), edits).prop_map(|(mut pairs, edits)| {
        for (choice, replacement) in edits {
            // `Action` stays: without it the request is another test's.
            let i = 1 + choice.index(pairs.len() - 1);
            match replacement {
                Some(value) => pairs[i].1 = value,
                None => {
                    pairs.remove(i);
                }
            }
        }
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(pairs);
        Wire {
            method: Method::POST,
            path: "/".to_owned(),
            target: None,
            body: form.finish().into_bytes(),
        }
    })
}

#[test]
fn valid_requests_with_broken_members_get_a_success_or_the_services_client_error() {
    let rt = runtime();
    let shared = shared();
    let vocabulary = vocabulary(&rt, &shared);
    for template in JSON_TEMPLATES.iter().map(|(_, b)| fill(b, &vocabulary)) {
        assert!(
            !template.contains("\"\""),
            "every placeholder is filled: {template}"
        );
    }
    let strategy = prop_oneof![
        3 => json_case(&vocabulary),
        2 => query_case(&vocabulary),
    ];
    let mut runner = runner(3_000);
    let succeeded = crate::parsers::run_checked(&mut runner, &strategy, &rt, &shared);
    let cases = runner.config().cases as usize;
    assert!(
        cases < 1_000 || succeeded * 5 > cases,
        "only {succeeded} of {cases} requests succeeded: the templates are not valid"
    );
    let problems = Arc::clone(&shared).with_world(|w| w.check_invariants());
    assert!(problems.is_empty(), "{problems:?}");
}

/// A CreateDeployment whose AppSpec is tens of kilobytes of `[` held the world lock for
/// seconds (8 MB of it, for minutes) while the YAML parser descended; now it is refused at
/// once with `InvalidRevisionException`, an error CreateDeployment has in the botocore
/// model (`codedeploy` CreateDeployment `errors`).
#[test]
fn an_appspec_nested_thousands_deep_is_an_invalid_revision() {
    let rt = runtime();
    let shared = shared();
    for (content, says) in [
        ("[".repeat(60_000), "nested more than 128"),
        ("{a: ".repeat(16_000), "nested more than 128"),
        ("[".repeat(1_000_000), "at most 65536"),
    ] {
        let body = serde_json::json!({
            "applicationName": "microservices",
            "deploymentGroupName": "microservices-customer",
            "revision": {
                "revisionType": "AppSpecContent",
                "appSpecContent": { "content": content }
            }
        });
        let wire = Wire {
            method: Method::POST,
            path: "/".to_owned(),
            target: Some(b"CodeDeploy_20141006.CreateDeployment".to_vec()),
            body: body.to_string().into_bytes(),
        };
        let answer = call(&rt, &shared, &wire);
        let error: Value = serde_json::from_slice(&answer.body).expect("JSON");
        assert_eq!(answer.status, 400);
        assert_eq!(error["__type"], "InvalidRevisionException", "{error}");
        let message = error["message"].as_str().unwrap_or("");
        assert!(message.contains(says), "{message}");
    }
}
