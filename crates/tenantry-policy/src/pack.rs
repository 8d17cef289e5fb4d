use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use serde_json::{json, Value};
use tenantry_core::catalog::Catalog;
use tenantry_core::tenant::{DocumentJson, DocumentValue};
use tenantry_core::{Step, TenantDocument};

use crate::error::PolicyError;
use crate::incremental::{unchanged_members, whole_input, Frame, GroupOutput, Groups, Previous};
use crate::input;
use crate::model::{Evaluation, Finding, Missing, RequirementInfo, RuleInfo, Severity};

/// The Rego package every file of the pack declares.
const PACKAGE: &str = "data.tenantry.policy";
const METADATA_RULE: &str = "data.tenantry.policy.metadata";
const RESULT_RULE: &str = "data.tenantry.policy.result";

/// The bundled pack, one file per step (plus shared helpers and the credential rule).
pub(crate) const BUNDLED: &[(&str, &str)] = &[
    ("00-lib.rego", include_str!("../pack/00-lib.rego")),
    (
        "01-classification.rego",
        include_str!("../pack/01-classification.rego"),
    ),
    ("02-tenant.rego", include_str!("../pack/02-tenant.rego")),
    ("03-frontend.rego", include_str!("../pack/03-frontend.rego")),
    ("04-services.rego", include_str!("../pack/04-services.rego")),
    (
        "05-overrides.rego",
        include_str!("../pack/05-overrides.rego"),
    ),
    ("06-ai.rego", include_str!("../pack/06-ai.rego")),
    (
        "07-integrations.rego",
        include_str!("../pack/07-integrations.rego"),
    ),
    (
        "08-customization.rego",
        include_str!("../pack/08-customization.rego"),
    ),
    (
        "09-data-migration.rego",
        include_str!("../pack/09-data-migration.rego"),
    ),
    (
        "10-verification.rego",
        include_str!("../pack/10-verification.rego"),
    ),
    ("11-rollout.rego", include_str!("../pack/11-rollout.rego")),
    ("12-handoff.rego", include_str!("../pack/12-handoff.rego")),
    ("13-secrets.rego", include_str!("../pack/13-secrets.rego")),
];

/// A compiled policy pack: the Rego engine, prepared once, and the metadata of its rules
/// and requirements. Cloning is cheap (one reference count); evaluation never changes it,
/// so one pack serves every thread.
#[derive(Clone)]
pub struct PolicyPack {
    inner: Arc<Inner>,
}

struct Inner {
    /// Prepared engine; every evaluation works on a clone of it.
    engine: regorus::Engine,
    rules: Vec<RuleInfo>,
    rule_index: HashMap<String, usize>,
    requirements: Vec<RequirementInfo>,
    requirement_index: HashMap<String, usize>,
    files: Vec<String>,
    /// The pack's files, for the split below.
    sources: Vec<(String, String)>,
    /// The pack split into groups for incremental evaluation (`incremental`), or `None`
    /// when its text uses something the split does not follow. Made at the first
    /// evaluation (it takes tens of milliseconds), so a pack built only to list its rules
    /// does not pay for it.
    groups: OnceLock<Option<Groups>>,
    /// The last catalog evaluated against, converted once: a desktop or server uses one
    /// catalog for thousands of evaluations. With its generation: a number no other
    /// converted catalog of this pack has had, which stands for the catalog in the keys
    /// of remembered group outputs.
    catalog_cache: Mutex<Option<(Catalog, regorus::Value, u64)>>,
    catalog_generations: AtomicU64,
    /// Texts known not to look like credentials (see `input::CleanTexts`).
    clean_texts: input::CleanTexts,
}

impl std::fmt::Debug for PolicyPack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyPack")
            .field("files", &self.inner.files)
            .field("rules", &self.inner.rules.len())
            .field("requirements", &self.inner.requirements.len())
            .finish_non_exhaustive()
    }
}

/// What an evaluation keeps for the evaluation of the next version of the same document
/// ([`PolicyPack::evaluate_after`]): the document, the facts found in it, and the number
/// the pack gave the text of every part its rules read. A few hundred bytes besides the
/// document, which it shares.
#[derive(Debug, Clone)]
pub struct EvaluationMemo {
    document: DocumentJson,
    kept: Kept,
}

/// What an evaluation of the split pack kept, besides the document.
#[derive(Debug, Clone)]
struct Kept {
    groups: u64,
    facts: Value,
    /// The credential-looking texts behind `facts`' credential hits, one per hit.
    secrets: Vec<String>,
    ids: Vec<u64>,
    /// Each group's output, in group order, and the catalog's generation they saw.
    outputs: Vec<Arc<GroupOutput>>,
    catalog_generation: u64,
}

impl EvaluationMemo {
    /// The document evaluated.
    pub fn document(&self) -> &DocumentJson {
        &self.document
    }
}

impl PolicyPack {
    /// The pack bundled with this build (`crates/tenantry-policy/pack/*.rego`).
    pub fn bundled() -> PolicyPack {
        // A test compiles the bundled pack on every build, so this cannot fail at run time.
        Self::build(Vec::new()).unwrap_or_else(|error| {
            unreachable!("the bundled policy pack is tested to compile: {error}")
        })
    }

    /// The bundled pack plus every `*.rego` file in `dir` (not recursive, in name order).
    /// Each added file declares `package tenantry.policy` and its rules' metadata the
    /// same way the bundled files do.
    pub fn from_dir(dir: &Path) -> Result<PolicyPack, PolicyError> {
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
    pub fn rules(&self) -> &[RuleInfo] {
        &self.inner.rules
    }

    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.inner
            .rule_index
            .get(id)
            .and_then(|index| self.inner.rules.get(*index))
    }

    /// What each step needs before it is complete, sorted by step, then id.
    pub fn requirements(&self) -> &[RequirementInfo] {
        &self.inner.requirements
    }

    /// The names of the files the pack was built from, bundled ones first.
    pub fn files(&self) -> &[String] {
        &self.inner.files
    }

    /// Evaluates every rule of the pack over `doc`, against `catalog`.
    ///
    /// The rules are evaluated in groups, each over only the parts of the input its Rego
    /// text reads; a group whose parts are byte for byte the same as in an earlier
    /// evaluation (of any document, by any thread) gives the findings it gave then,
    /// without running (see `incremental.rs`). The result is always exactly that of
    /// [`PolicyPack::evaluate_full`]. The remembered outputs take at most 16 MiB per pack.
    pub fn evaluate(
        &self,
        doc: &TenantDocument,
        catalog: &Catalog,
    ) -> Result<Evaluation, PolicyError> {
        let Some(groups) = self.groups() else {
            return self.evaluate_full(doc, catalog);
        };
        let json =
            DocumentValue::of_document(doc).map_err(|error| conversion_error("document", error))?;
        self.evaluate_groups(groups, &json, None, catalog)
            .map(|(evaluation, _)| evaluation)
    }

    /// [`PolicyPack::evaluate`] of a document whose JSON value is made already (a server
    /// that applied a change set to it has it; the approval rules read it too).
    pub fn evaluate_json(
        &self,
        doc: &DocumentJson,
        catalog: &Catalog,
    ) -> Result<Evaluation, PolicyError> {
        self.evaluate_after(doc, None, catalog)
            .map(|(evaluation, _)| evaluation)
    }

    /// [`PolicyPack::evaluate_json`] of the next version of a document evaluated before
    /// (`previous`, what that evaluation kept): every part the rules read that is the
    /// same JSON in both is known without being written out and digested again, which is
    /// most of the cost of an evaluation that reuses every group. The result is exactly
    /// [`PolicyPack::evaluate_full`]'s; `previous` only saves work (a memo of another
    /// pack is ignored). Also returns what to keep for the version after this one (none
    /// for a pack evaluated whole).
    pub fn evaluate_after(
        &self,
        doc: &DocumentJson,
        previous: Option<&EvaluationMemo>,
        catalog: &Catalog,
    ) -> Result<(Evaluation, Option<EvaluationMemo>), PolicyError> {
        let Some(groups) = self.groups() else {
            let typed = doc
                .document()
                .map_err(|error| conversion_error("document", error))?;
            return Ok((self.evaluate_full(typed, catalog)?, None));
        };
        // The document's top-level members that are exactly as in the previous version:
        // compared once, read by the facts and by the groups' paths alike. A version made
        // by editing the previous one shares the members it did not write again, and
        // those are not even looked at.
        let unchanged: HashSet<&str> = match previous {
            None => HashSet::new(),
            Some(memo) => unchanged_members(memo.document.json(), doc.json()),
        };
        let (evaluation, kept) = self.evaluate_groups(
            groups,
            doc.json(),
            previous.map(|memo| (memo, &unchanged)),
            catalog,
        )?;
        let memo = EvaluationMemo {
            document: doc.clone(),
            kept,
        };
        Ok((evaluation, Some(memo)))
    }

    /// The incremental evaluation of the document whose JSON value is `json` (all it
    /// reads: the typed document is not needed); with the facts, the credential-looking
    /// texts and the text numbers it used.
    fn evaluate_groups(
        &self,
        groups: &Groups,
        json: &DocumentValue,
        previous: Option<(&EvaluationMemo, &HashSet<&str>)>,
        catalog: &Catalog,
    ) -> Result<(Evaluation, Kept), PolicyError> {
        let (catalog, catalog_generation) = self.catalog_value(catalog)?;
        let (facts, secrets) = input_facts(
            json.tenant_id(),
            json.iter(),
            previous,
            &self.inner.clean_texts,
        );
        let (previous, unchanged_members) = match previous {
            Some((memo, unchanged)) => (Some(memo), unchanged),
            None => (None, &HashSet::new()),
        };
        let (outputs, ids) = groups.evaluate(&Frame {
            document: json,
            facts: &facts,
            catalog: &catalog,
            catalog_generation,
            previous: previous.map(|memo| Previous {
                groups: memo.kept.groups,
                document: memo.document.json(),
                facts: &memo.kept.facts,
                ids: &memo.kept.ids,
                outputs: &memo.kept.outputs,
                catalog_generation: memo.kept.catalog_generation,
                unchanged_members,
            }),
        })?;
        let justifications = json.get("justifications");
        let evaluation = self.assemble(
            |rule| {
                justifications
                    .and_then(|justifications| justifications.get(rule))
                    .and_then(Value::as_str)
                    .is_some_and(is_written)
            },
            outputs.iter().flat_map(|output| &output.findings),
            outputs.iter().flat_map(|output| &output.missing),
            outputs.iter().flat_map(|output| &output.checklist),
            &secrets,
        )?;
        let kept = Kept {
            groups: groups.instance(),
            facts,
            secrets,
            ids,
            outputs,
            catalog_generation,
        };
        Ok((evaluation, kept))
    }

    /// Evaluates every rule of the pack over `doc` in one engine given the whole input,
    /// remembering nothing: the reference [`PolicyPack::evaluate`] is tested against,
    /// and what it does for a pack the incremental evaluation cannot split.
    pub fn evaluate_full(
        &self,
        doc: &TenantDocument,
        catalog: &Catalog,
    ) -> Result<Evaluation, PolicyError> {
        let (catalog, _) = self.catalog_value(catalog)?;
        let (input, secrets) = build_input(doc, catalog, &self.inner.clean_texts)?;
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
        let raw: RawResult = match result {
            Value::Null => RawResult::default(),
            other => serde_json::from_value(other).map_err(|error| PolicyError::Malformed {
                what: "result",
                problem: error.to_string(),
            })?,
        };
        let findings = raw
            .findings
            .into_iter()
            .map(|value| parse_item(value, "finding"))
            .collect::<Result<Vec<RawFinding>, _>>()?;
        let missing = raw
            .missing
            .into_iter()
            .map(|value| parse_item(value, "missing item"))
            .collect::<Result<Vec<RawMissing>, _>>()?;
        self.assemble(
            |rule| {
                doc.justifications
                    .get(rule)
                    .is_some_and(|text| is_written(text))
            },
            &findings,
            &missing,
            &raw.checklist,
            &secrets,
        )
    }

    /// How many groups the pack is evaluated in (1 when it could not be split).
    pub fn evaluation_groups(&self) -> usize {
        self.groups().map_or(1, Groups::len)
    }

    pub(crate) fn groups(&self) -> Option<&Groups> {
        self.inner
            .groups
            .get_or_init(|| Groups::build(&self.inner.sources).ok())
            .as_ref()
    }

    fn catalog_value(&self, catalog: &Catalog) -> Result<(regorus::Value, u64), PolicyError> {
        // A poisoned lock only means another evaluation panicked mid-update of the cache;
        // the cache is re-filled below either way.
        let mut cache = self
            .inner
            .catalog_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((cached, value, generation)) = cache.as_ref() {
            if cached == catalog {
                return Ok((value.clone(), *generation));
            }
        }
        let value = catalog_value(catalog)?;
        let generation = self
            .inner
            .catalog_generations
            .fetch_add(1, Ordering::Relaxed);
        *cache = Some((catalog.clone(), value.clone(), generation));
        Ok((value, generation))
    }

    fn build(extra: Vec<(String, String)>) -> Result<PolicyPack, PolicyError> {
        let mut engine = regorus::Engine::new();
        let mut files = Vec::new();
        let sources: Vec<(String, String)> = BUNDLED
            .iter()
            .map(|(name, source)| (format!("bundled:{name}"), (*source).to_owned()))
            .chain(extra)
            .collect();
        for (file, source) in sources.iter().cloned() {
            let package =
                engine
                    .add_policy(file.clone(), source)
                    .map_err(|error| PolicyError::Compile {
                        file: file.clone(),
                        message: format!("{error:#}"),
                    })?;
            if package != PACKAGE {
                return Err(PolicyError::WrongPackage { file, package });
            }
            files.push(file);
        }
        // Evaluating the metadata prepares the engine (rule scheduling, semantic checks),
        // so errors a parser cannot see surface here, once, and every clone made for an
        // evaluation starts prepared.
        engine.set_input(regorus::Value::new_object());
        let metadata = engine
            .eval_rule(METADATA_RULE.to_owned())
            .map_err(|error| compile_error(&files, &format!("{error:#}")))?;
        let metadata = serde_json::to_value(&metadata).map_err(|error| PolicyError::Malformed {
            what: "metadata",
            problem: error.to_string(),
        })?;
        let (rules, requirements) = read_metadata(metadata)?;
        smoke_evaluate(&engine, &files)?;
        let rule_index = rules
            .iter()
            .enumerate()
            .map(|(index, rule)| (rule.id.clone(), index))
            .collect();
        let requirement_index = requirements
            .iter()
            .enumerate()
            .map(|(index, requirement)| (requirement.id.clone(), index))
            .collect();
        Ok(PolicyPack {
            inner: Arc::new(Inner {
                engine,
                rules,
                rule_index,
                requirements,
                requirement_index,
                files,
                sources,
                groups: OnceLock::new(),
                catalog_cache: Mutex::new(None),
                catalog_generations: AtomicU64::new(0),
                clean_texts: input::CleanTexts::default(),
            }),
        })
    }

    /// Joins the pack's raw output with the rules' metadata and the document's
    /// justifications (`justified`: whether the document justifies a rule's warnings),
    /// redacts, sorts and removes duplicates.
    fn assemble<'a>(
        &self,
        justified: impl Fn(&str) -> bool,
        raw_findings: impl IntoIterator<Item = &'a RawFinding>,
        raw_missing: impl IntoIterator<Item = &'a RawMissing>,
        checklist: impl IntoIterator<Item = &'a String>,
        secrets: &[String],
    ) -> Result<Evaluation, PolicyError> {
        let mut findings = Vec::new();
        for raw in raw_findings {
            let rule = self
                .rule(&raw.rule)
                .ok_or_else(|| PolicyError::UnknownRule {
                    rule_id: raw.rule.clone(),
                })?;
            let step = match &raw.step {
                Some(id) => Step::from_id(id).ok_or_else(|| PolicyError::Malformed {
                    what: "finding",
                    problem: format!(
                        "rule {} reported a finding in unknown step '{id}'",
                        raw.rule
                    ),
                })?,
                None => rule.step,
            };
            let justified = rule.severity == Severity::Warning && justified(&rule.id);
            findings.push(Finding {
                rule_id: rule.id.clone(),
                severity: rule.severity,
                step,
                // A rule may quote the value it complains about; a credential is never
                // quoted, whatever rule (bundled or added) reports it.
                path: input::redact(raw.path.clone(), secrets),
                message: input::redact(raw.message.clone(), secrets),
                remediation: rule.remediation.clone(),
                justified,
            });
        }
        findings.sort_by(|a, b| {
            (a.step, &a.path, &a.rule_id, &a.message)
                .cmp(&(b.step, &b.path, &b.rule_id, &b.message))
        });
        findings.dedup();

        let mut missing = Vec::new();
        for raw in raw_missing {
            let requirement = self
                .inner
                .requirement_index
                .get(&raw.requirement)
                .and_then(|index| self.inner.requirements.get(*index))
                .ok_or_else(|| PolicyError::UnknownRequirement {
                    requirement_id: raw.requirement.clone(),
                })?;
            missing.push(Missing {
                requirement_id: requirement.id.clone(),
                step: requirement.step,
                path: input::redact(raw.path.clone(), secrets),
                message: input::redact(raw.message.clone(), secrets),
            });
        }
        missing.sort_by(|a, b| {
            (a.step, &a.path, &a.requirement_id, &a.message).cmp(&(
                b.step,
                &b.path,
                &b.requirement_id,
                &b.message,
            ))
        });
        missing.dedup();

        let mut required_checklist: Vec<String> = checklist.into_iter().cloned().collect();
        required_checklist.sort();
        required_checklist.dedup();
        Ok(Evaluation {
            findings,
            missing,
            required_checklist,
        })
    }
}

/// Whether a justification says anything.
fn is_written(text: &str) -> bool {
    !text.trim().is_empty()
}

fn conversion_error(what: &str, error: serde_json::Error) -> PolicyError {
    PolicyError::Evaluation {
        message: format!("cannot convert the {what} for the policy engine: {error}"),
    }
}

fn catalog_value(catalog: &Catalog) -> Result<regorus::Value, PolicyError> {
    let json = serde_json::to_value(catalog).map_err(|error| conversion_error("catalog", error))?;
    serde_json::from_value(json).map_err(|error| conversion_error("catalog", error))
}

/// The input of the pack without the catalog (see `pack/00-lib.rego`), and the
/// credential-looking texts found in the document (kept out of the input, used for
/// redaction).
fn input_json(
    doc: &TenantDocument,
    clean_texts: &input::CleanTexts,
) -> Result<(Value, Vec<String>), PolicyError> {
    let document =
        serde_json::to_value(doc).map_err(|error| conversion_error("document", error))?;
    // A document is a JSON object (a struct's fields).
    let members = document.as_object().into_iter().flatten();
    let (facts, secrets) = input_facts(
        doc.tenant.id.as_str(),
        members.map(|(key, member)| (key.as_str(), member)),
        None,
        clean_texts,
    );
    Ok((whole_input(document, &facts), secrets))
}

/// The members of the input besides the document and the catalog (see `input_json`),
/// as one object, and the credential-looking texts of `json`, the JSON value of `doc`;
/// reusing those `previous` found in the parts of the document that did not change.
fn input_facts<'v>(
    tenant_id: &str,
    members: impl Iterator<Item = (&'v str, &'v Value)>,
    previous: Option<(&EvaluationMemo, &HashSet<&str>)>,
    clean_texts: &input::CleanTexts,
) -> (Value, Vec<String>) {
    let earlier = previous.and_then(|(memo, unchanged_members)| {
        Some(input::Earlier {
            unchanged_members,
            own_tenant_id: memo.document.tenant_id(),
            credential_hits: memo.kept.facts.get("credential_hits")?.as_array()?,
            foreign_tenant_refs: memo.kept.facts.get("foreign_tenant_refs")?.as_array()?,
            secrets: &memo.kept.secrets,
        })
    });
    let facts = input::facts_of_members(members, tenant_id, clean_texts, earlier);
    (
        json!({
            "credential_hits": facts.credential_hits,
            "foreign_tenant_refs": facts.foreign_tenant_refs,
        }),
        facts.secrets,
    )
}

/// The whole input of the pack, catalog included, for one engine.
fn build_input(
    doc: &TenantDocument,
    catalog: regorus::Value,
    clean_texts: &input::CleanTexts,
) -> Result<(regorus::Value, Vec<String>), PolicyError> {
    let (input, secrets) = input_json(doc, clean_texts)?;
    let mut input: regorus::Value =
        serde_json::from_value(input).map_err(|error| conversion_error("input", error))?;
    let members = input
        .as_object_mut()
        .map_err(|error| PolicyError::Evaluation {
            message: format!("cannot build the policy input: {error}"),
        })?;
    members.insert(regorus::Value::from("catalog"), catalog);
    Ok((input, secrets))
}

/// Rego resolves functions and evaluates rule bodies lazily, so a typo in a rule body
/// would only show when that rule first runs. Evaluating every rule once over a fresh
/// tenant with the strictest classification and the bundled catalog surfaces such errors
/// when the pack is built, naming the file.
fn smoke_evaluate(engine: &regorus::Engine, files: &[String]) -> Result<(), PolicyError> {
    use tenantry_core::tenant::Regulation;
    use tenantry_core::{ClientName, Industry};

    let Ok(name) = ClientName::parse("Policy Pack Check") else {
        return Ok(());
    };
    let regulations = [Regulation::Hipaa, Regulation::Gdpr, Regulation::PciDss];
    let Ok(doc) = TenantDocument::with_safe_defaults(&name, Industry::Healthcare, &regulations)
    else {
        return Ok(());
    };
    let clean_texts = input::CleanTexts::default();
    let (input, _) = build_input(&doc, catalog_value(&Catalog::bundled())?, &clean_texts)?;
    let mut engine = engine.clone();
    engine.set_input(input);
    engine
        .eval_rule(RESULT_RULE.to_owned())
        .map(|_| ())
        .map_err(|error| compile_error(files, &format!("{error:#}")))
}

/// Names the file an engine error points at (regorus prints `--> <file>:line:col`).
fn compile_error(files: &[String], message: &str) -> PolicyError {
    let file = files
        .iter()
        .rev()
        .find(|file| message.contains(&format!("{file}:")))
        .cloned()
        .unwrap_or_else(|| "(the policy pack)".to_owned());
    PolicyError::Compile {
        file,
        message: message.to_owned(),
    }
}

#[derive(Deserialize, Default)]
struct RawResult {
    #[serde(default)]
    findings: Vec<Value>,
    #[serde(default)]
    missing: Vec<Value>,
    #[serde(default)]
    checklist: Vec<String>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct RawFinding {
    pub rule: String,
    pub path: String,
    pub message: String,
    #[serde(default)]
    pub step: Option<String>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct RawMissing {
    pub requirement: String,
    pub path: String,
    pub message: String,
}

pub(crate) fn parse_item<T: for<'de> Deserialize<'de>>(
    value: Value,
    what: &'static str,
) -> Result<T, PolicyError> {
    let shown = value.to_string();
    serde_json::from_value(value).map_err(|error| PolicyError::Malformed {
        what,
        problem: format!("{error} in {shown}"),
    })
}

#[derive(Deserialize)]
struct RawRule {
    severity: String,
    step: String,
    title: String,
    remediation: String,
    source: String,
    applies_when: String,
}

#[derive(Deserialize)]
struct RawRequirement {
    step: String,
    title: String,
    source: String,
    applies_when: String,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default)]
    rules: BTreeMap<String, Value>,
    #[serde(default)]
    requirements: BTreeMap<String, Value>,
}

fn invalid(id: &str, problem: impl Into<String>) -> PolicyError {
    PolicyError::InvalidMetadata {
        rule_id: id.to_owned(),
        problem: problem.into(),
    }
}

fn step_of(id: &str, step: &str) -> Result<Step, PolicyError> {
    Step::from_id(step).ok_or_else(|| {
        let known: Vec<&str> = Step::ALL.iter().map(|step| step.id()).collect();
        invalid(
            id,
            format!("unknown step '{step}'; use one of {}", known.join(", ")),
        )
    })
}

fn non_blank(id: &str, field: &str, text: String) -> Result<String, PolicyError> {
    if text.trim().is_empty() {
        Err(invalid(id, format!("{field} is empty")))
    } else {
        Ok(text)
    }
}

fn read_metadata(value: Value) -> Result<(Vec<RuleInfo>, Vec<RequirementInfo>), PolicyError> {
    let raw: RawMetadata = match value {
        Value::Null => RawMetadata {
            rules: BTreeMap::new(),
            requirements: BTreeMap::new(),
        },
        other => serde_json::from_value(other).map_err(|error| PolicyError::Malformed {
            what: "metadata",
            problem: error.to_string(),
        })?,
    };
    let mut rules = Vec::with_capacity(raw.rules.len());
    for (id, value) in raw.rules {
        let rule: RawRule =
            serde_json::from_value(value).map_err(|error| invalid(&id, error.to_string()))?;
        let severity = Severity::from_id(&rule.severity).ok_or_else(|| {
            invalid(
                &id,
                format!("severity '{}' is neither error nor warning", rule.severity),
            )
        })?;
        rules.push(RuleInfo {
            severity,
            step: step_of(&id, &rule.step)?,
            title: non_blank(&id, "title", rule.title)?,
            remediation: non_blank(&id, "remediation", rule.remediation)?,
            source: non_blank(&id, "source", rule.source)?,
            applies_when: non_blank(&id, "applies_when", rule.applies_when)?,
            id,
        });
    }
    rules.sort_by(|a, b| (a.step, &a.id).cmp(&(b.step, &b.id)));
    let mut requirements = Vec::with_capacity(raw.requirements.len());
    for (id, value) in raw.requirements {
        let requirement: RawRequirement =
            serde_json::from_value(value).map_err(|error| invalid(&id, error.to_string()))?;
        requirements.push(RequirementInfo {
            step: step_of(&id, &requirement.step)?,
            title: non_blank(&id, "title", requirement.title)?,
            source: non_blank(&id, "source", requirement.source)?,
            applies_when: non_blank(&id, "applies_when", requirement.applies_when)?,
            id,
        });
    }
    requirements.sort_by(|a, b| (a.step, &a.id).cmp(&(b.step, &b.id)));
    Ok((rules, requirements))
}
