//! Randomized requests against the simulator's service function: broken and hostile bodies,
//! missing or odd `X-Amz-Target` and `Action`, members of the wrong type, huge and negative
//! numbers, odd unicode, deep nesting. Every answer is a 200 or a 4xx in the service's own
//! error shape (awsJson1_1 `{"__type", "message"}`, awsQuery `<ErrorResponse>`, as in
//! `reference/aws-apis.md` section 1), never a 5xx from a panic, never a dropped connection.
//!
//! Most cases run in-process (`server::handle` on a `Full` body); a few go over loopback to
//! a started simulator. `PROPTEST_CASES=N` runs N cases of each instead, for a longer hunt.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use cutover::sim::server::handle;
use cutover::sim::worldfile::DEFAULT_WORLD;
use cutover::sim::{Shared, SimHandle, SimOptions};

const JSON_PREFIXES: &[&str] = &[
    "CodePipeline_20150709",
    "CodeDeploy_20141006",
    "AmazonEC2ContainerServiceV20141113",
];

/// Every operation the three JSON services route, and one each does not.
pub(crate) const JSON_OPERATIONS: &[(&str, &[&str])] = &[
    (
        "CodePipeline_20150709",
        &[
            "ListPipelines",
            "GetPipeline",
            "GetPipelineState",
            "ListPipelineExecutions",
            "GetPipelineExecution",
            "ListActionExecutions",
            "PutApprovalResult",
            "StartPipelineExecution",
            "StopPipelineExecution",
            "RetryStageExecution",
            "RollbackStage",
            "EnableStageTransition",
            "DisableStageTransition",
            "DeletePipeline",
        ],
    ),
    (
        "CodeDeploy_20141006",
        &[
            "ListApplications",
            "GetApplication",
            "BatchGetApplications",
            "ListDeploymentGroups",
            "GetDeploymentGroup",
            "BatchGetDeploymentGroups",
            "ListDeploymentConfigs",
            "GetDeploymentConfig",
            "ListDeployments",
            "GetDeployment",
            "BatchGetDeployments",
            "ListDeploymentTargets",
            "GetDeploymentTarget",
            "BatchGetDeploymentTargets",
            "GetApplicationRevision",
            "CreateDeployment",
            "ContinueDeployment",
            "StopDeployment",
            "DeleteApplication",
        ],
    ),
    (
        "AmazonEC2ContainerServiceV20141113",
        &[
            "ListClusters",
            "DescribeClusters",
            "ListServices",
            "DescribeServices",
            "UpdateService",
            "DescribeTaskSets",
            "DescribeTaskDefinition",
            "RegisterTaskDefinition",
            "ListTasks",
            "DescribeTasks",
            "ListServiceDeployments",
            "DescribeServiceDeployments",
            "DescribeServiceRevisions",
            "ContinueServiceDeployment",
            "StopServiceDeployment",
            "DeleteCluster",
        ],
    ),
];

pub(crate) const QUERY_OPERATIONS: &[&str] = &[
    "DescribeLoadBalancers",
    "DescribeListeners",
    "DescribeRules",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
    "DescribeTags",
    "ModifyListener",
    "ModifyRule",
    "GetCallerIdentity",
    "DeleteLoadBalancer",
    "",
];

/// The members the JSON operations read.
const JSON_MEMBERS: &[&str] = &[
    "abandon",
    "action",
    "actionName",
    "after",
    "appSpecContent",
    "applicationName",
    "applicationNames",
    "autoRollbackConfiguration",
    "autoRollbackEnabled",
    "before",
    "clientRequestToken",
    "cluster",
    "clusters",
    "containerDefinitions",
    "containerPort",
    "content",
    "createTimeRange",
    "createdAt",
    "deploymentConfigName",
    "deploymentGroupName",
    "deploymentGroupNames",
    "deploymentId",
    "deploymentIds",
    "deploymentWaitType",
    "description",
    "desiredCount",
    "desiredStatus",
    "enabled",
    "end",
    "events",
    "externalId",
    "family",
    "filter",
    "forceNewDeployment",
    "hookId",
    "image",
    "include",
    "includeOnlyStatuses",
    "latestInPipelineExecution",
    "maxResults",
    "name",
    "nextToken",
    "pipelineExecutionId",
    "pipelineName",
    "portMappings",
    "reason",
    "result",
    "retryMode",
    "revision",
    "revisionType",
    "service",
    "serviceDeploymentArn",
    "serviceDeploymentArns",
    "serviceRevisionArns",
    "serviceName",
    "services",
    "stageName",
    "start",
    "startedBy",
    "status",
    "stopType",
    "succeededInStage",
    "summary",
    "targetFilters",
    "targetId",
    "targetIds",
    "targetPipelineExecutionId",
    "taskDefinition",
    "taskSets",
    "tasks",
    "token",
    "transitionType",
    "variables",
    "version",
];

/// The parameters the query operations read, as the last part of a key.
const QUERY_LEAVES: &[&str] = &[
    "DurationSeconds",
    "Enabled",
    "Field",
    "Id",
    "ListenerArn",
    "LoadBalancerArn",
    "Marker",
    "Order",
    "PageSize",
    "Port",
    "Protocol",
    "RuleArn",
    "TargetGroupArn",
    "Type",
    "Weight",
    "Key",
    "Value",
];

/// List parameters of the query operations.
const QUERY_LISTS: &[&str] = &[
    "Actions",
    "Conditions",
    "DefaultActions",
    "ListenerArns",
    "LoadBalancerArns",
    "Names",
    "ResourceArns",
    "RuleArns",
    "TargetGroupArns",
    "Targets",
    "Values",
    "ForwardConfig.TargetGroups",
];

/// Strings a client may send that a parser can trip on.
pub(crate) const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "\0",
    "\u{7f}",
    "é",
    "\u{1d54f}",
    "\u{202e}evil",
    "\u{feff}",
    "\u{fffd}",
    "a\u{0301}",
    "👩‍👩‍👧",
    "\\",
    "\"",
    "<x>&amp;</x>",
    "]]>",
    "%",
    "%ZZ",
    "*",
    "..",
    "arn:",
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x",
    "cutover-sim-",
    "cutover-sim-ffffffffffffffff",
    "cutover-sim-fffffffffffffffff",
    "cutover-sim--1",
    "d-",
    "null",
    "true",
    "-1",
    "9223372036854775808",
    "1e400",
    "NaN",
    "forward",
    "path-pattern",
    "APPROVED",
    "REJECTED",
    "READY_WAIT",
    "TERMINATION_WAIT",
    "FAILED_STAGE",
    "ALL_ACTIONS",
    "Inbound",
    "Outbound",
    "Failed",
    "Succeeded",
    "InProgress",
    "RUNNING",
    "STOPPED",
    "TASK_DEFINITION",
    "Install",
    "BlueTarget",
];

pub(crate) const ODD_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "10",
    "100",
    "101",
    "1000",
    "2147483647",
    "-2147483648",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "-0",
    "0.5",
    "-0.5",
    "1.0",
    "1e20",
    "-1e20",
    "1e308",
    "5e-324",
    "1e400",
    "9007199254740993",
];

/// Names and ARNs the default world holds, so that random requests also reach past the
/// validation of their first member.
#[derive(Debug, Clone)]
pub(crate) struct Vocabulary(pub(crate) Vec<String>);

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub(crate) fn runner(default_cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases(default_cases),
        failure_persistence: None,
        ..Config::default()
    })
}

/// One request as a client could send it.
#[derive(Debug, Clone)]
pub(crate) struct Wire {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) target: Option<Vec<u8>>,
    pub(crate) body: Vec<u8>,
}

impl Wire {
    fn routed_json(&self) -> bool {
        self.target
            .as_ref()
            .is_some_and(|t| t.iter().all(|b| (0x20..0x7f).contains(b) || *b == b'\t'))
    }

    pub(crate) fn request(&self) -> Request<Full<Bytes>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(&self.path);
        if let Some(target) = &self.target {
            builder = builder.header(
                "x-amz-target",
                hyper::header::HeaderValue::from_bytes(target).expect("a valid header value"),
            );
        }
        builder
            .body(Full::new(Bytes::from(self.body.clone())))
            .expect("a request")
    }
}

pub(crate) fn shared() -> Arc<Shared> {
    Arc::new(
        Shared::new(&SimOptions {
            addr: "127.0.0.1:0".parse().expect("address"),
            speed: None,
            autopilot: Some(false),
            ..SimOptions::default()
        })
        .expect("the default world loads"),
    )
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

const PEER: ([u8; 4], u16) = ([127, 0, 0, 1], 50_000);

/// Status, content type and body of an in-process answer.
pub(crate) fn call(rt: &tokio::runtime::Runtime, shared: &Arc<Shared>, wire: &Wire) -> Answer {
    let response = rt
        .block_on(handle(
            Arc::clone(shared),
            wire.request(),
            SocketAddr::from(PEER),
        ))
        .unwrap_or_else(|_| panic!("the connection was dropped: {wire:?}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let has_request_id = response.headers().contains_key("x-amzn-requestid");
    let body = rt
        .block_on(response.into_body().collect())
        .expect("a body")
        .to_bytes()
        .to_vec();
    Answer {
        status,
        content_type,
        has_request_id,
        body,
    }
}

#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    content_type: String,
    has_request_id: bool,
    pub(crate) body: Vec<u8>,
}

/// The facts every answer to an AWS call must hold; `Err` says which one failed.
/// Sends each request `strategy` draws through the handler and checks its answer; how many
/// succeeded. The first bad answer fails the test, shrunk.
pub(crate) fn run_checked(
    runner: &mut TestRunner,
    strategy: &impl Strategy<Value = Wire>,
    rt: &tokio::runtime::Runtime,
    shared: &Arc<Shared>,
) -> usize {
    let succeeded = std::cell::Cell::new(0);
    let result = runner.run(strategy, |wire| {
        let answer = call(rt, shared, &wire);
        succeeded.set(succeeded.get() + usize::from(answer.status == 200));
        check(&wire, &answer).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    succeeded.get()
}

pub(crate) fn check(wire: &Wire, answer: &Answer) -> Result<(), String> {
    let text = String::from_utf8_lossy(&answer.body);
    if wire.method != Method::POST || wire.path.split('?').next() != Some("/") {
        return (answer.status == 404)
            .then_some(())
            .ok_or_else(|| format!("not POST /: 404, not {}: {text}", answer.status));
    }
    if !(answer.status == 200 || (400..500).contains(&answer.status)) {
        return Err(format!("status {}: {text}", answer.status));
    }
    if !answer.has_request_id {
        return Err("no x-amzn-requestid".to_owned());
    }
    let json = answer.content_type == "application/x-amz-json-1.1";
    let xml = answer.content_type == "text/xml";
    if wire.routed_json() && !json {
        return Err(format!(
            "a request with X-Amz-Target is answered in JSON, not {}",
            answer.content_type
        ));
    }
    match (json, answer.status) {
        (true, 200) => serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .filter(Value::is_object)
            .map(|_| ())
            .ok_or_else(|| format!("a 200 is a JSON object: {text}")),
        (true, _) => json_error_shape(&answer.body),
        (false, status) if xml => xml_shape(&text, status),
        _ => Err(format!("content type {}", answer.content_type)),
    }
}

/// awsJson1_1 errors: `{"__type": "<shape>", "message": "..."}` (aws-apis.md section 1).
fn json_error_shape(body: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("error body: {e}"))?;
    let code = value["__type"].as_str().unwrap_or("");
    let fine = !code.is_empty()
        && code.chars().all(|c| c.is_ascii_alphanumeric())
        && value["message"].is_string();
    fine.then_some(())
        .ok_or_else(|| format!("not an awsJson1_1 error: {value}"))
}

/// awsQuery answers: well-formed XML; errors are `<ErrorResponse><Error><Type>Sender</Type>
/// <Code>…</Code><Message>…</Message></Error><RequestId>` (aws-apis.md section 1).
fn xml_shape(text: &str, status: u16) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut names = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(start)) => {
                names.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
            }
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML ({e}): {text}")),
        }
    }
    let expected: &[&str] = if status == 200 {
        &["ResponseMetadata", "RequestId"]
    } else {
        &[
            "ErrorResponse",
            "Error",
            "Type",
            "Code",
            "Message",
            "RequestId",
        ]
    };
    let fine = expected.iter().all(|e| names.iter().any(|n| n == e))
        && (status == 200 || text.contains("<Type>Sender</Type>"));
    fine.then_some(())
        .ok_or_else(|| format!("not an awsQuery answer with {expected:?}: {text}"))
}

fn string_value(vocabulary: &Vocabulary) -> impl Strategy<Value = String> + use<> {
    let known = vocabulary.0.clone();
    prop_oneof![
        3 => proptest::sample::select(known),
        2 => proptest::sample::select(ODD_STRINGS).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-zA-Z0-9:/_.-]{0,40}",
        1 => (1usize..20_000).prop_map(|n| "x".repeat(n)),
    ]
}

fn json_leaf(vocabulary: &Vocabulary) -> impl Strategy<Value = Value> + use<> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => any::<i64>().prop_map(|n| json!(n)),
        2 => proptest::sample::select(ODD_NUMBERS)
            .prop_filter_map("a JSON number", |n| serde_json::from_str::<Value>(n).ok()),
        1 => any::<f64>().prop_map(|f| json!(f)),
        4 => string_value(vocabulary).prop_map(Value::String),
    ]
}

pub(crate) fn json_value(vocabulary: &Vocabulary) -> impl Strategy<Value = Value> + use<> {
    let keys = key_strategy();
    json_leaf(vocabulary).prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key_strategy() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        6 => proptest::sample::select(JSON_MEMBERS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// A JSON body: mostly an object of known members, sometimes broken on purpose.
fn json_body(vocabulary: &Vocabulary) -> impl Strategy<Value = Vec<u8>> + use<> {
    let object = proptest::collection::btree_map(key_strategy(), json_value(vocabulary), 0..8)
        .prop_map(|m| {
            Value::Object(m.into_iter().collect())
                .to_string()
                .into_bytes()
        })
        .boxed();
    prop_oneof![
        8 => object.clone(),
        1 => json_value(vocabulary).prop_map(|v| v.to_string().into_bytes()),
        1 => (object, any::<prop::sample::Index>())
            .prop_map(|(b, i)| b[..i.index(b.len() + 1)].to_vec()),
        1 => (proptest::sample::select(JSON_MEMBERS), proptest::sample::select(ODD_NUMBERS))
            .prop_map(|(member, n)| format!("{{\"{member}\": {n}}}").into_bytes()),
        1 => (1usize..5_000, prop::bool::ANY).prop_map(|(depth, array)| nested(depth, array)),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

fn nested(depth: usize, array: bool) -> Vec<u8> {
    let (open, close) = if array {
        ("[", "]")
    } else {
        ("{\"cluster\":", "}")
    };
    format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes()
}

fn query_key() -> impl Strategy<Value = String> {
    let index = prop_oneof![
        6 => (1u64..4).prop_map(|n| n.to_string()),
        1 => proptest::sample::select(&["0", "-1", "x", "", "4294967295", "4294967296", "01"][..])
            .prop_map(str::to_owned),
    ];
    prop_oneof![
        3 => proptest::sample::select(QUERY_LEAVES).prop_map(str::to_owned),
        4 => (
            proptest::sample::select(QUERY_LISTS),
            index.clone(),
            proptest::option::of(proptest::sample::select(QUERY_LEAVES)),
        )
            .prop_map(|(list, i, leaf)| match leaf {
                Some(leaf) => format!("{list}.member.{i}.{leaf}"),
                None => format!("{list}.member.{i}"),
            }),
        2 => (index.clone(), index, proptest::sample::select(&["Weight", "TargetGroupArn"][..]))
            .prop_map(|(a, t, leaf)| {
                format!("Actions.member.{a}.ForwardConfig.TargetGroups.member.{t}.{leaf}")
            }),
        1 => proptest::sample::select(QUERY_LISTS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// A form body: `Action`, maybe `Version`, and parameters of known and odd names.
fn query_body(vocabulary: &Vocabulary) -> impl Strategy<Value = Vec<u8>> + use<> {
    let value = prop_oneof![
        3 => string_value(vocabulary),
        2 => proptest::sample::select(ODD_NUMBERS).prop_map(str::to_owned),
        1 => proptest::sample::select(&["true", "false", "True", "1"][..]).prop_map(str::to_owned),
    ];
    let version = proptest::option::weighted(
        0.8,
        prop_oneof![
            Just("2015-12-01".to_owned()),
            Just("2011-06-15".to_owned()),
            any::<String>(),
        ],
    );
    let form = (
        proptest::option::weighted(0.9, proptest::sample::select(QUERY_OPERATIONS)),
        version,
        proptest::collection::vec((query_key(), value), 0..10),
    )
        .prop_map(|(action, version, params)| {
            let mut form = form_urlencoded::Serializer::new(String::new());
            if let Some(action) = action {
                form.append_pair("Action", action);
            }
            if let Some(version) = version {
                form.append_pair("Version", &version);
            }
            for (key, value) in &params {
                form.append_pair(key, value);
            }
            form.finish().into_bytes()
        });
    prop_oneof![
        8 => form,
        1 => "Action=[A-Za-z]{0,12}(&[A-Za-z.0-9%=&+]{0,40})?".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

fn target() -> impl Strategy<Value = Option<Vec<u8>>> {
    let known = (
        proptest::sample::select(JSON_OPERATIONS),
        any::<prop::sample::Index>(),
    )
        .prop_map(|((prefix, operations), i)| {
            format!("{prefix}.{}", operations[i.index(operations.len())]).into_bytes()
        });
    // An operation sent to another service's target prefix.
    let crossed = (
        proptest::sample::select(JSON_PREFIXES),
        proptest::sample::select(JSON_OPERATIONS),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(prefix, (_, operations), i)| {
            format!("{prefix}.{}", operations[i.index(operations.len())]).into_bytes()
        });
    let header_byte = prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')];
    prop_oneof![
        24 => known.prop_map(Some),
        1 => crossed.prop_map(Some),
        1 => proptest::sample::select(JSON_PREFIXES).prop_map(|p| Some(p.as_bytes().to_vec())),
        1 => (proptest::sample::select(JSON_PREFIXES), "[ -~]{0,20}")
            .prop_map(|(p, o)| Some(format!("{p}.{o}").into_bytes())),
        1 => proptest::collection::vec(header_byte, 0..40).prop_map(Some),
        1 => Just(Some(b"AmazonEC2ContainerServiceV20141113.ListClusters.Extra".to_vec())),
        1 => Just(Some(b"amazonec2containerservicev20141113.listclusters".to_vec())),
    ]
}

/// Any request: JSON-routed, query-routed, or neither, mostly on `POST /`.
fn wire(vocabulary: &Vocabulary) -> impl Strategy<Value = Wire> + use<> {
    let where_ = prop_oneof![
        60 => Just((Method::POST, "/".to_owned())),
        1 => Just((Method::GET, "/".to_owned())),
        1 => Just((Method::PUT, "/".to_owned())),
        1 => Just((Method::POST, "/x".to_owned())),
        1 => Just((Method::POST, "/?Action=ListClusters".to_owned())),
    ];
    let json = (target(), json_body(vocabulary));
    let query = (Just(None), query_body(vocabulary));
    let either = prop_oneof![
        3 => json,
        2 => query,
        1 => (target(), query_body(vocabulary)),
    ];
    (where_, either).prop_map(|((method, path), (target, body))| Wire {
        method,
        path,
        target,
        body,
    })
}

/// Names from the default world's file and the strings of some list and describe answers:
/// cluster, service and pipeline names, deployment ids, ELB ARNs.
pub(crate) fn vocabulary(rt: &tokio::runtime::Runtime, shared: &Arc<Shared>) -> Vocabulary {
    let mut words = BTreeSet::new();
    for line in DEFAULT_WORLD.lines() {
        if let Some((_, rest)) = line.split_once("= \"") {
            words.insert(rest.trim_end_matches('"').to_owned());
        }
    }
    let calls: &[(Option<&str>, &str)] = &[
        (
            Some("AmazonEC2ContainerServiceV20141113.ListClusters"),
            "{}",
        ),
        (
            Some("AmazonEC2ContainerServiceV20141113.ListServices"),
            r#"{"cluster":"payments-prod"}"#,
        ),
        (Some("CodeDeploy_20141006.ListDeployments"), "{}"),
        (Some("CodePipeline_20150709.ListPipelines"), "{}"),
        (
            Some("CodePipeline_20150709.ListPipelineExecutions"),
            r#"{"pipelineName":"update-customer-microservice"}"#,
        ),
        (
            Some("AmazonEC2ContainerServiceV20141113.DescribeServices"),
            r#"{"cluster":"microservices-serverlesscluster","services":["customer-microservice"]}"#,
        ),
        (
            Some("AmazonEC2ContainerServiceV20141113.ListTasks"),
            r#"{"cluster":"microservices-serverlesscluster"}"#,
        ),
        (None, "Action=DescribeLoadBalancers&Version=2015-12-01"),
        (None, "Action=DescribeTargetGroups&Version=2015-12-01"),
    ];
    for (target, body) in calls {
        collect(rt, shared, *target, body.as_bytes(), &mut words);
    }
    let arns: Vec<String> = words
        .iter()
        .filter(|w| w.contains(":loadbalancer/"))
        .cloned()
        .collect();
    for arn in arns.iter().take(2) {
        let body = format!("Action=DescribeListeners&Version=2015-12-01&LoadBalancerArn={arn}");
        collect(rt, shared, None, body.as_bytes(), &mut words);
    }
    let listeners: Vec<String> = words
        .iter()
        .filter(|w| w.contains(":listener/"))
        .cloned()
        .collect();
    for arn in listeners.iter().take(2) {
        let body = format!("Action=DescribeRules&Version=2015-12-01&ListenerArn={arn}");
        collect(rt, shared, None, body.as_bytes(), &mut words);
    }
    assert!(
        words.len() > 20,
        "the vocabulary holds the world: {words:?}"
    );
    Vocabulary(words.into_iter().collect())
}

fn collect(
    rt: &tokio::runtime::Runtime,
    shared: &Arc<Shared>,
    target: Option<&str>,
    body: &[u8],
    words: &mut BTreeSet<String>,
) {
    let wire = Wire {
        method: Method::POST,
        path: "/".to_owned(),
        target: target.map(|t| t.as_bytes().to_vec()),
        body: body.to_vec(),
    };
    let answer = call(rt, shared, &wire);
    assert_eq!(answer.status, 200, "{wire:?}");
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    if target.is_some() {
        let value: Value = serde_json::from_str(&text).expect("JSON");
        strings_in(&value, words);
    } else {
        for segment in text.split('<') {
            if let Some((_, inner)) = segment.split_once('>')
                && !inner.trim().is_empty()
            {
                words.insert(inner.to_owned());
            }
        }
    }
}

fn strings_in(value: &Value, words: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            words.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings_in(v, words)),
        Value::Object(map) => map.values().for_each(|v| strings_in(v, words)),
        _ => {}
    }
}

#[test]
fn random_requests_are_answered_with_a_success_or_the_services_client_error() {
    let rt = runtime();
    let shared = shared();
    let vocabulary = vocabulary(&rt, &shared);
    let mut runner = runner(4_000);
    let succeeded = run_checked(&mut runner, &wire(&vocabulary), &rt, &shared);
    // Random requests that never get past validation would test validation alone.
    let cases = runner.config().cases as usize;
    assert!(
        cases < 1_000 || succeeded * 50 > cases,
        "only {succeeded} of {cases} requests succeeded"
    );
    let problems = shared.with_world(|w| w.check_invariants());
    assert!(problems.is_empty(), "{problems:?}");
    let after = call(
        &rt,
        &shared,
        &Wire {
            method: Method::POST,
            path: "/".to_owned(),
            target: Some(b"AmazonEC2ContainerServiceV20141113.ListClusters".to_vec()),
            body: b"{}".to_vec(),
        },
    );
    assert_eq!(after.status, 200, "still serving");
}

/// The whole request over loopback: `raw` writes it by hand, so that nothing a client
/// library would refuse is refused before the simulator sees it.
async fn over_loopback(addr: SocketAddr, wire: &Wire) -> Result<Answer, String> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        wire.method,
        wire.path,
        wire.body.len()
    )
    .into_bytes();
    if let Some(target) = &wire.target {
        head.extend_from_slice(b"X-Amz-Target: ");
        head.extend_from_slice(target);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head).await.map_err(|e| e.to_string())?;
    stream
        .write_all(&wire.body)
        .await
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response))
        .await
        .map_err(|_| "no answer within 20 s".to_owned())?
        .map_err(|e| format!("read: {e}"))?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer (dropped?): {response:?}"))?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {head}"))?;
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or("")
        .to_owned();
    Ok(Answer {
        status,
        content_type,
        has_request_id: head.contains("x-amzn-requestid: "),
        body: response[split + 4..].to_vec(),
    })
}

#[test]
fn random_requests_over_loopback_get_an_answer_on_the_same_connection() {
    let rt = runtime();
    let in_process = shared();
    let vocabulary = vocabulary(&rt, &in_process);
    let sim = SimHandle::start(&SimOptions {
        addr: "127.0.0.1:0".parse().expect("address"),
        speed: None,
        autopilot: Some(false),
        ..SimOptions::default()
    })
    .expect("simulator starts");
    let mut runner = runner(300);
    let result = runner.run(&wire(&vocabulary), |wire| {
        let answer = rt
            .block_on(over_loopback(sim.addr, &wire))
            .map_err(TestCaseError::fail)?;
        check(&wire, &answer).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let problems = sim.shared().with_world(|w| w.check_invariants());
    assert!(problems.is_empty(), "{problems:?}");
}
