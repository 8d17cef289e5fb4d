//! Incremental evaluation of the pack: the rules are split into groups, each evaluated by
//! an engine that holds only the group's rules and is given only a *projection* of the
//! input (the parts the group's Rego text can reach). A group's output is then a pure
//! function of its projection, so it is remembered under the projection's exact text and
//! reused whenever a later document (of any tenant) projects to the same text. A server
//! evaluates the documents of one tenant again and again with a few paths changed; most
//! groups do not read those paths.
//!
//! Soundness does not rest on judging which rules an edit can affect:
//! - What a group can read is derived from the parsed source (regorus' own syntax tree):
//!   every `input.<a>.<b>…` reference contributes its longest static prefix; a bare
//!   `input`, any `data` reference or any `with` modifier makes the group read the whole
//!   input; an import other than the language keywords turns the split off.
//! - A group's engine holds its output rules and every definition of every name they
//!   refer to, transitively (a local variable that shares a rule's name pulls that rule
//!   in too, which costs precision, never correctness). The engine is given each source
//!   file with the other rules blanked out, and the split is used only if every kept
//!   rule re-parses to the same syntax tree as in the whole pack.
//! - Each read path's JSON text is interned as a number never given to another text
//!   (texts are told apart by their SHA-256 digest, as change sets are); a group's key
//!   is its index, the catalog's generation and its paths' numbers, and the projection
//!   handed to its engine is parsed from those very texts. Equal keys mean equal inputs,
//!   and the group never sees anything outside its key.
//!
//! Each group evaluates the collections (`findings`, `missing`, `required_checklist`) its
//! output rules feed. Each value a group yields is one the whole pack yields too (every
//! rule it holds sees the same definitions and the same input as in the whole pack), and
//! every output rule is some group's, so the union of the groups' outputs is the pack's.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value as Json;
use tenantry_core::tenant::DocumentValue;

use crate::error::PolicyError;
use crate::pack::{parse_item, RawFinding, RawMissing};

fn evaluation_error(message: String) -> PolicyError {
    PolicyError::Evaluation { message }
}

/// The collections the Rust side reads from the pack.
pub(crate) const OUTPUTS: [&str; 3] = ["findings", "missing", "required_checklist"];

/// Builtins whose result is not a function of their arguments: a group calling one is
/// evaluated every time, never reused.
const VOLATILE_BUILTINS: [&str; 6] = ["time.now_ns", "rand.", "uuid.", "http.", "opa.", "net."];

/// What a group produced for one projection, as the pack returned it (before the Rust
/// side joins it with the rules' metadata, redacts and sorts).
#[derive(Debug, Default)]
pub(crate) struct GroupOutput {
    pub findings: Vec<RawFinding>,
    pub missing: Vec<RawMissing>,
    pub checklist: Vec<String>,
}

impl GroupOutput {
    /// Memory held, roughly (texts plus per-item overhead), for the cache's bound.
    fn approximate_bytes(&self) -> usize {
        let findings: usize = self
            .findings
            .iter()
            .map(|item| {
                item.rule.len()
                    + item.path.len()
                    + item.message.len()
                    + item.step.as_ref().map_or(0, String::len)
                    + 128
            })
            .sum();
        let missing: usize = self
            .missing
            .iter()
            .map(|item| item.requirement.len() + item.path.len() + item.message.len() + 96)
            .sum();
        let checklist: usize = self.checklist.iter().map(|item| item.len() + 24).sum();
        findings + missing + checklist + 96
    }
}

/// One group: an engine with only its rules, prepared once, and what it reads.
struct Group {
    engine: regorus::Engine,
    /// `data.tenantry.policy.<output>` for each output collection the group defines.
    outputs: Vec<String>,
    /// Indices into `Groups::paths`, in ascending order.
    paths: Vec<usize>,
    /// Calls a builtin that is not a pure function: never cached.
    volatile: bool,
    /// Reads the catalog (or the whole input): its key carries the catalog's generation.
    reads_catalog: bool,
}

/// The split pack, its read paths and the cache of group outputs.
pub(crate) struct Groups {
    groups: Vec<Group>,
    /// Every distinct read path of any group. The empty path is the whole input.
    paths: Vec<Vec<String>>,
    /// Per path of `paths`: it lies in the catalog (decided once: a server evaluates
    /// the pack for every change set).
    in_catalog: Vec<bool>,
    cache: OutputCache,
    /// How many times a group was evaluated rather than reused.
    runs: std::sync::atomic::AtomicU64,
    /// This split's own number (see [`Previous`]).
    instance: u64,
}

impl std::fmt::Debug for Groups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groups")
            .field("groups", &self.groups.len())
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

/// The parts of an evaluation's input the groups read from: the document's JSON value,
/// the other members of the input besides the catalog (one object), and the catalog,
/// converted once and identified by a generation number that changes whenever the
/// converted catalog is replaced.
pub(crate) struct Frame<'a> {
    pub document: &'a DocumentValue,
    pub facts: &'a Json,
    pub catalog: &'a regorus::Value,
    pub catalog_generation: u64,
    /// An earlier evaluation by the same groups, of a document that may differ from this
    /// one in a few places: a path whose value is the same there keeps its number.
    pub previous: Option<Previous<'a>>,
}

/// What [`Groups::evaluate`] keeps of an evaluation for the next one (see [`Frame`]).
pub(crate) struct Previous<'a> {
    pub groups: u64,
    pub document: &'a DocumentValue,
    pub facts: &'a Json,
    pub ids: &'a [u64],
    /// Each group's output there, in group order.
    pub outputs: &'a [Arc<GroupOutput>],
    pub catalog_generation: u64,
    /// The document's top-level members known to be exactly the same JSON in both
    /// (compared once by the caller, which needs it for the facts too).
    pub unchanged_members: &'a HashSet<&'a str>,
}

/// The pack's input without the catalog: `document` and the members of `facts` (the
/// object `input_facts` makes in pack.rs).
pub(crate) fn whole_input(document: Json, facts: &Json) -> Json {
    let mut whole = serde_json::Map::new();
    whole.insert("document".to_owned(), document);
    if let Some(facts) = facts.as_object() {
        whole.extend(facts.clone());
    }
    Json::Object(whole)
}

impl Frame<'_> {
    /// Whether `path` holds exactly the same JSON here as in `previous` (so the same
    /// text: see [`same_json`]).
    fn unchanged(&self, previous: &Previous<'_>, path: &[String]) -> bool {
        match path.split_first() {
            None => {
                same_document(self.document, previous.document)
                    && same_json(self.facts, previous.facts)
            }
            Some((first, rest)) if first == "document" => match rest.first() {
                None => same_document(self.document, previous.document),
                Some(member) => {
                    previous.unchanged_members.contains(member.as_str())
                        || same_at(self.document.lookup(rest), previous.document.lookup(rest))
                }
            },
            Some(_) => same_at(lookup(self.facts, path), lookup(previous.facts, path)),
        }
    }

    /// The JSON text at `path` of the input without the catalog (`None`: absent).
    fn text(&self, path: &[String]) -> Option<String> {
        match path.split_first() {
            // The whole input, or the whole document: only a group that reads all of it
            // asks.
            None => Some(whole_input(self.document.to_value(), self.facts).to_string()),
            Some((first, rest)) if first == "document" => match rest.first() {
                None => Some(self.document.to_value().to_string()),
                Some(_) => self.document.text(rest).map(|text| text.to_string()),
            },
            Some(_) => lookup(self.facts, path).map(Json::to_string),
        }
    }
}

fn same_at(a: Option<&Json>, b: Option<&Json>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same_json(a, b),
        _ => false,
    }
}

/// Equal as text: the same serialisation, byte for byte. Stricter than `==`, which takes
/// `0.0` and `-0.0` for the same number (their texts differ) and ignores member order.
pub(crate) fn same_json(a: &Json, b: &Json) -> bool {
    // Versions of a document share the members they did not change.
    if std::ptr::eq(a, b) {
        return true;
    }
    match (a, b) {
        (Json::Null, Json::Null) => true,
        (Json::Bool(a), Json::Bool(b)) => a == b,
        (Json::String(a), Json::String(b)) => a == b,
        (Json::Number(a), Json::Number(b)) => {
            if a.is_f64() || b.is_f64() {
                a.is_f64()
                    && b.is_f64()
                    && a.as_f64().map(f64::to_bits) == b.as_f64().map(f64::to_bits)
            } else {
                a == b
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_json(a, b))
        }
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((key_a, a), (key_b, b))| key_a == key_b && same_json(a, b))
        }
        _ => false,
    }
}

/// The top-level members of `after` whose JSON is exactly (see [`same_json`]) that of
/// the same member of `before` (a member both share is not even looked at).
pub(crate) fn unchanged_members<'a>(
    before: &DocumentValue,
    after: &'a DocumentValue,
) -> HashSet<&'a str> {
    after
        .iter()
        .filter(|(key, member)| before.get(key).is_some_and(|old| same_json(old, member)))
        .map(|(key, _)| key)
        .collect()
}

/// Whether two documents are exactly the same JSON, member by member.
fn same_document(a: &DocumentValue, b: &DocumentValue) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((key_a, a), (key_b, b))| key_a == key_b && same_json(a, b))
}

/// Every `Groups` gets a number of its own: text numbers mean something only to the
/// cache that gave them.
static GROUPS_INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Groups {
    /// Splits the pack, or says why not: its text uses something the analysis does not
    /// follow (then the whole pack is evaluated as one engine).
    pub(crate) fn build(files: &[(String, String)]) -> Result<Groups, String> {
        let analysis = Analysis::of(files)?;
        analysis.into_groups()
    }

    pub(crate) fn len(&self) -> usize {
        self.groups.len()
    }

    /// This split's own number, for [`Previous::groups`].
    pub(crate) fn instance(&self) -> u64 {
        self.instance
    }

    /// Evaluates every group over its projection of `frame`, reusing remembered outputs.
    /// Returns the groups' outputs in group order, and the number of each read path's
    /// text (for the next evaluation's [`Previous`]).
    pub(crate) fn evaluate(
        &self,
        frame: &Frame<'_>,
    ) -> Result<(Vec<Arc<GroupOutput>>, Vec<u64>), PolicyError> {
        let previous = frame.previous.as_ref().filter(|previous| {
            previous.groups == self.instance && previous.ids.len() == self.paths.len()
        });
        // The JSON text of every read path (`None`: absent, in the catalog, or the same
        // as in the previous evaluation, whose number it keeps).
        let mut kept: Vec<Option<u64>> = vec![None; self.paths.len()];
        let texts: Vec<Option<String>> = self
            .paths
            .iter()
            .enumerate()
            .map(|(index, path)| {
                if self.in_catalog[index] {
                    return None;
                }
                if let Some(previous) = previous {
                    if frame.unchanged(previous, path) {
                        kept[index] = Some(previous.ids[index]);
                        return None;
                    }
                }
                frame.text(path)
            })
            .collect();
        let mut ids = self.cache.intern(&texts);
        for (id, kept) in ids.iter_mut().zip(&kept) {
            if let Some(kept) = kept {
                *id = *kept;
            }
        }
        // A group none of whose paths changed since the previous evaluation has that
        // evaluation's output (the same key, so the same output): neither its key is
        // made nor the cache asked.
        let carried: Vec<Option<Arc<GroupOutput>>> = self
            .groups
            .iter()
            .enumerate()
            .map(|(index, group)| {
                let previous = previous?;
                let same = !group.volatile
                    && (!group.reads_catalog
                        || previous.catalog_generation == frame.catalog_generation)
                    && group
                        .paths
                        .iter()
                        .all(|&path| self.in_catalog[path] || kept[path].is_some());
                if same {
                    previous.outputs.get(index).cloned()
                } else {
                    None
                }
            })
            .collect();
        let keys: Vec<Vec<u64>> = self
            .groups
            .iter()
            .enumerate()
            .map(|(index, group)| {
                if carried[index].is_some() {
                    return Vec::new();
                }
                let mut key = Vec::with_capacity(group.paths.len() + 2);
                key.push(index as u64);
                if group.reads_catalog {
                    key.push(frame.catalog_generation);
                }
                key.extend(group.paths.iter().map(|&path| ids[path]));
                key
            })
            .collect();
        let mut outputs = self.cache.outputs(&keys, |index| {
            self.groups[index].volatile || carried[index].is_some()
        });
        for (output, carried) in outputs.iter_mut().zip(carried) {
            if carried.is_some() {
                *output = carried;
            }
        }
        let mut values: Vec<Option<Option<regorus::Value>>> = vec![None; self.paths.len()];
        let mut fresh = Vec::new();
        for (index, group) in self.groups.iter().enumerate() {
            if outputs[index].is_some() {
                continue;
            }
            let mut input = regorus::Value::new_object();
            for &path in &group.paths {
                let segments = &self.paths[path];
                let value = if self.in_catalog[path] {
                    lookup_value(frame.catalog, &segments[1..]).cloned()
                } else {
                    if values[path].is_none() {
                        // Converted from the very text the path was interned as (or,
                        // kept from the previous evaluation, the same text made again):
                        // what the group sees is exactly what its output is remembered
                        // under.
                        let text = match (&texts[path], kept[path]) {
                            (Some(text), _) => Some(std::borrow::Cow::Borrowed(text.as_str())),
                            (None, Some(id)) if id != ABSENT => {
                                frame.text(segments).map(std::borrow::Cow::Owned)
                            }
                            (None, _) => None,
                        };
                        let value = text
                            .as_deref()
                            .map(regorus::Value::from_json_str)
                            .transpose()
                            .map_err(|error| evaluation_error(format!("{error:#}")))?;
                        values[path] = Some(value);
                    }
                    values[path].clone().flatten()
                };
                if let Some(value) = value {
                    insert_at(&mut input, segments, value)?;
                }
                if segments.is_empty() {
                    insert_at(&mut input, &["catalog".to_owned()], frame.catalog.clone())?;
                }
            }
            self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let output = Arc::new(group.run(input)?);
            if !group.volatile {
                fresh.push((index, Arc::clone(&output)));
            }
            outputs[index] = Some(output);
        }
        self.cache.remember(&keys, fresh);
        Ok((outputs.into_iter().flatten().collect(), ids))
    }
}

/// What the rules of `files`, evaluated together as one package, can read of the input:
/// the longest static prefix of every `input.…` reference, none under another, in
/// order. `None` when they may read all of it or their result may not be a function of
/// what they read: a bare `input`, a `data` reference, a `with` modifier, a call of a
/// builtin that is not a pure function, or text the analysis does not follow.
pub(crate) fn input_reads(files: &[(String, String)]) -> Option<Vec<Vec<String>>> {
    let analysis = Analysis::of(files).ok()?;
    let mut paths: Vec<Vec<String>> = Vec::new();
    for rule in &analysis.rules {
        let refs = &rule.refs;
        let volatile = refs.calls.iter().any(|call| {
            VOLATILE_BUILTINS.iter().any(|builtin| {
                call == builtin || builtin.ends_with('.') && call.starts_with(builtin)
            })
        });
        if refs.reads_data || refs.uses_with || volatile || refs.input_paths.contains(&Vec::new()) {
            return None;
        }
        paths.extend(refs.input_paths.iter().cloned());
    }
    paths.sort();
    let mut kept: Vec<Vec<String>> = Vec::new();
    for path in paths {
        if !kept.iter().any(|prefix| path.starts_with(prefix)) {
            kept.push(path);
        }
    }
    Some(kept)
}

/// The value at `path` in `value`, if every step is an object member.
pub(crate) fn lookup<'a>(value: &'a Json, path: &[String]) -> Option<&'a Json> {
    path.iter()
        .try_fold(value, |value, segment| value.as_object()?.get(segment))
}

fn reads_catalog(path: &[String]) -> bool {
    path.first().is_none_or(|first| first == "catalog")
}

fn lookup_value<'a>(value: &'a regorus::Value, path: &[String]) -> Option<&'a regorus::Value> {
    path.iter().try_fold(value, |value, segment| {
        value
            .as_object()
            .ok()?
            .get(&regorus::Value::from(segment.as_str()))
    })
}

/// Puts `value` at `path` in `target`, creating the objects on the way.
pub(crate) fn insert_at(
    target: &mut regorus::Value,
    path: &[String],
    value: regorus::Value,
) -> Result<(), PolicyError> {
    let Some((last, parents)) = path.split_last() else {
        // The whole input (without the catalog, which the caller adds).
        *target = value;
        return Ok(());
    };
    let mut current = target;
    for segment in parents {
        let members = current
            .as_object_mut()
            .map_err(|error| evaluation_error(format!("{error:#}")))?;
        current = members.get_or_insert_with(
            regorus::Value::from(segment.as_str()),
            regorus::Value::new_object,
        );
    }
    current
        .as_object_mut()
        .map_err(|error| evaluation_error(format!("{error:#}")))?
        .insert(regorus::Value::from(last.as_str()), value);
    Ok(())
}

impl Group {
    fn run(&self, input: regorus::Value) -> Result<GroupOutput, PolicyError> {
        let mut engine = self.engine.clone();
        engine.set_input(input);
        let mut output = GroupOutput::default();
        for rule in &self.outputs {
            let value = engine
                .eval_rule(rule.clone())
                .map_err(|error| evaluation_error(format!("{error:#}")))?;
            let items = match serde_json::to_value(&value)
                .map_err(|error| evaluation_error(error.to_string()))?
            {
                Json::Null => Vec::new(),
                Json::Array(items) => items,
                other => {
                    return Err(PolicyError::Malformed {
                        what: "result",
                        problem: format!("{rule} is not a set but {other}"),
                    })
                }
            };
            match rule.rsplit('.').next() {
                Some("findings") => {
                    for item in items {
                        output.findings.push(parse_item(item, "finding")?);
                    }
                }
                Some("missing") => {
                    for item in items {
                        output.missing.push(parse_item(item, "missing item")?);
                    }
                }
                _ => {
                    for item in items {
                        output.checklist.push(parse_item(item, "checklist item")?);
                    }
                }
            }
        }
        Ok(output)
    }
}

// ---------------------------------------------------------------------------------------
// The cache.

/// The memory of the incremental evaluation, bounded at `MAX_BYTES` in all.
///
/// - Interned path values: the JSON text of a read path, as found in some document, gets
///   a number no other text (of any path) ever gets: numbers are never reused, so a
///   number always stands for exactly one text. A text is known by its SHA-256 digest,
///   not kept: two texts with the same digest are taken to be the same text, the
///   assumption every change-set hash already rests on. Keeping digests instead of
///   texts lets thousands of tenants' documents stay warm (a server that sees 2 000
///   tenants in turn otherwise forgot each one before its next edit). Up to
///   `MAX_BYTES / 4` of digests.
/// - Group outputs, keyed by the group's index, the catalog generation (when it reads
///   the catalog) and the numbers of the texts of its paths. Up to `MAX_BYTES * 3 / 4`.
///
/// Each is kept in two generations: when the current one is full it becomes the
/// previous one and the old previous one is dropped; what is found in the previous one
/// moves forward. So whatever was used since the last turnover survives it. Forgetting
/// only costs a re-evaluation: a text interned again gets a new number, which no
/// remembered output is keyed by.
struct OutputCache {
    next_id: std::sync::atomic::AtomicU64,
    texts: Mutex<Generations<TextTable>>,
    outputs: Mutex<Generations<HashMap<Vec<u64>, Arc<GroupOutput>>>>,
}

/// Interned texts: (path index, SHA-256 of the text) → number.
type TextTable = HashMap<(u32, [u8; 32]), u64>;

/// Memory one interned text costs in the table, roughly.
const TEXT_ENTRY_BYTES: usize = 80;

/// The number of a path that is absent from the document (or lies in the catalog, which
/// the key carries as its generation instead).
const ABSENT: u64 = 0;

#[derive(Default)]
struct Generations<T> {
    current: T,
    current_bytes: usize,
    previous: T,
}

impl<T: Default> Generations<T> {
    /// Makes room for `bytes` more in the current generation, within `budget` for both.
    fn make_room(&mut self, bytes: usize, budget: usize) {
        if self.current_bytes + bytes > budget / 2 {
            self.previous = std::mem::take(&mut self.current);
            self.current_bytes = 0;
        }
        self.current_bytes += bytes;
    }
}

impl OutputCache {
    const MAX_BYTES: usize = 32 << 20;
    const TEXT_BYTES: usize = Self::MAX_BYTES / 4;
    const OUTPUT_BYTES: usize = Self::MAX_BYTES / 4 * 3;

    fn new() -> OutputCache {
        OutputCache {
            next_id: std::sync::atomic::AtomicU64::new(ABSENT + 1),
            texts: Mutex::new(Generations::default()),
            outputs: Mutex::new(Generations::default()),
        }
    }

    /// The number of each path's text.
    fn intern(&self, texts: &[Option<String>]) -> Vec<u64> {
        use sha2::{Digest, Sha256};
        // Digested before taking the lock: the worker threads hash in parallel.
        let digests: Vec<Option<[u8; 32]>> = texts
            .iter()
            .map(|text| {
                text.as_ref()
                    .map(|text| Sha256::digest(text.as_bytes()).into())
            })
            .collect();
        let mut table = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        let mut ids = Vec::with_capacity(texts.len());
        for (path, digest) in digests.into_iter().enumerate() {
            let Some(digest) = digest else {
                ids.push(ABSENT);
                continue;
            };
            let key = (path as u32, digest);
            if let Some(id) = table.current.get(&key) {
                ids.push(*id);
                continue;
            }
            let id = match table.previous.remove(&key) {
                Some(id) => id,
                None => self
                    .next_id
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            };
            ids.push(id);
            table.make_room(TEXT_ENTRY_BYTES, Self::TEXT_BYTES);
            table.current.insert(key, id);
        }
        ids
    }

    /// The remembered output of each group, `None` for those to evaluate and those
    /// `skip` names.
    fn outputs(
        &self,
        keys: &[Vec<u64>],
        skip: impl Fn(usize) -> bool,
    ) -> Vec<Option<Arc<GroupOutput>>> {
        let mut table = self.outputs.lock().unwrap_or_else(PoisonError::into_inner);
        keys.iter()
            .enumerate()
            .map(|(index, key)| {
                if skip(index) {
                    return None;
                }
                if let Some(output) = table.current.get(key) {
                    return Some(Arc::clone(output));
                }
                let (key, output) = table.previous.remove_entry(key)?;
                let bytes = output_bytes(&key, &output);
                table.make_room(bytes, Self::OUTPUT_BYTES);
                table.current.insert(key, Arc::clone(&output));
                Some(output)
            })
            .collect()
    }

    fn remember(&self, keys: &[Vec<u64>], fresh: Vec<(usize, Arc<GroupOutput>)>) {
        if fresh.is_empty() {
            return;
        }
        let mut table = self.outputs.lock().unwrap_or_else(PoisonError::into_inner);
        for (index, output) in fresh {
            let key = keys[index].clone();
            let bytes = output_bytes(&key, &output);
            if bytes > Self::OUTPUT_BYTES / 2 {
                continue;
            }
            table.make_room(bytes, Self::OUTPUT_BYTES);
            table.current.insert(key, output);
        }
    }
}

fn output_bytes(key: &[u64], output: &GroupOutput) -> usize {
    key.len() * 8 + output.approximate_bytes() + 64
}

// ---------------------------------------------------------------------------------------
// The analysis of the pack's source.

/// One rule definition of the pack, with what its text refers to.
struct RuleDef {
    file: usize,
    name: String,
    /// Where the rule's text is in its file: from its start to the next rule's.
    text: std::ops::Range<usize>,
    /// The rule's syntax tree, to check that the copied text parses the same.
    shape: Json,
    refs: Refs,
}

#[derive(Default)]
struct Refs {
    names: BTreeSet<String>,
    input_paths: BTreeSet<Vec<String>>,
    calls: BTreeSet<String>,
    reads_data: bool,
    uses_with: bool,
}

struct FileInfo {
    name: String,
    source: String,
    rego_v1: bool,
}

struct Analysis {
    files: Vec<FileInfo>,
    rules: Vec<RuleDef>,
}

impl Analysis {
    fn of(files: &[(String, String)]) -> Result<Analysis, String> {
        let mut infos = Vec::with_capacity(files.len());
        let mut rules = Vec::new();
        for (index, (name, source)) in files.iter().enumerate() {
            let module = parse(name, source)?;
            let imports_of = module.get("imports").and_then(Json::as_array);
            for import in imports_of.ok_or("a module without imports")? {
                let text = import
                    .get("span")
                    .and_then(|span| span_text(source, span))
                    .ok_or(format!("an import of {name} without its text"))?;
                // Only the language's own keywords: an import of `input` or `data` would
                // give a rule a name for input the reference analysis does not follow.
                let path = text.trim_start_matches("import").trim();
                if !(path == "rego.v1" || path.starts_with("future.keywords")) {
                    return Err(format!("{name} imports {path}"));
                }
            }
            infos.push(FileInfo {
                name: name.clone(),
                source: source.clone(),
                rego_v1: module
                    .get("rego_v1")
                    .and_then(Json::as_bool)
                    .ok_or("a module without its Rego version")?,
            });
            let rules_of = module.get("rules").and_then(Json::as_array);
            let rules_of = rules_of.ok_or("a module without rules")?;
            // A rule's span ends with its last expression (a closing quote or brace may
            // fall outside it), so its text is taken up to where the next rule starts;
            // the re-parse check in `group` proves the cut right.
            let mut starts = Vec::with_capacity(rules_of.len());
            for rule in rules_of {
                let start = single_entry(rule)
                    .and_then(|(_, body)| body.get("span")?.get("start")?.as_u64())
                    .and_then(|start| usize::try_from(start).ok())
                    .ok_or(format!("a rule of {name} without a position"))?;
                starts.push(start);
            }
            for (position, rule) in rules_of.iter().enumerate() {
                let start = starts[position];
                let end = starts.get(position + 1).copied().unwrap_or(source.len());
                let text = source
                    .get(start..end)
                    .filter(|_| start <= end)
                    .ok_or(format!("a rule of {name} out of order"))?;
                let mut refs = Refs::default();
                let name = collect_rule(rule, &mut refs).ok_or(format!(
                    "a rule of {name} the analysis does not know: {text}"
                ))?;
                rules.push(RuleDef {
                    file: index,
                    name,
                    text: start..end,
                    shape: rule.clone(),
                    refs,
                });
            }
        }
        Ok(Analysis {
            files: infos,
            rules,
        })
    }

    fn into_groups(self) -> Result<Groups, String> {
        let mut definitions: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, rule) in self.rules.iter().enumerate() {
            definitions.entry(&rule.name).or_default().push(index);
        }
        // Each output rule with everything it depends on, keyed by what that reads.
        type Members = (BTreeSet<usize>, BTreeSet<&'static str>);
        let mut by_reads: BTreeMap<(Vec<Vec<String>>, bool), Members> = BTreeMap::new();
        for (root, rule) in self.rules.iter().enumerate() {
            let Some(output) = OUTPUTS.iter().find(|output| **output == rule.name) else {
                continue;
            };
            let mut closure = BTreeSet::from([root]);
            let mut pending = vec![root];
            let mut everything = false;
            while let Some(index) = pending.pop() {
                let refs = &self.rules[index].refs;
                everything |= refs.reads_data || refs.uses_with;
                for name in &refs.names {
                    for &dependency in definitions.get(name.as_str()).into_iter().flatten() {
                        if closure.insert(dependency) {
                            pending.push(dependency);
                        }
                    }
                }
            }
            if everything {
                closure = (0..self.rules.len()).collect();
            }
            let mut paths: Vec<Vec<String>> = if everything {
                vec![Vec::new()]
            } else {
                closure
                    .iter()
                    .flat_map(|&index| self.rules[index].refs.input_paths.iter().cloned())
                    .collect()
            };
            paths.sort();
            // Drop every path covered by a shorter one (sorted, a prefix comes first).
            let mut kept: Vec<Vec<String>> = Vec::new();
            for path in paths {
                if !kept.iter().any(|prefix| path.starts_with(prefix)) {
                    kept.push(path);
                }
            }
            let volatile = closure.iter().any(|&index| {
                self.rules[index].refs.calls.iter().any(|call| {
                    VOLATILE_BUILTINS.iter().any(|builtin| {
                        call == builtin || builtin.ends_with('.') && call.starts_with(builtin)
                    })
                })
            });
            let (members, outputs) = by_reads.entry((kept, volatile)).or_default();
            members.extend(closure);
            outputs.insert(*output);
        }

        let mut paths: Vec<Vec<String>> = Vec::new();
        let mut groups = Vec::with_capacity(by_reads.len());
        for ((reads, volatile), (closure, outputs)) in by_reads {
            let mut indices = Vec::with_capacity(reads.len());
            for path in reads {
                let index = match paths.iter().position(|known| *known == path) {
                    Some(index) => index,
                    None => {
                        paths.push(path);
                        paths.len() - 1
                    }
                };
                indices.push(index);
            }
            indices.sort_unstable();
            let catalog = indices.iter().any(|&index| reads_catalog(&paths[index]));
            groups.push(self.group(&closure, &outputs, indices, volatile, catalog)?);
        }
        let in_catalog = paths
            .iter()
            .map(|path| path.first().is_some_and(|first| first == "catalog"))
            .collect();
        Ok(Groups {
            groups,
            paths,
            in_catalog,
            cache: OutputCache::new(),
            runs: std::sync::atomic::AtomicU64::new(0),
            instance: GROUPS_INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The engine of one group: per source file, its imports and the group's rules of it,
    /// each re-parsed and compared with the original.
    fn group(
        &self,
        closure: &BTreeSet<usize>,
        outputs: &BTreeSet<&'static str>,
        paths: Vec<usize>,
        volatile: bool,
        reads_catalog: bool,
    ) -> Result<Group, String> {
        let mut per_file: BTreeMap<usize, Vec<&RuleDef>> = BTreeMap::new();
        for &index in closure {
            let rule = &self.rules[index];
            per_file.entry(rule.file).or_default().push(rule);
        }
        let mut engine = regorus::Engine::new();
        let mut expected = Vec::with_capacity(per_file.len());
        for (file, rules) in per_file {
            let info = &self.files[file];
            // The file with every other rule blanked out (new lines kept), so the package,
            // the imports and the group's rules keep their lines and columns: an error
            // while evaluating points at the right place in the file.
            let mut text = String::with_capacity(info.source.len());
            let mut kept = rules.iter().map(|rule| rule.text.clone()).peekable();
            let mut next_start = 0;
            for rule in &self.rules {
                if rule.file != file {
                    continue;
                }
                let range = rule.text.clone();
                text.push_str(&info.source[next_start..range.start]);
                if kept.peek() == Some(&range) {
                    kept.next();
                    text.push_str(&info.source[range.clone()]);
                } else {
                    text.extend(info.source[range.clone()].chars().map(|c| {
                        if c == '\n' {
                            '\n'
                        } else {
                            ' '
                        }
                    }));
                }
                next_start = range.end;
            }
            text.push_str(&info.source[next_start..]);
            // The original name, so an error while evaluating names the file it is in.
            let name = info.name.clone();
            engine
                .add_policy(name.clone(), text)
                .map_err(|error| format!("{name}: {error:#}"))?;
            expected.push((name, info.rego_v1, rules));
        }
        // Every copied rule must parse to the same syntax tree as the original.
        let text = engine
            .get_ast_as_json()
            .map_err(|error| format!("{error:#}"))?;
        let copies: Json = serde_json::from_str(&text).map_err(|error| error.to_string())?;
        let copies = copies.as_array().ok_or("no syntax trees")?;
        if copies.len() != expected.len() {
            return Err("a copied module is missing".to_owned());
        }
        for (copy, (name, rego_v1, rules)) in copies.iter().zip(&expected) {
            let copy = copy
                .get("ast")
                .ok_or(format!("no syntax tree for {name}"))?;
            if copy.get("rego_v1").and_then(Json::as_bool) != Some(*rego_v1) {
                return Err(format!("{name} parses as another Rego version"));
            }
            let shapes = copy
                .get("rules")
                .and_then(Json::as_array)
                .ok_or(format!("{name} has no rules"))?;
            if shapes.len() != rules.len()
                || shapes
                    .iter()
                    .zip(rules)
                    .any(|(copy, original)| !same_shape(&original.shape, copy))
            {
                return Err(format!("the rules copied into {name} parse differently"));
            }
        }
        // Only the collections the group's own output rules feed: a rule pulled in as a
        // dependency (DOC-001 reads `missing`) is evaluated when, and as far as, a rule
        // needs it, and is some other group's output rule anyway.
        let outputs: Vec<String> = outputs
            .iter()
            .map(|output| format!("data.tenantry.policy.{output}"))
            .collect();
        // Evaluating once prepares the engine (as for the whole pack), so every clone
        // made for an evaluation starts prepared.
        engine.set_input(regorus::Value::new_object());
        for output in &outputs {
            engine
                .eval_rule(output.clone())
                .map_err(|error| format!("{output}: {error:#}"))?;
        }
        Ok(Group {
            engine,
            outputs,
            paths,
            volatile,
            reads_catalog,
        })
    }
}

/// The AST of one file, as regorus serialises it.
fn parse(name: &str, source: &str) -> Result<Json, String> {
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(name.to_owned(), source.to_owned())
        .map_err(|error| format!("{error:#}"))?;
    let text = engine
        .get_ast_as_json()
        .map_err(|error| format!("{error:#}"))?;
    let mut modules: Json = serde_json::from_str(&text).map_err(|error| error.to_string())?;
    modules
        .get_mut(0)
        .and_then(|module| module.get_mut("ast"))
        .map(Json::take)
        .ok_or(format!("no syntax tree for {name}"))
}

fn span_text<'a>(source: &'a str, span: &Json) -> Option<&'a str> {
    let start = usize::try_from(span.get("start")?.as_u64()?).ok()?;
    let end = usize::try_from(span.get("end")?.as_u64()?).ok()?;
    source.get(start..end)
}

fn single_entry(node: &Json) -> Option<(&str, &Json)> {
    let members = node.as_object()?;
    if members.len() != 1 {
        return None;
    }
    members
        .iter()
        .next()
        .map(|(key, value)| (key.as_str(), value))
}

/// Whether two syntax trees are the same once positions (spans, and the numbers of
/// expressions, statements and queries) are ignored.
fn same_shape(original: &Json, copy: &Json) -> bool {
    let position = |key: &String| matches!(key.as_str(), "span" | "eidx" | "sidx" | "qidx");
    match (original, copy) {
        (original, copy) if is_span(original) && is_span(copy) => true,
        (Json::Object(original), Json::Object(copy)) => {
            let mut compared = 0;
            for (key, value) in copy {
                if position(key) {
                    continue;
                }
                compared += 1;
                match original.get(key) {
                    Some(expected) if same_shape(expected, value) => {}
                    _ => return false,
                }
            }
            compared == original.keys().filter(|key| !position(key)).count()
        }
        (Json::Array(original), Json::Array(copy)) => {
            original.len() == copy.len()
                && original
                    .iter()
                    .zip(copy)
                    .all(|(original, copy)| same_shape(original, copy))
        }
        (original, copy) => original == copy,
    }
}

fn is_span(node: &Json) -> bool {
    node.as_object().is_some_and(|members| {
        members.len() == 4
            && ["line", "col", "start", "end"]
                .iter()
                .all(|key| members.contains_key(*key))
    })
}

/// The name a rule defines, and (into `refs`) everything its head and bodies refer to.
fn collect_rule(rule: &Json, refs: &mut Refs) -> Option<String> {
    let (kind, body) = single_entry(rule)?;
    match kind {
        "Spec" => {
            let (_, head) = single_entry(body.get("head")?)?;
            let name = collect_head_target(head.get("refr")?, refs)?;
            for (key, value) in head.as_object()? {
                if key != "refr" && key != "span" {
                    collect(value, refs);
                }
            }
            collect(body.get("bodies")?, refs);
            Some(name)
        }
        "Default" => {
            let name = collect_head_target(body.get("refr")?, refs)?;
            collect(body.get("args")?, refs);
            collect(body.get("value")?, refs);
            Some(name)
        }
        _ => None,
    }
}

/// The root name of a rule head's reference (`rules["X"]` defines `rules`); the indices
/// on the way are references.
fn collect_head_target(node: &Json, refs: &mut Refs) -> Option<String> {
    let (kind, body) = single_entry(node)?;
    match kind {
        "Var" => body.get("value")?.as_str().map(str::to_owned),
        "RefDot" => collect_head_target(body.get("refr")?, refs),
        "RefBrack" => {
            collect(body.get("index")?, refs);
            collect_head_target(body.get("refr")?, refs)
        }
        _ => None,
    }
}

enum Segment<'a> {
    Field(&'a str),
    Index(&'a Json),
}

/// Every name, input path, call and construct of `node` the grouping needs to know.
fn collect(node: &Json, refs: &mut Refs) {
    match node {
        Json::Array(items) => items.iter().for_each(|item| collect(item, refs)),
        Json::Object(members) => {
            if members.contains_key("with_mods") {
                refs.uses_with = true;
            }
            if let Some((kind, body)) = single_entry(node) {
                match kind {
                    "Var" => {
                        match body.get("value").and_then(Json::as_str) {
                            Some("input") => {
                                refs.input_paths.insert(Vec::new());
                            }
                            Some("data") => refs.reads_data = true,
                            Some(name) => {
                                refs.names.insert(name.to_owned());
                            }
                            None => refs.reads_data = true,
                        }
                        return;
                    }
                    "RefDot" | "RefBrack" => {
                        collect_ref(node, refs);
                        return;
                    }
                    "Call" => {
                        if let Some(name) = body.get("fcn").and_then(dotted_name) {
                            refs.calls.insert(name);
                        }
                    }
                    _ => {}
                }
            }
            members.values().for_each(|value| collect(value, refs));
        }
        Json::Null | Json::Bool(_) | Json::Number(_) | Json::String(_) => {}
    }
}

/// A chain `root.a["b"][x]…`: from `input`, its longest static prefix is a read path.
fn collect_ref(node: &Json, refs: &mut Refs) {
    let mut segments = Vec::new();
    let mut current = node;
    loop {
        match single_entry(current) {
            Some(("RefDot", body)) => {
                match body
                    .get("field")
                    .and_then(|field| field.get(1))
                    .and_then(Json::as_str)
                {
                    Some(field) => segments.push(Segment::Field(field)),
                    None => {
                        refs.reads_data = true;
                        return;
                    }
                }
                let Some(next) = body.get("refr") else {
                    refs.reads_data = true;
                    return;
                };
                current = next;
            }
            Some(("RefBrack", body)) => {
                let (Some(index), Some(next)) = (body.get("index"), body.get("refr")) else {
                    refs.reads_data = true;
                    return;
                };
                segments.push(Segment::Index(index));
                current = next;
            }
            _ => break,
        }
    }
    segments.reverse();
    let root_is_input = single_entry(current).is_some_and(|(kind, body)| {
        kind == "Var" && body.get("value").and_then(Json::as_str) == Some("input")
    });
    if root_is_input {
        let mut path = Vec::new();
        for segment in &segments {
            let field = match segment {
                Segment::Field(field) => Some(*field),
                Segment::Index(index) => match single_entry(index) {
                    Some(("String" | "RawString", body)) => {
                        body.get("value").and_then(Json::as_str)
                    }
                    _ => None,
                },
            };
            match field {
                Some(field) => path.push(field.to_owned()),
                None => break,
            }
        }
        refs.input_paths.insert(path);
    } else {
        collect(current, refs);
    }
    for segment in &segments {
        if let Segment::Index(index) = segment {
            collect(index, refs);
        }
    }
}

/// `a.b.c` for a call target made of names, e.g. `time.now_ns`.
fn dotted_name(node: &Json) -> Option<String> {
    match single_entry(node)? {
        ("Var", body) => body.get("value")?.as_str().map(str::to_owned),
        ("RefDot", body) => {
            let field = body.get("field")?.get(1)?.as_str()?;
            Some(format!("{}.{field}", dotted_name(body.get("refr")?)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::PolicyPack;
    use tenantry_core::catalog::Catalog;
    use tenantry_core::TenantDocument;

    fn bundled_sources() -> Vec<(String, String)> {
        crate::pack::BUNDLED
            .iter()
            .map(|(name, source)| ((*name).to_owned(), (*source).to_owned()))
            .collect()
    }

    fn with_rule(rule: &str) -> Vec<(String, String)> {
        let mut sources = bundled_sources();
        sources.push((
            "extra.rego".to_owned(),
            format!("package tenantry.policy\n\n{rule}\n"),
        ));
        sources
    }

    /// The input paths the text of the rule in "extra.rego" reads.
    fn reads_of_extra(sources: &[(String, String)]) -> Vec<String> {
        let analysis = Analysis::of(sources).expect("analysis");
        let extra = analysis
            .rules
            .iter()
            .find(|rule| analysis.files[rule.file].name == "extra.rego")
            .expect("the extra rule");
        extra
            .refs
            .input_paths
            .iter()
            .map(|path| path.join("."))
            .collect()
    }

    #[test]
    fn the_bundled_pack_splits_into_groups_that_each_read_a_part_of_the_input() {
        let groups = Groups::build(&bundled_sources()).unwrap_or_else(|why| panic!("{why}"));
        assert!(groups.len() > 20, "{} groups", groups.len());
        assert!(
            !groups.paths.iter().any(Vec::is_empty),
            "no bundled rule reads the whole input: {:?}",
            groups.paths
        );
        // The display name and the AI budget, the server's most common edits, are read by
        // only a few groups.
        let reading = |field: &[&str]| {
            groups
                .groups
                .iter()
                .filter(|group| {
                    group.paths.iter().any(|&path| {
                        let path = &groups.paths[path];
                        field.starts_with(&path.iter().map(String::as_str).collect::<Vec<_>>())
                    })
                })
                .count()
        };
        assert!(reading(&["document", "tenant", "display_name"]) <= 3);
        assert!(reading(&["document", "ai", "monthly_budget_cents"]) <= 3);
    }

    #[test]
    fn read_paths_are_the_static_prefixes_of_input_references() {
        let reads = reads_of_extra(&with_rule(
            "findings contains {\"rule\": \"X-1\", \"path\": \"/\", \"message\": m} if {\n\tsome s, v in input.document.services[\"chat\"].flags\n\tm := input.document.tenant[s].x\n}",
        ));
        assert_eq!(reads, ["document.services.chat.flags", "document.tenant"]);
    }

    #[test]
    fn what_the_analysis_cannot_follow_reads_everything_or_does_not_split() {
        for rule in [
            // A bare `input`, passed to a helper.
            "findings contains {\"rule\": \"X-1\", \"path\": \"/\", \"message\": \"m\"} if count(input) > 99",
            // The same rules through `data`.
            "findings contains {\"rule\": \"X-1\", \"path\": \"/\", \"message\": \"m\"} if data.tenantry.policy.regulated",
            // A `with` modifier.
            "findings contains {\"rule\": \"X-1\", \"path\": \"/\", \"message\": \"m\"} if { regulated with input.document as {} }",
        ] {
            let groups = Groups::build(&with_rule(rule)).unwrap_or_else(|why| panic!("{why}"));
            assert!(
                groups.paths.iter().any(Vec::is_empty),
                "{rule}: some group reads the whole input"
            );
        }
        let imports_input = vec![(
            "extra.rego".to_owned(),
            "package tenantry.policy\n\nimport input.document as d\n\nfindings contains {\"rule\": \"X-1\"} if d.x\n".to_owned(),
        )];
        let why = Groups::build(&imports_input).expect_err("not split");
        assert!(why.contains("imports input.document"), "{why}");
    }

    #[test]
    fn a_group_is_evaluated_again_only_when_a_path_it_reads_changes() {
        let pack = PolicyPack::bundled();
        let catalog = Catalog::bundled();
        let mut doc: TenantDocument = serde_json::from_str(include_str!(
            "../../../examples/tenants/healthcare-hipaa.json"
        ))
        .expect("example");
        let groups = pack.evaluation_groups();
        let runs = || pack.groups().expect("split").runs.load(Ordering::Relaxed);
        pack.evaluate(&doc, &catalog).expect("evaluates");
        let first = runs();
        assert_eq!(
            first as usize, groups,
            "a first evaluation runs every group"
        );
        pack.evaluate(&doc, &catalog).expect("evaluates");
        assert_eq!(runs(), first, "the same document reuses every group");
        doc.ai.monthly_budget_cents += 1;
        let evaluation = pack.evaluate(&doc, &catalog).expect("evaluates");
        let again = runs() - first;
        assert!(
            (1..=3).contains(&again),
            "a new budget re-runs only the groups reading it: {again}"
        );
        assert_eq!(
            evaluation,
            pack.evaluate_full(&doc, &catalog).expect("evaluates")
        );
        // The display name is read by one rule of step 2 only. DOC-001 (step 12) reads the
        // handoff's missing items: were it to read them through `missing`, its group
        // would reach every step's fields and run again on this edit too.
        let before = runs();
        doc.tenant.display_name.push_str(" Renamed");
        let evaluation = pack.evaluate(&doc, &catalog).expect("evaluates");
        assert_eq!(runs() - before, 1, "a new display name re-runs one group");
        assert_eq!(
            evaluation,
            pack.evaluate_full(&doc, &catalog).expect("evaluates")
        );
    }

    #[test]
    fn same_json_means_the_same_text() {
        use serde_json::json;
        let pairs = [
            (
                json!({"a": 1, "b": [true, null, "x"]}),
                json!({"a": 1, "b": [true, null, "x"]}),
                true,
            ),
            (json!(0.0), json!(-0.0), false),
            (json!(1), json!(1.0), false),
            (json!({"a": 1}), json!({"a": 1, "b": 2}), false),
            (json!(["x"]), json!(["x", "y"]), false),
            (json!("é"), json!("e\u{301}"), false),
        ];
        for (a, b, same) in pairs {
            assert_eq!(same_json(&a, &b), same, "{a} / {b}");
            let (text_a, text_b) = (a.to_string(), b.to_string());
            assert_eq!(same, text_a == text_b, "{a} / {b}");
        }
    }

    #[test]
    fn a_memo_keeps_the_numbers_of_unchanged_parts_only() {
        let pack = PolicyPack::bundled();
        let catalog = Catalog::bundled();
        let mut doc: TenantDocument = serde_json::from_str(include_str!(
            "../../../examples/tenants/healthcare-hipaa.json"
        ))
        .expect("example");
        let json = |doc: &TenantDocument| {
            tenantry_core::tenant::DocumentJson::new(Arc::new(doc.clone())).expect("json")
        };
        let (before, memo) = pack
            .evaluate_after(&json(&doc), None, &catalog)
            .expect("evaluates");
        let memo = memo.expect("a split pack keeps a memo");
        // A change of fields rules read, evaluated after the memo of the document before
        // it: the outcome changes, exactly as without the memo.
        doc.ai.monthly_budget_cents = 0;
        doc.ai.allowed_models.push("an-unknown-model".to_owned());
        let (after, _) = pack
            .evaluate_after(&json(&doc), Some(&memo), &catalog)
            .expect("evaluates");
        assert_eq!(
            after,
            pack.evaluate_full(&doc, &catalog).expect("evaluates")
        );
        assert_ne!(after, before, "the edit is one the rules see");
        // A memo of another pack is ignored, not misread.
        let other = PolicyPack::bundled();
        let (again, _) = other
            .evaluate_after(&json(&doc), Some(&memo), &catalog)
            .expect("evaluates");
        assert_eq!(again, after);
    }

    #[test]
    fn the_memory_is_bounded_and_forgets_the_oldest_generation() {
        let mut table: Generations<Vec<u32>> = Generations::default();
        table.make_room(20, 100);
        table.current.push(1);
        table.make_room(20, 100);
        table.current.push(2);
        assert_eq!(table.current, [1, 2], "no turnover within half the budget");
        assert!(table.previous.is_empty());
        table.make_room(20, 100);
        assert_eq!(
            table.previous,
            [1, 2],
            "60 > 50: the current generation turns over"
        );
        assert!(table.current.is_empty());
        assert!(table.current_bytes <= 50);
        table.current.push(3);
        table.make_room(40, 100);
        assert_eq!(table.previous, [3], "the oldest generation is dropped");
        assert!(table.current_bytes <= 50);

        let cache = OutputCache::new();
        let texts = vec![Some("\"a\"".to_owned()), None, Some("\"a\"".to_owned())];
        let ids = cache.intern(&texts);
        assert_eq!(ids[1], ABSENT);
        assert_ne!(
            ids[0], ids[2],
            "the same text at another path is another value"
        );
        assert_eq!(
            cache.intern(&texts),
            ids,
            "interned texts keep their numbers"
        );
    }

    #[test]
    fn thousands_of_documents_stay_interned_whatever_their_size() {
        // A server sees its tenants in turn: each tenant's texts must still be known when
        // its next edit comes, however large the documents.
        let cache = OutputCache::new();
        let text = |tenant: usize| Some(format!("\"{tenant:05}{}\"", "x".repeat(4096)));
        let first: Vec<u64> = (0..20_000)
            .map(|tenant| cache.intern(&[text(tenant)])[0])
            .collect();
        for tenant in [0, 1, 9_999, 19_999] {
            assert_eq!(
                cache.intern(&[text(tenant)])[0],
                first[tenant],
                "tenant {tenant}"
            );
        }
    }
}
