//! Which change sets need approvals (co-signatures by a reviewer who is not the author)
//! before they count: rules as data, in Rego (`approvals/*.rego`, package
//! `tenantry.approvals`), evaluated by regorus over one change: its environment, the
//! environment's document before and after it, and the JSON pointers it touches.
//!
//! The rules are separate from the policy pack on purpose: the pack judges a document
//! (is it right?), these rules judge a change (who must look at it?), so they need the
//! document before the change, which the pack never sees.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tenantry_core::tenant::{DocumentJson, DocumentValue};
use tenantry_core::{Step, TenantDocument};

use crate::error::PolicyError;
use crate::incremental;

/// The Rego package every approval rule file declares.
const PACKAGE: &str = "data.tenantry.approvals";
const METADATA_RULE: &str = "data.tenantry.approvals.metadata";
const RESULT_RULE: &str = "data.tenantry.approvals.result";

const BUNDLED: &[(&str, &str)] = &[
    ("00-lib.rego", include_str!("../approvals/00-lib.rego")),
    (
        "01-compliance-mode.rego",
        include_str!("../approvals/01-compliance-mode.rego"),
    ),
    (
        "02-phi-migration.rego",
        include_str!("../approvals/02-phi-migration.rego"),
    ),
    (
        "03-promotion.rego",
        include_str!("../approvals/03-promotion.rego"),
    ),
];

/// The environment a change set is for (the change-set format's `environment`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeEnvironment {
    Draft,
    Staging,
    Production,
}

impl ChangeEnvironment {
    pub fn id(self) -> &'static str {
        match self {
            ChangeEnvironment::Draft => "draft",
            ChangeEnvironment::Staging => "staging",
            ChangeEnvironment::Production => "production",
        }
    }
}

/// Who may give an approval a rule asks for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum ReviewerRole {
    /// The only role that co-signs other people's change sets today.
    ComplianceOfficer,
}

impl ReviewerRole {
    pub const ALL: [ReviewerRole; 1] = [ReviewerRole::ComplianceOfficer];

    pub fn id(self) -> &'static str {
        match self {
            ReviewerRole::ComplianceOfficer => "compliance_officer",
        }
    }

    pub fn from_id(id: &str) -> Option<ReviewerRole> {
        Self::ALL.into_iter().find(|role| role.id() == id)
    }
}

/// An approval rule, as declared in its `rules[id]` metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ApprovalRule {
    pub id: String,
    pub step: Step,
    pub title: String,
    /// How many distinct reviewers must approve.
    pub approvals: u32,
    pub reviewer: ReviewerRole,
    /// The sentence of the process (or the issue) the rule enforces.
    pub source: String,
    pub applies_when: String,
}

/// One change, as the approval rules see it.
#[derive(Clone, Copy, Debug)]
pub struct ApprovalInput<'a> {
    pub environment: ChangeEnvironment,
    /// The environment's document before the change; `None` for a creation.
    pub before: Option<&'a TenantDocument>,
    pub after: &'a TenantDocument,
    /// The JSON pointer of each operation of the change set.
    pub changed_paths: &'a [String],
}

/// Approvals a change needs, for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ApprovalRequirement {
    pub rule_id: String,
    /// How many distinct reviewers must approve.
    pub approvals: u32,
    pub reviewer: ReviewerRole,
    pub step: Step,
    /// Where in the document the reason is ("" for the whole document).
    pub path: String,
    /// What the change does that needs the approval, for the reviewer.
    pub message: String,
}

/// Compiled approval rules. Cloning is cheap (one reference count); evaluation never
/// changes them, so one value serves every thread.
#[derive(Clone)]
pub struct ApprovalPolicy {
    inner: Arc<Inner>,
}

struct Inner {
    /// Prepared engine; every evaluation works on a clone of it.
    engine: regorus::Engine,
    rules: Vec<ApprovalRule>,
    rule_index: HashMap<String, usize>,
    files: Vec<String>,
    /// What the rules read of the input, when the analysis can tell
    /// ([`incremental::input_reads`]): an evaluation is then given only those parts, and
    /// its result is remembered under their text ([`ResultCache`]). A server evaluates a
    /// tenant's edits one after another, and most edits change none of those parts.
    reads: Option<Vec<Vec<String>>>,
    results: Mutex<ResultCache>,
    /// How many times the engine ran (rather than a result being reused).
    runs: std::sync::atomic::AtomicU64,
    /// Documents recently converted for the engine (see [`DocumentCache`]), when the
    /// rules read whole documents.
    documents: Mutex<DocumentCache>,
}

/// Results by the text of the parts of the input the rules read, in two generations:
/// when the current one outgrows its budget, the previous one is forgotten, so memory
/// stays bounded and what is still in use survives.
#[derive(Default)]
struct ResultCache {
    current: HashMap<Vec<Option<String>>, Vec<ApprovalRequirement>>,
    previous: HashMap<Vec<Option<String>>, Vec<ApprovalRequirement>>,
    current_bytes: usize,
}

/// Bytes of keys and results one generation may hold.
const RESULT_CACHE_BYTES: usize = 4 * 1024 * 1024;

impl ResultCache {
    fn get(&mut self, key: &[Option<String>]) -> Option<Vec<ApprovalRequirement>> {
        if let Some(found) = self.current.get(key) {
            return Some(found.clone());
        }
        let (key, found) = self.previous.remove_entry(key)?;
        self.insert(key, found.clone());
        Some(found)
    }

    fn insert(&mut self, key: Vec<Option<String>>, result: Vec<ApprovalRequirement>) {
        let bytes = key
            .iter()
            .map(|text| text.as_ref().map_or(0, String::len) + 32)
            .sum::<usize>()
            + result
                .iter()
                .map(|item| item.rule_id.len() + item.path.len() + item.message.len() + 96)
                .sum::<usize>()
            + 64;
        if self.current_bytes + bytes > RESULT_CACHE_BYTES {
            self.previous = std::mem::take(&mut self.current);
            self.current_bytes = 0;
        }
        self.current_bytes += bytes;
        self.current.insert(key, result);
    }
}

/// The engine's form of recently seen documents, keyed by their JSON text. Converting
/// a document is most of an evaluation's cost, and a server sees each document twice:
/// as the result of one change and as the starting point of the tenant's next.
#[derive(Default)]
struct DocumentCache {
    entries: HashMap<u64, (String, regorus::Value)>,
    /// Insertion order, for evicting the oldest.
    order: VecDeque<u64>,
}

/// Documents kept converted; a few hundred tenants edited at once stay warm.
const CACHED_DOCUMENTS: usize = 512;

impl DocumentCache {
    fn key(text: &str) -> u64 {
        let mut hasher = DefaultHasher::new();
        text.hash(&mut hasher);
        hasher.finish()
    }

    fn get(&self, key: u64, text: &str) -> Option<regorus::Value> {
        // The text is compared too: a hash collision must never hand over another
        // document.
        self.entries
            .get(&key)
            .filter(|(cached, _)| cached == text)
            .map(|(_, value)| value.clone())
    }

    fn insert(&mut self, key: u64, text: String, value: regorus::Value) {
        if self.entries.insert(key, (text, value)).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > CACHED_DOCUMENTS {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
    }
}

impl std::fmt::Debug for ApprovalPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApprovalPolicy")
            .field("files", &self.inner.files)
            .field("rules", &self.inner.rules.len())
            .finish_non_exhaustive()
    }
}

impl ApprovalPolicy {
    /// The rules bundled with this build (`crates/tenantry-policy/approvals/*.rego`).
    pub fn bundled() -> ApprovalPolicy {
        // A test builds the bundled rules on every build, so this cannot fail at run time.
        Self::build(Vec::new()).unwrap_or_else(|error| {
            unreachable!("the bundled approval rules are tested to compile: {error}")
        })
    }

    /// The bundled rules plus every `*.rego` file in `dir` (not recursive, in name
    /// order), each declaring `package tenantry.approvals`.
    pub fn from_dir(dir: &Path) -> Result<ApprovalPolicy, PolicyError> {
        let read_error = |path: &Path, error: std::io::Error| PolicyError::Read {
            path: path.to_path_buf(),
            message: error.to_string(),
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|error| read_error(dir, error))? {
            let path = entry.map_err(|error| read_error(dir, error))?.path();
            if path.extension().is_some_and(|ext| ext == "rego") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut extra = Vec::with_capacity(paths.len());
        for path in paths {
            let source =
                std::fs::read_to_string(&path).map_err(|error| read_error(&path, error))?;
            extra.push((path.display().to_string(), source));
        }
        Self::build(extra)
    }

    /// Rules sorted by step, then id.
    pub fn rules(&self) -> &[ApprovalRule] {
        &self.inner.rules
    }

    pub fn rule(&self, id: &str) -> Option<&ApprovalRule> {
        self.inner
            .rule_index
            .get(id)
            .and_then(|index| self.inner.rules.get(*index))
    }

    /// The names of the files the rules were built from, bundled ones first.
    pub fn files(&self) -> &[String] {
        &self.inner.files
    }

    /// The approvals `change` needs, sorted by step, rule and path; empty when it needs
    /// none.
    pub fn required(
        &self,
        change: &ApprovalInput<'_>,
    ) -> Result<Vec<ApprovalRequirement>, PolicyError> {
        let Some(reads) = &self.inner.reads else {
            return self.run(self.build_input(change)?);
        };
        let json = |doc: &TenantDocument| {
            DocumentValue::of_document(doc).map_err(|error| conversion_error("document", error))
        };
        let wanted = |member: &str| {
            reads
                .iter()
                .any(|path| path.first().is_some_and(|first| first == member))
        };
        // Only the documents the rules read are converted.
        let before = match change.before {
            Some(doc) if wanted("before") => Some(json(doc)?),
            _ => None,
        };
        let after = if wanted("after") {
            Some(json(change.after)?)
        } else {
            None
        };
        let parts = Parts {
            environment: change.environment,
            creation: change.before.is_none(),
            before: before.as_ref(),
            after: after.as_ref(),
            changed_paths: change.changed_paths,
        };
        self.required_from_parts(&parts, reads)
    }

    /// [`Self::required`] of a change between documents whose JSON values are made
    /// already (a server applying change sets has them; the policy pack reads them too).
    pub fn required_json(
        &self,
        environment: ChangeEnvironment,
        before: Option<&DocumentJson>,
        after: &DocumentJson,
        changed_paths: &[String],
    ) -> Result<Vec<ApprovalRequirement>, PolicyError> {
        let Some(reads) = &self.inner.reads else {
            return self.run(self.build_input(&ApprovalInput {
                environment,
                before: before.map(typed).transpose()?,
                after: typed(after)?,
                changed_paths,
            })?);
        };
        let parts = Parts {
            environment,
            creation: before.is_none(),
            before: before.map(DocumentJson::json),
            after: Some(after.json()),
            changed_paths,
        };
        self.required_from_parts(&parts, reads)
    }

    /// [`Self::required`] given only the parts of the input at `reads`: remembered
    /// under their text, which is all the rules can see.
    fn required_from_parts(
        &self,
        parts: &Parts<'_>,
        reads: &[Vec<String>],
    ) -> Result<Vec<ApprovalRequirement>, PolicyError> {
        let texts: Vec<Option<String>> = reads.iter().map(|path| parts.text(path)).collect();
        // A poisoned lock only means another evaluation panicked while it held the
        // cache; every entry in it is a complete result.
        let cached = self
            .inner
            .results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&texts);
        if let Some(required) = cached {
            return Ok(required);
        }
        let mut parts = regorus::Value::new_object();
        for (path, text) in reads.iter().zip(&texts) {
            if let Some(text) = text {
                // Converted from the very text the result is remembered under.
                let value = regorus::Value::from_json_str(text).map_err(|error| {
                    PolicyError::Evaluation {
                        message: format!(
                            "cannot convert the input for the approval rules: {error}"
                        ),
                    }
                })?;
                incremental::insert_at(&mut parts, path, value)?;
            }
        }
        let required = self.run(parts)?;
        self.inner
            .results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(texts, required.clone());
        Ok(required)
    }

    fn run(&self, input: regorus::Value) -> Result<Vec<ApprovalRequirement>, PolicyError> {
        self.inner
            .runs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut engine = self.inner.engine.clone();
        engine.set_input(input);
        let result =
            engine
                .eval_rule(RESULT_RULE.to_owned())
                .map_err(|error| PolicyError::Evaluation {
                    message: format!("{error:#}"),
                })?;
        let result = serde_json::to_value(&result).map_err(|error| PolicyError::Evaluation {
            message: error.to_string(),
        })?;
        self.read_result(result)
    }

    fn read_result(&self, result: Value) -> Result<Vec<ApprovalRequirement>, PolicyError> {
        let raw: RawResult = match result {
            Value::Null => RawResult::default(),
            other => serde_json::from_value(other).map_err(|error| PolicyError::Malformed {
                what: "approval result",
                problem: error.to_string(),
            })?,
        };
        let mut required = Vec::with_capacity(raw.required.len());
        for value in raw.required {
            let shown = value.to_string();
            let item: RawRequired =
                serde_json::from_value(value).map_err(|error| PolicyError::Malformed {
                    what: "approval requirement",
                    problem: format!("{error} in {shown}"),
                })?;
            let rule = self
                .rule(&item.rule)
                .ok_or_else(|| PolicyError::UnknownApprovalRule {
                    rule_id: item.rule.clone(),
                })?;
            if item.message.trim().is_empty() {
                return Err(PolicyError::Malformed {
                    what: "approval requirement",
                    problem: format!("rule {} required approvals with an empty message", rule.id),
                });
            }
            required.push(ApprovalRequirement {
                rule_id: rule.id.clone(),
                approvals: rule.approvals,
                reviewer: rule.reviewer,
                step: rule.step,
                path: item.path,
                message: item.message,
            });
        }
        required.sort_by(|a, b| {
            (a.step, &a.rule_id, &a.path, &a.message)
                .cmp(&(b.step, &b.rule_id, &b.path, &b.message))
        });
        required.dedup();
        Ok(required)
    }

    fn build(extra: Vec<(String, String)>) -> Result<ApprovalPolicy, PolicyError> {
        let mut engine = regorus::Engine::new();
        let mut files = Vec::new();
        let bundled = BUNDLED
            .iter()
            .map(|(name, source)| (format!("bundled-approvals:{name}"), (*source).to_owned()));
        let sources: Vec<(String, String)> = bundled.chain(extra).collect();
        for (file, source) in sources.iter().cloned() {
            let package =
                engine
                    .add_policy(file.clone(), source)
                    .map_err(|error| PolicyError::Compile {
                        file: file.clone(),
                        message: format!("{error:#}"),
                    })?;
            if package != PACKAGE {
                return Err(PolicyError::WrongApprovalPackage { file, package });
            }
            files.push(file);
        }
        // Evaluating the metadata prepares the engine once, so every clone made for an
        // evaluation starts prepared, and conflicting metadata surfaces here.
        engine.set_input(regorus::Value::new_object());
        let metadata = engine
            .eval_rule(METADATA_RULE.to_owned())
            .map_err(|error| compile_error(&files, &format!("{error:#}")))?;
        let metadata = serde_json::to_value(&metadata).map_err(|error| PolicyError::Malformed {
            what: "approval metadata",
            problem: error.to_string(),
        })?;
        let rules = read_metadata(metadata)?;
        let rule_index = rules
            .iter()
            .enumerate()
            .map(|(index, rule)| (rule.id.clone(), index))
            .collect();
        let reads = incremental::input_reads(&sources);
        let policy = ApprovalPolicy {
            inner: Arc::new(Inner {
                engine,
                rules,
                rule_index,
                files,
                reads,
                results: Mutex::new(ResultCache::default()),
                runs: std::sync::atomic::AtomicU64::new(0),
                documents: Mutex::new(DocumentCache::default()),
            }),
        };
        policy.smoke_evaluate()?;
        Ok(policy)
    }

    /// The engine's form of `doc`, from the cache when it was seen recently.
    fn document_value(&self, doc: &TenantDocument) -> Result<regorus::Value, PolicyError> {
        let text =
            serde_json::to_string(doc).map_err(|error| conversion_error("document", error))?;
        let key = DocumentCache::key(&text);
        // A poisoned lock only means another evaluation panicked while it held the
        // cache; every entry in it is still a complete conversion.
        let cached = self
            .inner
            .documents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key, &text);
        if let Some(value) = cached {
            return Ok(value);
        }
        let value =
            regorus::Value::from_json_str(&text).map_err(|error| PolicyError::Evaluation {
                message: format!("cannot convert the document for the approval rules: {error}"),
            })?;
        self.inner
            .documents
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, text, value.clone());
        Ok(value)
    }

    fn build_input(&self, change: &ApprovalInput<'_>) -> Result<regorus::Value, PolicyError> {
        let before = match change.before {
            Some(doc) => self.document_value(doc)?,
            None => regorus::Value::Null,
        };
        let after = self.document_value(change.after)?;
        let paths: Vec<regorus::Value> = change
            .changed_paths
            .iter()
            .map(|path| regorus::Value::from(path.as_str()))
            .collect();
        let mut input = regorus::Value::new_object();
        let members = input
            .as_object_mut()
            .map_err(|error| PolicyError::Evaluation {
                message: format!("cannot build the approval rules' input: {error}"),
            })?;
        members.insert(
            regorus::Value::from("environment"),
            regorus::Value::from(change.environment.id()),
        );
        members.insert(
            regorus::Value::from("creation"),
            regorus::Value::from(change.before.is_none()),
        );
        members.insert(regorus::Value::from("before"), before);
        members.insert(regorus::Value::from("after"), after);
        members.insert(
            regorus::Value::from("changed_paths"),
            regorus::Value::from(paths),
        );
        Ok(input)
    }

    /// Rego evaluates rule bodies lazily, so a typo in a body would only show when it
    /// first runs. Evaluating every environment once, as a creation and as an edit of a
    /// fresh tenant with the strictest classification, surfaces such errors when the
    /// rules are built, naming the file.
    fn smoke_evaluate(&self) -> Result<(), PolicyError> {
        use tenantry_core::tenant::Regulation;
        use tenantry_core::{ClientName, Industry};

        let Ok(name) = ClientName::parse("Approval Rules Check") else {
            return Ok(());
        };
        let regulations = [Regulation::Hipaa, Regulation::Gdpr, Regulation::PciDss];
        let Ok(doc) = TenantDocument::with_safe_defaults(&name, Industry::Healthcare, &regulations)
        else {
            return Ok(());
        };
        let paths = [String::new()];
        for environment in [
            ChangeEnvironment::Draft,
            ChangeEnvironment::Staging,
            ChangeEnvironment::Production,
        ] {
            for before in [None, Some(&doc)] {
                let change = ApprovalInput {
                    environment,
                    before,
                    after: &doc,
                    changed_paths: &paths,
                };
                self.required(&change).map_err(|error| match error {
                    PolicyError::Evaluation { message } => {
                        compile_error(&self.inner.files, &message)
                    }
                    other => other,
                })?;
            }
        }
        Ok(())
    }
}

/// What the approval rules' input is made of, as JSON: `{environment, creation, before,
/// after, changed_paths}` with `before` null for a creation.
struct Parts<'a> {
    environment: ChangeEnvironment,
    creation: bool,
    /// `None`: a creation, or a document the rules do not read.
    before: Option<&'a DocumentValue>,
    /// `None`: a document the rules do not read.
    after: Option<&'a DocumentValue>,
    changed_paths: &'a [String],
}

impl Parts<'_> {
    /// The JSON text at `path` of the input (`None`: absent). Only the members on the
    /// way are looked at; nothing else is converted.
    fn text(&self, path: &[String]) -> Option<String> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self.whole().to_string());
        };
        let text = |value: &Value| incremental::lookup(value, rest).map(Value::to_string);
        let document = |document: &DocumentValue| match rest.first() {
            None => Some(document.to_value().to_string()),
            // Written out once per member version (the next change set's `before` is this
            // one's `after`, and an untouched member is the same in both).
            Some(_) => document.text(rest).map(|text| text.to_string()),
        };
        match first.as_str() {
            "environment" => text(&Value::from(self.environment.id())),
            "creation" => text(&Value::from(self.creation)),
            "before" | "after" => {
                match if first == "before" {
                    self.before
                } else {
                    self.after
                } {
                    Some(value) => document(value),
                    None => text(&Value::Null),
                }
            }
            "changed_paths" => text(&Value::from(self.changed_paths.to_vec())),
            _ => None,
        }
    }

    fn whole(&self) -> Value {
        serde_json::json!({
            "environment": self.environment.id(),
            "creation": self.creation,
            "before": self.before.map_or(Value::Null, DocumentValue::to_value),
            "after": self.after.map_or(Value::Null, DocumentValue::to_value),
            "changed_paths": self.changed_paths,
        })
    }
}

fn conversion_error(what: &str, error: serde_json::Error) -> PolicyError {
    PolicyError::Evaluation {
        message: format!("cannot convert the {what} for the approval rules: {error}"),
    }
}

/// Names the file an engine error points at (regorus prints `--> <file>:line:col`).
fn compile_error(files: &[String], message: &str) -> PolicyError {
    let file = files
        .iter()
        .rev()
        .find(|file| message.contains(&format!("{file}:")))
        .cloned()
        .unwrap_or_else(|| "(the approval rules)".to_owned());
    PolicyError::Compile {
        file,
        message: message.to_owned(),
    }
}

#[derive(Deserialize, Default)]
struct RawResult {
    #[serde(default)]
    required: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequired {
    rule: String,
    path: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    step: String,
    title: String,
    approvals: Value,
    reviewer: String,
    source: String,
    applies_when: String,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default)]
    rules: BTreeMap<String, Value>,
}

fn invalid(id: &str, problem: impl Into<String>) -> PolicyError {
    PolicyError::InvalidMetadata {
        rule_id: id.to_owned(),
        problem: problem.into(),
    }
}

fn non_blank(id: &str, field: &str, text: String) -> Result<String, PolicyError> {
    if text.trim().is_empty() {
        Err(invalid(id, format!("{field} is empty")))
    } else {
        Ok(text)
    }
}

/// More than this many approvals of one change set is a typo, not a policy: no
/// platform has that many compliance officers looking at one change.
const MAX_APPROVALS: u64 = 10;

fn read_metadata(value: Value) -> Result<Vec<ApprovalRule>, PolicyError> {
    let raw: RawMetadata = match value {
        Value::Null => RawMetadata {
            rules: BTreeMap::new(),
        },
        other => serde_json::from_value(other).map_err(|error| PolicyError::Malformed {
            what: "approval metadata",
            problem: error.to_string(),
        })?,
    };
    let mut rules = Vec::with_capacity(raw.rules.len());
    for (id, value) in raw.rules {
        let rule: RawRule =
            serde_json::from_value(value).map_err(|error| invalid(&id, error.to_string()))?;
        let step = Step::from_id(&rule.step).ok_or_else(|| {
            let known: Vec<&str> = Step::ALL.iter().map(|step| step.id()).collect();
            invalid(
                &id,
                format!(
                    "unknown step '{}'; use one of {}",
                    rule.step,
                    known.join(", ")
                ),
            )
        })?;
        let approvals = rule
            .approvals
            .as_u64()
            .filter(|count| (1..=MAX_APPROVALS).contains(count))
            .and_then(|count| u32::try_from(count).ok())
            .ok_or_else(|| {
                invalid(
                    &id,
                    format!(
                        "approvals must be a whole number from 1 to {MAX_APPROVALS}, not {}",
                        rule.approvals
                    ),
                )
            })?;
        let reviewer = ReviewerRole::from_id(&rule.reviewer).ok_or_else(|| {
            let known: Vec<&str> = ReviewerRole::ALL.iter().map(|role| role.id()).collect();
            invalid(
                &id,
                format!(
                    "unknown reviewer '{}'; use one of {}",
                    rule.reviewer,
                    known.join(", ")
                ),
            )
        })?;
        rules.push(ApprovalRule {
            step,
            title: non_blank(&id, "title", rule.title)?,
            approvals,
            reviewer,
            source: non_blank(&id, "source", rule.source)?,
            applies_when: non_blank(&id, "applies_when", rule.applies_when)?,
            id,
        });
    }
    rules.sort_by(|a, b| (a.step, &a.id).cmp(&(b.step, &b.id)));
    Ok(rules)
}

/// The typed document of `doc`, for the rules evaluated whole.
fn typed(doc: &DocumentJson) -> Result<&TenantDocument, PolicyError> {
    doc.document()
        .map(|document| &**document)
        .map_err(|error| PolicyError::Evaluation {
            message: format!("cannot read the document: {error}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::atomic::Ordering;
    use tenantry_core::tenant::{ComplianceMode, DataClass, Dataset};

    fn hipaa() -> TenantDocument {
        serde_json::from_str(include_str!(
            "../../../examples/tenants/healthcare-hipaa.json"
        ))
        .expect("example")
    }

    fn phi_dataset(name: &str) -> Dataset {
        Dataset {
            name: name.to_owned(),
            source: "Legacy EHR export".to_owned(),
            target_service: "chat".to_owned(),
            schema_ref: "schemas/chat/import-v1.json".to_owned(),
            classification: vec![DataClass::Phi],
            rollback_plan: "Delete the import batch.".to_owned(),
            dry_run: None,
            isolation_check: None,
        }
    }

    /// Changes of every kind the bundled rules tell apart, as (environment, before, after).
    fn changes() -> Vec<(ChangeEnvironment, Option<TenantDocument>, TenantDocument)> {
        let base = hipaa();
        let mut renamed = base.clone();
        renamed.tenant.display_name = "Renamed Clinic".to_owned();
        let mut relaxed = base.clone();
        relaxed.classification.compliance_mode = ComplianceMode::Standard;
        let mut added = base.clone();
        added
            .data_migration
            .datasets
            .push(phi_dataset("Claims 2019"));
        let mut changed = added.clone();
        if let Some(last) = changed.data_migration.datasets.last_mut() {
            last.target_service = "search".to_owned();
        }
        let mut out = Vec::new();
        for environment in [
            ChangeEnvironment::Draft,
            ChangeEnvironment::Staging,
            ChangeEnvironment::Production,
        ] {
            out.push((environment, None, base.clone()));
            out.push((environment, None, relaxed.clone()));
            out.push((environment, Some(base.clone()), renamed.clone()));
            out.push((environment, Some(base.clone()), relaxed.clone()));
            out.push((environment, Some(relaxed.clone()), base.clone()));
            out.push((environment, Some(base.clone()), added.clone()));
            out.push((environment, Some(added.clone()), changed.clone()));
            out.push((environment, Some(changed.clone()), base.clone()));
        }
        out
    }

    #[test]
    fn the_bundled_rules_are_given_only_the_parts_they_read() {
        let policy = ApprovalPolicy::bundled();
        let reads: Vec<String> = policy
            .inner
            .reads
            .as_ref()
            .expect("the bundled rules are analysed")
            .iter()
            .map(|path| path.join("."))
            .collect();
        assert_eq!(
            reads,
            [
                "after.classification.compliance_mode",
                "after.data_migration.datasets",
                "before.classification.compliance_mode",
                "before.data_migration.datasets",
                "creation",
                "environment",
            ]
        );
    }

    #[test]
    fn results_from_the_parts_equal_results_from_the_whole_input() {
        let policy = ApprovalPolicy::bundled();
        let mut fired = 0;
        for (environment, before, after) in changes() {
            let paths = ["/tenant/display_name".to_owned()];
            let change = ApprovalInput {
                environment,
                before: before.as_ref(),
                after: &after,
                changed_paths: &paths,
            };
            let whole = policy
                .run(policy.build_input(&change).expect("input"))
                .expect("whole input");
            // Twice: computed, then remembered.
            for _ in 0..2 {
                assert_eq!(policy.required(&change).expect("parts"), whole);
            }
            // From documents whose JSON values are made already: the same.
            let json =
                |doc: &TenantDocument| DocumentJson::new(Arc::new(doc.clone())).expect("json");
            let before_json = before.as_ref().map(json);
            assert_eq!(
                policy
                    .required_json(environment, before_json.as_ref(), &json(&after), &paths)
                    .expect("parts"),
                whole
            );
            fired += usize::from(!whole.is_empty());
        }
        // The cases are not vacuous: most of them need approvals.
        assert!(fired >= 12, "{fired}");
    }

    #[test]
    fn an_edit_of_a_part_no_rule_reads_reuses_the_result() {
        let policy = ApprovalPolicy::bundled();
        let runs = || policy.inner.runs.load(Ordering::Relaxed);
        let before = hipaa();
        let mut after = before.clone();
        let required = |before: &TenantDocument, after: &TenantDocument| {
            policy
                .required(&ApprovalInput {
                    environment: ChangeEnvironment::Draft,
                    before: Some(before),
                    after,
                    changed_paths: &[],
                })
                .expect("evaluates")
        };
        after.ai.monthly_budget_cents = 1;
        let first = required(&before, &after);
        let ran = runs();
        let mut again = after.clone();
        again.ai.monthly_budget_cents = 2;
        again.tenant.display_name = "Another Name".to_owned();
        assert_eq!(required(&after, &again), first);
        assert_eq!(runs(), ran, "reused");
        // A part the rules read changes: evaluated again, with the new answer.
        let mut relaxed = again.clone();
        relaxed.classification.compliance_mode = ComplianceMode::Standard;
        let needs = required(&again, &relaxed);
        assert_eq!(runs(), ran + 1);
        assert_eq!(needs.first().map(|r| r.rule_id.as_str()), Some("APR-001"));
    }

    #[test]
    fn a_rule_reading_whole_documents_is_given_them_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("10-any-edit.rego"),
            "package tenantry.approvals\n\nrules[\"X-001\"] := {\"step\": \"tenant\", \"title\": \"Any edit\", \"approvals\": 1, \"reviewer\": \"compliance_officer\", \"source\": \"test\", \"applies_when\": \"the document differs\"}\n\nrequired contains {\"rule\": \"X-001\", \"path\": \"\", \"message\": \"edits the document\"} if input.before != input.after\n",
        )
        .expect("write rule");
        let policy = ApprovalPolicy::from_dir(dir.path()).expect("builds");
        let reads = policy.inner.reads.as_ref().expect("analysed");
        assert!(reads.contains(&vec!["before".to_owned()]), "{reads:?}");
        assert!(reads.contains(&vec!["after".to_owned()]), "{reads:?}");
        let before = hipaa();
        let mut after = before.clone();
        after.tenant.display_name = "Renamed Clinic".to_owned();
        let required = policy
            .required(&ApprovalInput {
                environment: ChangeEnvironment::Draft,
                before: Some(&before),
                after: &after,
                changed_paths: &[],
            })
            .expect("evaluates");
        assert_eq!(
            required
                .iter()
                .map(|r| r.rule_id.as_str())
                .collect::<Vec<_>>(),
            ["X-001"]
        );
    }

    #[test]
    fn reviewer_and_environment_ids_match_serde() {
        for role in ReviewerRole::ALL {
            assert_eq!(
                serde_json::to_value(role).expect("json"),
                Value::String(role.id().to_owned())
            );
            assert_eq!(ReviewerRole::from_id(role.id()), Some(role));
        }
        assert_eq!(ReviewerRole::from_id("admin"), None);
        for environment in [
            ChangeEnvironment::Draft,
            ChangeEnvironment::Staging,
            ChangeEnvironment::Production,
        ] {
            assert_eq!(
                serde_json::to_value(environment).expect("json"),
                Value::String(environment.id().to_owned())
            );
        }
    }

    #[test]
    fn metadata_is_checked_field_by_field() {
        let rule = |approvals: Value, reviewer: &str, step: &str| {
            json!({"rules": {"X-1": {
                "step": step, "title": "t", "approvals": approvals, "reviewer": reviewer,
                "source": "s", "applies_when": "always",
            }}})
        };
        let ok =
            read_metadata(rule(json!(2), "compliance_officer", "classification")).expect("valid");
        assert_eq!(ok[0].approvals, 2);
        for (value, problem) in [
            (
                rule(json!(0), "compliance_officer", "classification"),
                "approvals",
            ),
            (
                rule(json!(1.5), "compliance_officer", "classification"),
                "approvals",
            ),
            (
                rule(json!(11), "compliance_officer", "classification"),
                "approvals",
            ),
            (
                rule(json!(1), "account_manager", "classification"),
                "reviewer",
            ),
            (
                rule(json!(1), "compliance_officer", "step-thirteen"),
                "step",
            ),
        ] {
            match read_metadata(value) {
                Err(PolicyError::InvalidMetadata {
                    rule_id,
                    problem: text,
                }) => {
                    assert_eq!(rule_id, "X-1");
                    assert!(text.contains(problem), "{text}");
                }
                other => panic!("expected invalid metadata about {problem}, got {other:?}"),
            }
        }
    }
}
