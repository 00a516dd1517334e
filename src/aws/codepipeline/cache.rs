//! What a refresh keeps of each pipeline for the next, so that nothing is read twice that
//! cannot have changed: the declaration at its version (GetPipeline is asked again only when
//! the version moves), the recent executions while the stages' executions stand still, and
//! the failures of a finished execution. It never decides when to read; [`super`] asks it.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_codepipeline::operation::get_pipeline::GetPipelineOutput;
use aws_sdk_codepipeline::operation::get_pipeline_state::GetPipelineStateOutput;

use crate::model::Timestamp;
use crate::model::pipeline::{ActionFailure, ExecutionSummary, Pipeline};
use crate::model::status::ExecutionStatus;

/// Executions kept while the state stands still are read again after this long anyway: an
/// execution's summary and update time can change without any stage changing (a status
/// summary written late), and a console open for hours should not show them stale forever.
const EXECUTIONS_MAX_AGE: Duration = Duration::from_mins(5);

/// How old a pipeline read whole may be and still be taken as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Within {
    /// With an execution running.
    pub moving: Duration,
    /// Without.
    pub idle: Duration,
}

impl Within {
    /// Nothing kept: read now.
    pub const NOTHING: Self = Self {
        moving: Duration::ZERO,
        idle: Duration::ZERO,
    };
}

/// Shared by every clone of the clients.
#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<Inner>>);

#[derive(Debug, Default)]
struct Inner {
    declarations: HashMap<String, Arc<GetPipelineOutput>>,
    executions: HashMap<String, Executions>,
    failures: HashMap<(String, String), (Option<Timestamp>, Vec<ActionFailure>)>,
    recent: HashMap<String, (Instant, Pipeline)>,
}

#[derive(Debug, Clone)]
struct Executions {
    state: StateKey,
    read_at: Instant,
    list: Vec<ExecutionSummary>,
}

/// What of a pipeline's state moves when an execution starts, ends, is superseded, stopped
/// or queued: each stage's latest execution and its status, and the executions waiting to
/// enter it. Equal keys: the executions' statuses cannot have changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateKey(u64);

impl StateKey {
    pub fn of(state: &GetPipelineStateOutput) -> Self {
        let mut h = DefaultHasher::new();
        for s in state.stage_states() {
            s.stage_name().hash(&mut h);
            if let Some(latest) = s.latest_execution() {
                latest.pipeline_execution_id().hash(&mut h);
                latest.status().as_str().hash(&mut h);
            }
            for inbound in s
                .inbound_execution()
                .into_iter()
                .chain(s.inbound_executions())
            {
                inbound.pipeline_execution_id().hash(&mut h);
                inbound.status().as_str().hash(&mut h);
            }
        }
        Self(h.finish())
    }
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The declaration read before, if it is at `version` (any version when not known yet).
    pub fn declaration(&self, name: &str, version: Option<i32>) -> Option<Arc<GetPipelineOutput>> {
        let inner = self.lock();
        let known = inner.declarations.get(name)?;
        version
            .is_none_or(|v| version_of(known) == Some(v))
            .then(|| Arc::clone(known))
    }

    pub fn keep_declaration(&self, name: &str, declaration: Arc<GetPipelineOutput>) {
        self.lock()
            .declarations
            .insert(name.to_owned(), declaration);
    }

    /// Whether executions were kept for `name` at all (a first read asks for them at once).
    pub fn has_executions(&self, name: &str) -> bool {
        self.lock().executions.contains_key(name)
    }

    /// The executions read before, if the state has not moved since and they are not old.
    pub fn executions(
        &self,
        name: &str,
        state: StateKey,
        now: Instant,
    ) -> Option<Vec<ExecutionSummary>> {
        let inner = self.lock();
        let known = inner.executions.get(name)?;
        (known.state == state && now.duration_since(known.read_at) < EXECUTIONS_MAX_AGE)
            .then(|| known.list.clone())
    }

    pub fn keep_executions(&self, name: &str, state: StateKey, list: &[ExecutionSummary]) {
        self.lock().executions.insert(
            name.to_owned(),
            Executions {
                state,
                read_at: Instant::now(),
                list: list.to_vec(),
            },
        );
    }

    /// The pipeline as last read whole, if at `version` (any when not known) and younger at
    /// `now` than `within`: `moving` for one with an execution running, `idle` (spread up to
    /// half as much again by its name, so that pipelines read together are not all due
    /// together) for one without.
    pub fn recent(
        &self,
        name: &str,
        version: Option<i32>,
        within: Within,
        now: Instant,
    ) -> Option<Pipeline> {
        let inner = self.lock();
        let (at, pipeline) = inner.recent.get(name)?;
        let running = pipeline.executions.iter().any(|e| {
            matches!(
                e.status,
                ExecutionStatus::InProgress | ExecutionStatus::Stopping
            )
        });
        let limit = if running {
            within.moving
        } else {
            let mut h = DefaultHasher::new();
            name.hash(&mut h);
            let spread = within.idle.as_millis() as u64 / 2;
            within.idle + Duration::from_millis(h.finish() % spread.max(1))
        };
        (now.duration_since(*at) < limit && version.is_none_or(|v| pipeline.version == Some(v)))
            .then(|| pipeline.clone())
    }

    pub fn keep_recent(&self, pipeline: &Pipeline) {
        self.lock()
            .recent
            .insert(pipeline.name.clone(), (Instant::now(), pipeline.clone()));
    }

    /// The failures of an execution read when it was last updated at `updated`.
    pub fn failures(
        &self,
        pipeline: &str,
        execution: &str,
        updated: Option<Timestamp>,
    ) -> Option<Vec<ActionFailure>> {
        let inner = self.lock();
        let (at, failures) = inner
            .failures
            .get(&(pipeline.to_owned(), execution.to_owned()))?;
        (*at == updated).then(|| failures.clone())
    }

    /// Keeps the failures of one execution, and only its newest: an older execution's are not
    /// asked for again.
    pub fn keep_failures(
        &self,
        pipeline: &str,
        execution: &str,
        updated: Option<Timestamp>,
        failures: &[ActionFailure],
    ) {
        let mut inner = self.lock();
        inner.failures.retain(|(p, _), _| p != pipeline);
        inner.failures.insert(
            (pipeline.to_owned(), execution.to_owned()),
            (updated, failures.to_vec()),
        );
    }
}

/// The version a GetPipeline answer declares.
pub fn version_of(declaration: &GetPipelineOutput) -> Option<i32> {
    declaration
        .pipeline()
        .and_then(aws_sdk_codepipeline::types::PipelineDeclaration::version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_codepipeline::types::{
        PipelineDeclaration, StageExecution, StageExecutionStatus, StageState,
    };

    fn declaration(version: i32) -> Arc<GetPipelineOutput> {
        Arc::new(
            GetPipelineOutput::builder()
                .pipeline(
                    PipelineDeclaration::builder()
                        .name("web")
                        .role_arn("arn:aws:iam::123456789012:role/p")
                        .version(version)
                        .set_stages(Some(Vec::new()))
                        .build()
                        .expect("a declaration with its required fields"),
                )
                .build(),
        )
    }

    fn state(execution: &str, status: StageExecutionStatus) -> GetPipelineStateOutput {
        GetPipelineStateOutput::builder()
            .stage_states(
                StageState::builder()
                    .stage_name("Deploy")
                    .latest_execution(
                        StageExecution::builder()
                            .pipeline_execution_id(execution)
                            .status(status)
                            .build()
                            .expect("a stage execution with its required fields"),
                    )
                    .build(),
            )
            .build()
    }

    #[test]
    fn a_declaration_is_reused_only_at_its_version() {
        let cache = Cache::default();
        assert!(cache.declaration("web", None).is_none());
        cache.keep_declaration("web", declaration(3));
        assert!(cache.declaration("web", Some(3)).is_some());
        assert!(cache.declaration("web", None).is_some());
        assert!(
            cache.declaration("web", Some(4)).is_none(),
            "a new version is read"
        );
        assert!(cache.declaration("api", Some(3)).is_none());
    }

    #[test]
    fn executions_are_reused_while_the_stages_stand_still_and_not_for_long() {
        let cache = Cache::default();
        let running = StateKey::of(&state("e-1", StageExecutionStatus::InProgress));
        let done = StateKey::of(&state("e-1", StageExecutionStatus::Succeeded));
        let next = StateKey::of(&state("e-2", StageExecutionStatus::InProgress));
        assert_ne!(running, done, "an execution that ends changes the key");
        assert_ne!(running, next, "a new execution changes the key");
        assert_eq!(
            running,
            StateKey::of(&state("e-1", StageExecutionStatus::InProgress))
        );
        assert!(!cache.has_executions("web"));
        cache.keep_executions("web", running, &[]);
        let now = Instant::now();
        assert!(cache.has_executions("web"));
        assert!(cache.executions("web", running, now).is_some());
        assert!(cache.executions("web", done, now).is_none());
        assert!(
            cache
                .executions("web", running, now + EXECUTIONS_MAX_AGE)
                .is_none(),
            "kept executions are read again after {EXECUTIONS_MAX_AGE:?}"
        );
    }

    #[test]
    fn failures_are_reused_until_their_execution_is_updated_and_only_the_newest_kept() {
        let cache = Cache::default();
        let at = Some(Timestamp(1_000));
        cache.keep_failures("web", "e-1", at, &[]);
        assert_eq!(cache.failures("web", "e-1", at), Some(Vec::new()));
        assert!(
            cache
                .failures("web", "e-1", Some(Timestamp(2_000)))
                .is_none(),
            "a retried execution is read again"
        );
        cache.keep_failures("web", "e-2", at, &[]);
        assert!(cache.failures("web", "e-1", at).is_none());
        assert!(cache.failures("web", "e-2", at).is_some());
    }

    fn pipeline(name: &str, running: bool) -> Pipeline {
        let status = if running {
            ExecutionStatus::InProgress
        } else {
            ExecutionStatus::Succeeded
        };
        Pipeline {
            name: name.to_owned(),
            arn: None,
            version: Some(1),
            execution_mode: crate::model::status::ExecutionMode::Superseded,
            stages: Vec::new(),
            executions: vec![ExecutionSummary::example("e-1", status)],
            pending: Vec::new(),
            failures: Vec::new(),
        }
    }

    #[test]
    fn a_pipeline_read_whole_is_taken_as_it_is_for_a_while_an_idle_one_longer() {
        let cache = Cache::default();
        cache.keep_recent(&pipeline("moving", true));
        cache.keep_recent(&pipeline("idle", false));
        let within = Within {
            moving: Duration::from_secs(10),
            idle: Duration::from_mins(5),
        };
        let now = Instant::now();
        assert!(cache.recent("moving", None, within, now).is_some());
        assert!(
            cache.recent("moving", Some(2), within, now).is_none(),
            "edited since"
        );
        let later = now + Duration::from_secs(11);
        assert!(cache.recent("moving", None, within, later).is_none());
        assert!(cache.recent("idle", Some(1), within, later).is_some());
        assert!(
            cache
                .recent("idle", None, within, now + Duration::from_secs(450))
                .is_none(),
            "an idle one is read again within one and a half times its age limit"
        );
        assert!(cache.recent("idle", None, Within::NOTHING, now).is_none());
    }
}
