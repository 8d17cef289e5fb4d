//! Tenant documents as files: JSON, TOML or YAML, read defensively.
//!
//! A document comes from a person's editor or from a pipeline, so the loader trusts
//! nothing in it. It checks the size before reading (and reads no more than the cap),
//! insists on UTF-8, parses into a generic value under a nesting cap (no parser
//! recursion or YAML alias expansion can exhaust the stack or memory), refuses
//! duplicate keys, checks the schema version, and only then builds the typed
//! [`TenantDocument`], naming the JSON pointer of any field that does not fit. Every
//! error is a sentence that says what is wrong, where, and how to fix it; there is
//! never a partial document.

use std::cell::RefCell;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{TenantDocument, SCHEMA_VERSION};

/// Largest document accepted, in bytes. A complete tenant is a few kilobytes; anything
/// near this is the wrong file, or an attack.
pub const MAX_DOCUMENT_BYTES: u64 = 1024 * 1024;

/// Deepest nesting of lists and maps accepted. A real document nests about six levels.
pub const MAX_DEPTH: usize = 32;

/// YAML aliases may be replayed at most this many events in total: enough for
/// reusing a contact or an evidence block, far too few for a "billion laughs".
const MAX_YAML_ALIAS_EVENTS: usize = 10_000;

/// The file formats a tenant document can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Toml,
    Yaml,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Json, Format::Toml, Format::Yaml];

    /// The format a file name's extension names (`.json`, `.toml`, `.yaml` or `.yml`,
    /// in any case), if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Yaml => "yaml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A place in the text: 1-based line and column (the column counts characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of a byte offset in `text` (clamped to the text).
    fn of_offset(text: &str, offset: usize) -> Self {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Why a tenant document could not be read. Display is a message for people: what
/// is wrong, where, and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot tell the format of {}: name the file *.json, *.toml, *.yaml or *.yml", file.display())]
    UnknownFormat { file: PathBuf },
    #[error("there is no file {}; check the path", file.display())]
    NotFound { file: PathBuf },
    #[error("{} is a directory, not a tenant document; give the path of a .json, .toml or .yaml file", file.display())]
    NotAFile { file: PathBuf },
    #[error("cannot read {}: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the file is {}, over the limit of {}: is it the right file? (A tenant document is a few kilobytes.)", size.map_or_else(|| format!("larger than {}", mebibytes(*limit)), |size| format!("{} ({size} bytes)", mebibytes(size))), mebibytes(*limit))]
    TooLarge { size: Option<u64>, limit: u64 },
    #[error("the document is not UTF-8 text: the byte at offset {offset} ({position}) is not valid UTF-8{}; save the file as UTF-8", if *offset < 2 { " (a UTF-16 file, or not text at all?)" } else { "" })]
    NotUtf8 { offset: usize, position: Position },
    #[error("the document is empty; `tenantry new` prints one to start from")]
    Empty,
    #[error("{}invalid {format} ({message}); correct the syntax there", at(*position))]
    Syntax {
        format: Format,
        position: Option<Position>,
        message: String,
    },
    #[error("{}{pointer} appears twice; keep only one of them", at(*position))]
    DuplicateKey {
        pointer: String,
        position: Option<Position>,
    },
    #[error("{}{} nested more than {limit} levels deep; a tenant document never needs that many, so this is not one", at(*position), pointer.as_ref().map_or_else(|| "the document is".to_owned(), |pointer| format!("{pointer} is")))]
    TooDeep {
        /// Where the nesting went too deep, when the parser could tell.
        pointer: Option<String>,
        limit: usize,
        position: Option<Position>,
    },
    #[error("{}the YAML's aliases (*name) expand to more data than a tenant document can hold (a \"billion laughs\"?); write the values out instead", at(*position))]
    AliasExpansion { position: Option<Position> },
    #[error("the document is {found}, not a map of fields; a tenant document starts with `schema_version: {SCHEMA_VERSION}` and `classification`")]
    NotAMapping { found: &'static str },
    #[error("/schema_version is {found}, but this version of Tenantry reads schema version {expected}; {}", version_advice(found, *expected))]
    SchemaVersion { found: String, expected: u32 },
    #[error("{}: {message}{}", if pointer.is_empty() { "the top level" } else { pointer }, field_hint(message))]
    Invalid { pointer: String, message: String },
    #[error("{}: {problem}", file.display())]
    InFile {
        file: PathBuf,
        problem: Box<LoadError>,
    },
}

impl LoadError {
    /// The problem itself, without the file it was found in.
    pub fn problem(&self) -> &LoadError {
        match self {
            LoadError::InFile { problem, .. } => problem.problem(),
            other => other,
        }
    }

    /// The JSON pointer of the offending field, when the error is about one.
    pub fn pointer(&self) -> Option<&str> {
        match self.problem() {
            LoadError::Invalid { pointer, .. } | LoadError::DuplicateKey { pointer, .. } => {
                Some(pointer)
            }
            LoadError::TooDeep { pointer, .. } => pointer.as_deref(),
            LoadError::SchemaVersion { .. } => Some("/schema_version"),
            _ => None,
        }
    }

    fn in_file(self, file: &Path) -> LoadError {
        LoadError::InFile {
            file: file.to_owned(),
            problem: Box::new(self),
        }
    }
}

/// "line 3, column 7: ", or nothing when the parser did not say.
fn at(position: Option<Position>) -> String {
    position.map_or_else(String::new, |position| format!("{position}: "))
}

fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

fn version_advice(found: &str, expected: u32) -> &'static str {
    match found.parse::<u64>() {
        Ok(version) if version > u64::from(expected) => {
            "it was written by a newer Tenantry: upgrade Tenantry to read it"
        }
        Ok(_) => "update the document to the current version (`tenantry schema` describes it)",
        Err(_) => "set it to the current version",
    }
}

/// How to fix the common field errors serde reports.
fn field_hint(message: &str) -> &'static str {
    if message.starts_with("unknown field") {
        "; remove it or correct its spelling (`tenantry schema` lists every field)"
    } else if message.starts_with("missing field") {
        "; add it (`tenantry schema` describes every field)"
    } else if message.starts_with("invalid type")
        || message.starts_with("invalid value")
        || message.starts_with("data did not match")
    {
        " (`tenantry schema` shows what each field accepts)"
    } else {
        ""
    }
}

/// Reads and parses a tenant document; the extension decides the format.
pub fn load_document(path: &Path) -> Result<TenantDocument, LoadError> {
    let (bytes, format) = read_document_file(path)?;
    parse_document(&bytes, format).map_err(|problem| problem.in_file(path))
}

/// Reads a document file as a generic JSON value (any format), checked for size,
/// encoding, syntax, nesting and duplicate keys, but not against the tenant schema.
pub fn load_value(path: &Path) -> Result<Value, LoadError> {
    let (bytes, format) = read_document_file(path)?;
    parse_value(&bytes, format).map_err(|problem| problem.in_file(path))
}

/// Parses a tenant document from the bytes of a file in `format`.
pub fn parse_document(bytes: &[u8], format: Format) -> Result<TenantDocument, LoadError> {
    let value = parse_value(bytes, format)?;
    document_from_value(value)
}

/// Parses the bytes of a file in `format` into a generic JSON value, with every check
/// that does not need the tenant schema: size, UTF-8, syntax, nesting, duplicate keys.
pub fn parse_value(bytes: &[u8], format: Format) -> Result<Value, LoadError> {
    let size = bytes.len() as u64;
    if size > MAX_DOCUMENT_BYTES {
        return Err(LoadError::TooLarge {
            size: Some(size),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(LoadError::Empty);
    }
    match format {
        Format::Json => json_value(text),
        Format::Yaml => yaml_value(text),
        Format::Toml => toml_value(text),
    }
}

/// Checks a generic value against the tenant schema and builds the document.
pub fn document_from_value(value: Value) -> Result<TenantDocument, LoadError> {
    let Value::Object(fields) = &value else {
        if value.is_null() {
            return Err(LoadError::Empty);
        }
        return Err(LoadError::NotAMapping {
            found: kind_of(&value),
        });
    };
    if let Some(Value::Number(version)) = fields.get("schema_version") {
        if version.as_u64() != Some(u64::from(SCHEMA_VERSION)) {
            return Err(LoadError::SchemaVersion {
                found: version.to_string(),
                expected: SCHEMA_VERSION,
            });
        }
    }
    serde_path_to_error::deserialize(value).map_err(|error| LoadError::Invalid {
        pointer: pointer_of(error.path()),
        message: error.inner().to_string(),
    })
}

/// Writes a document in `format`, as `tenantry new` prints it.
pub fn render_document(document: &TenantDocument, format: Format) -> Result<String, RenderError> {
    let failed = |message: String| RenderError { format, message };
    let mut text = match format {
        Format::Json => {
            serde_json::to_string_pretty(document).map_err(|e| failed(e.to_string()))?
        }
        Format::Toml => toml::to_string_pretty(document).map_err(|e| failed(e.to_string()))?,
        Format::Yaml => serde_saphyr::to_string(document).map_err(|e| failed(e.to_string()))?,
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[derive(Debug, thiserror::Error)]
#[error("could not write the document as {format}: {message}")]
pub struct RenderError {
    format: Format,
    message: String,
}

fn read_document_file(path: &Path) -> Result<(Vec<u8>, Format), LoadError> {
    if path.is_dir() {
        return Err(LoadError::NotAFile {
            file: path.to_owned(),
        });
    }
    let format = Format::from_path(path).ok_or_else(|| LoadError::UnknownFormat {
        file: path.to_owned(),
    })?;
    Ok((read_capped(path, MAX_DOCUMENT_BYTES)?, format))
}

/// Reads at most `limit` bytes of a file, refusing a larger one before reading it
/// when its size is known, and by reading no more than `limit + 1` bytes otherwise
/// (a pipe, a device, or a file that grows while it is read). For other files a
/// tenant document travels with, such as a catalog.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    let read_error = |source: io::Error| match source.kind() {
        io::ErrorKind::NotFound => LoadError::NotFound {
            file: path.to_owned(),
        },
        io::ErrorKind::IsADirectory => LoadError::NotAFile {
            file: path.to_owned(),
        },
        _ => LoadError::Read {
            file: path.to_owned(),
            source,
        },
    };
    let file = File::open(path).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
    if metadata.is_dir() {
        return Err(LoadError::NotAFile {
            file: path.to_owned(),
        });
    }
    let too_large = |size| LoadError::TooLarge { size, limit }.in_file(path);
    if metadata.is_file() && metadata.len() > limit {
        return Err(too_large(Some(metadata.len())));
    }
    let capacity = usize::try_from(metadata.len().min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(None));
    }
    Ok(bytes)
}

/// The text of the document: UTF-8, without a leading byte-order mark.
fn decode(bytes: &[u8]) -> Result<&str, LoadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        // The prefix up to `offset` is valid UTF-8 by definition.
        let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        LoadError::NotUtf8 {
            offset,
            position: Position::of_offset(valid, offset),
        }
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a single true/false value",
        Value::Number(_) => "a single number",
        Value::String(_) => "a single string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// A JSON pointer (RFC 6901) for a serde path.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => push_segment(&mut pointer, &index.to_string()),
            Segment::Map { key } => push_segment(&mut pointer, key),
            // Enum variants and unknown steps are not part of the document's shape.
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

// ---------------------------------------------------------------------------------
// Generic values under a nesting cap, with duplicate keys refused.

/// What the value builder refused, kept beside the parser's error (which only
/// carries a message) so that the error can name the field.
#[derive(Debug)]
enum Refusal {
    TooDeep(String),
    Duplicate(String),
}

#[derive(Default)]
struct Watch(RefCell<Option<Refusal>>);

impl Watch {
    fn refuse<E: de::Error>(&self, refusal: Refusal) -> E {
        let message = match &refusal {
            Refusal::TooDeep(pointer) => format!("{pointer} is nested too deep"),
            Refusal::Duplicate(pointer) => format!("duplicate key {pointer}"),
        };
        *self.0.borrow_mut() = Some(refusal);
        E::custom(message)
    }

    fn take(&self) -> Option<Refusal> {
        self.0.borrow_mut().take()
    }
}

/// One step of the path from the root to the value being built.
struct Frame<'f> {
    parent: Option<&'f Frame<'f>>,
    key: Key<'f>,
}

enum Key<'f> {
    Field(&'f str),
    Index(usize),
}

fn pointer_to(frame: Option<&Frame<'_>>) -> String {
    let mut keys = Vec::new();
    let mut next = frame;
    while let Some(frame) = next {
        keys.push(&frame.key);
        next = frame.parent;
    }
    let mut pointer = String::new();
    for key in keys.into_iter().rev() {
        match key {
            Key::Field(name) => push_segment(&mut pointer, name),
            Key::Index(index) => push_segment(&mut pointer, &index.to_string()),
        }
    }
    pointer
}

/// Builds a [`Value`] from any self-describing format, refusing to go deeper than
/// [`MAX_DEPTH`] (before the parser goes deeper) and refusing duplicate keys.
#[derive(Clone, Copy)]
struct ValueSeed<'w, 'f> {
    watch: &'w Watch,
    frame: Option<&'f Frame<'f>>,
    /// Lists and maps around the value.
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl ValueSeed<'_, '_> {
    fn enter<E: de::Error>(&self) -> Result<usize, E> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(self.watch.refuse(Refusal::TooDeep(pointer_to(self.frame))));
        }
        Ok(depth)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{value} is not a finite number")))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut items = Vec::new();
        loop {
            let frame = Frame {
                parent: self.frame,
                key: Key::Index(items.len()),
            };
            let seed = ValueSeed {
                watch: self.watch,
                frame: Some(&frame),
                depth,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let frame = Frame {
                parent: self.frame,
                key: Key::Field(&key),
            };
            if fields.contains_key(&key) {
                return Err(self
                    .watch
                    .refuse(Refusal::Duplicate(pointer_to(Some(&frame)))));
            }
            let value = map.next_value_seed(ValueSeed {
                watch: self.watch,
                frame: Some(&frame),
                depth,
            })?;
            fields.insert(key, value);
        }
        Ok(Value::Object(fields))
    }
}

fn refused(refusal: Refusal, position: Option<Position>) -> LoadError {
    match refusal {
        Refusal::TooDeep(pointer) => LoadError::TooDeep {
            pointer: Some(pointer),
            limit: MAX_DEPTH,
            position,
        },
        Refusal::Duplicate(pointer) => LoadError::DuplicateKey { pointer, position },
    }
}

/// A parser's complaint. The parsers' own nesting limits (serde_json 128, TOML 80,
/// YAML flow collections) are reported like ours, only without the field's path.
fn syntax(format: Format, position: Option<Position>, message: &str) -> LoadError {
    if message.contains("recursion limit") || message.contains("cannot recurse") {
        return LoadError::TooDeep {
            pointer: None,
            limit: MAX_DEPTH,
            position,
        };
    }
    LoadError::Syntax {
        format,
        position,
        message: message.trim_end_matches('.').to_owned(),
    }
}

fn json_value(text: &str) -> Result<Value, LoadError> {
    let watch = Watch::default();
    let seed = ValueSeed {
        watch: &watch,
        frame: None,
        depth: 0,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = seed
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    result.map_err(|error| {
        let position = (error.line() > 0).then(|| Position {
            line: error.line(),
            column: error.column().max(1),
        });
        if let Some(refusal) = watch.take() {
            return refused(refusal, position);
        }
        // serde_json appends the position to its message; it is reported separately.
        let message = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        syntax(
            Format::Json,
            position,
            message.strip_suffix(&suffix).unwrap_or(&message),
        )
    })
}

fn yaml_value(text: &str) -> Result<Value, LoadError> {
    parse_yaml(text, true).map_err(|failure| {
        let YamlFailure {
            position,
            message,
            refusal,
        } = *failure;
        match refusal {
            // The value builder does not learn where the parser is; the parser's own
            // duplicate check (a second pass, only on this error path) tells the line.
            Some(refusal @ Refusal::Duplicate(_)) => {
                let position = parse_yaml(text, false)
                    .err()
                    .and_then(|failure| failure.position)
                    .or(position);
                refused(refusal, position)
            }
            Some(refusal) => refused(refusal, position),
            None if message.starts_with("alias replay") => LoadError::AliasExpansion { position },
            None => syntax(Format::Yaml, position, &message),
        }
    })
}

/// What went wrong in one YAML pass: the parser's error, and the value builder's
/// refusal when it was the builder that stopped.
struct YamlFailure {
    position: Option<Position>,
    message: String,
    refusal: Option<Refusal>,
}

fn yaml_position(error: &serde_saphyr::Error) -> Option<Position> {
    error.location().map(|location| Position {
        line: usize::try_from(location.line()).unwrap_or(usize::MAX),
        column: usize::try_from(location.column()).unwrap_or(usize::MAX),
    })
}

/// Parses YAML into a value; `pass_duplicates` lets the value builder refuse
/// duplicate keys (with their path) instead of the parser (with their position).
fn parse_yaml(text: &str, pass_duplicates: bool) -> Result<Value, Box<YamlFailure>> {
    let watch = Watch::default();
    let seed = ValueSeed {
        watch: &watch,
        frame: None,
        depth: 0,
    };
    let duplicate_keys = if pass_duplicates {
        serde_saphyr::DuplicateKeyPolicy::PassThrough
    } else {
        serde_saphyr::DuplicateKeyPolicy::Error
    };
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            // Our own cap (with the field's path) comes first; this is the backstop.
            max_depth: MAX_DEPTH * 2,
            flow_nesting_limit: MAX_DEPTH * 2,
            max_documents: 1,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_YAML_ALIAS_EVENTS,
        },
        duplicate_keys: duplicate_keys,
        with_snippet: false,
    };
    serde_saphyr::with_deserializer_from_str_with_options(text, options, |deserializer| {
        seed.deserialize(deserializer)
    })
    .map_err(|error| {
        Box::new(YamlFailure {
            position: yaml_position(&error),
            message: yaml_message(&error),
            refusal: watch.take(),
        })
    })
}

/// serde-saphyr's message without the position it appends (reported separately).
fn yaml_message(error: &serde_saphyr::Error) -> String {
    let message = error.without_snippet().to_string();
    let message = match error.location() {
        Some(location) => {
            let suffix = format!(" at line {}, column {}", location.line(), location.column());
            message
                .strip_suffix(&suffix)
                .map(str::to_owned)
                .unwrap_or(message)
        }
        None => message,
    };
    message
}

fn toml_value(text: &str) -> Result<Value, LoadError> {
    let table: toml::Table = toml::from_str(text).map_err(|error| {
        let position = error
            .span()
            .map(|span| Position::of_offset(text, span.start));
        syntax(Format::Toml, position, error.message().trim_end())
    })?;
    toml_to_json(toml::Value::Table(table), None, 0)
}

/// TOML's own parser caps nesting (at 80); this caps it at [`MAX_DEPTH`] like the
/// other formats, and writes dates as the RFC 3339 strings the document expects.
fn toml_to_json(
    value: toml::Value,
    frame: Option<&Frame<'_>>,
    depth: usize,
) -> Result<Value, LoadError> {
    let container_depth = || {
        let depth = depth + 1;
        if depth > MAX_DEPTH {
            Err(refused(Refusal::TooDeep(pointer_to(frame)), None))
        } else {
            Ok(depth)
        }
    };
    Ok(match value {
        toml::Value::String(text) => Value::String(text),
        toml::Value::Integer(number) => Value::Number(number.into()),
        // TOML allows nan and inf; JSON (and the document) has no use for them.
        toml::Value::Float(number) => {
            Value::Number(Number::from_f64(number).ok_or_else(|| LoadError::Invalid {
                pointer: pointer_to(frame),
                message: format!("{number} is not a number a tenant document can hold"),
            })?)
        }
        toml::Value::Boolean(flag) => Value::Bool(flag),
        toml::Value::Datetime(datetime) => Value::String(datetime.to_string()),
        toml::Value::Array(items) => {
            let depth = container_depth()?;
            let mut converted = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                let frame = Frame {
                    parent: frame,
                    key: Key::Index(index),
                };
                converted.push(toml_to_json(item, Some(&frame), depth)?);
            }
            Value::Array(converted)
        }
        toml::Value::Table(table) => {
            let depth = container_depth()?;
            let mut converted = Map::new();
            for (key, item) in table {
                let frame = Frame {
                    parent: frame,
                    key: Key::Field(&key),
                };
                let item = toml_to_json(item, Some(&frame), depth)?;
                converted.insert(key, item);
            }
            Value::Object(converted)
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use serde_json::json;

    use super::*;
    use crate::tenant::Regulation;
    use crate::{ClientName, Industry};

    fn hipaa_tenant() -> TenantDocument {
        let name = ClientName::parse("Acme Health").expect("valid name");
        TenantDocument::with_safe_defaults(&name, Industry::Healthcare, &[Regulation::Hipaa])
            .expect("valid")
    }

    fn tenant_value() -> Value {
        serde_json::to_value(hipaa_tenant()).expect("json")
    }

    fn without_nulls(value: Value) -> Value {
        match value {
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .filter(|(_, value)| !value.is_null())
                    .map(|(key, value)| (key, without_nulls(value)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
            other => other,
        }
    }

    /// A generic value written in `format`, as a person would write it.
    fn render(value: &Value, format: Format) -> String {
        match format {
            Format::Json => serde_json::to_string_pretty(value).expect("json"),
            Format::Toml => toml::to_string(&without_nulls(value.clone())).expect("toml"),
            Format::Yaml => serde_saphyr::to_string(value).expect("yaml"),
        }
    }

    fn error_for(value: &Value, format: Format) -> LoadError {
        let text = render(value, format);
        match parse_document(text.as_bytes(), format) {
            Ok(_) => panic!("{format} accepted:\n{text}"),
            Err(error) => error,
        }
    }

    fn assert_mentions(error: &LoadError, parts: &[&str]) {
        let message = error.to_string();
        for part in parts {
            assert!(message.contains(part), "{message:?} lacks {part:?}");
        }
    }

    #[test]
    fn formats_come_from_the_extension() {
        for (name, format) in [
            ("a.json", Some(Format::Json)),
            ("a.JSON", Some(Format::Json)),
            ("dir/a.toml", Some(Format::Toml)),
            ("a.yaml", Some(Format::Yaml)),
            ("a.yml", Some(Format::Yaml)),
            ("a.txt", None),
            ("json", None),
            ("a.json.bak", None),
        ] {
            assert_eq!(Format::from_path(Path::new(name)), format, "{name}");
        }
    }

    #[test]
    fn a_document_round_trips_through_every_format() {
        let document = hipaa_tenant();
        for format in Format::ALL {
            let text = render_document(&document, format).expect("render");
            let back = parse_document(text.as_bytes(), format)
                .unwrap_or_else(|error| panic!("{format}: {error}\n{text}"));
            assert_eq!(back, document, "{format}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let text = render_document(&hipaa_tenant(), Format::Json).expect("render");
        let bytes = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        parse_document(&bytes, Format::Json).expect("a BOM is not an error");
    }

    #[test]
    fn toml_dates_may_be_written_bare() {
        let text = render_document(&hipaa_tenant(), Format::Toml).expect("render");
        let text = text.replace(
            "[classification]\n",
            "[classification]\ndocumented_by = \"dana@example.com\"\ndocumented_at = 2026-01-05T10:00:00Z\n",
        );
        let document = parse_document(text.as_bytes(), Format::Toml).expect("a bare TOML date");
        assert_eq!(
            document
                .classification
                .documented_at
                .map(|at| at.to_string())
                .as_deref(),
            Some("2026-01-05T10:00:00Z")
        );
    }

    #[test]
    fn an_oversized_document_is_refused_before_parsing() {
        let bytes = vec![b' '; usize::try_from(MAX_DOCUMENT_BYTES).expect("fits") + 1];
        for format in Format::ALL {
            let error = parse_document(&bytes, format).expect_err("too large");
            assert!(matches!(error, LoadError::TooLarge { .. }), "{error:?}");
            assert_mentions(&error, &["over the limit of 1 MiB", "1048577 bytes"]);
        }
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_offset_and_line() {
        for format in Format::ALL {
            let mut bytes = render(&tenant_value(), format).into_bytes();
            let line_three = bytes
                .iter()
                .enumerate()
                .filter(|(_, byte)| **byte == b'\n')
                .nth(1)
                .map(|(index, _)| index + 1)
                .expect("three lines");
            bytes.insert(line_three + 2, 0xFF);
            let error = parse_document(&bytes, format).expect_err("not UTF-8");
            assert_mentions(
                &error,
                &[
                    &format!("offset {}", line_three + 2),
                    "line 3, column 3",
                    "save the file as UTF-8",
                ],
            );
        }
        let error = parse_document(b"\xFF\xFE{\x00", Format::Json).expect_err("UTF-16");
        assert_mentions(&error, &["offset 0", "UTF-16"]);
    }

    #[test]
    fn malformed_syntax_names_line_and_column() {
        for (format, text, position) in [
            (
                Format::Json,
                "{\n  \"schema_version\": 1,,\n}",
                "line 2, column 23",
            ),
            (
                Format::Toml,
                "schema_version = 1\n[tenant\n",
                "line 2, column 8",
            ),
            (
                Format::Yaml,
                "schema_version: 1\nai: [1, 2\nb: 3\n",
                "line 3, column 2",
            ),
        ] {
            let error = parse_document(text.as_bytes(), format).expect_err("malformed");
            assert!(matches!(error, LoadError::Syntax { .. }), "{error:?}");
            assert_mentions(&error, &[position, &format!("invalid {format}")]);
        }
    }

    #[test]
    fn empty_documents_and_non_maps_are_refused() {
        for format in Format::ALL {
            let error = parse_document(b"  \n", format).expect_err("empty");
            assert!(matches!(error, LoadError::Empty), "{format}: {error:?}");
        }
        let error = parse_document(b"# just a comment\n", Format::Yaml).expect_err("empty");
        assert!(matches!(error, LoadError::Empty), "{error:?}");
        let error = parse_document(b"[1, 2]", Format::Json).expect_err("a list");
        assert_mentions(&error, &["the document is a list, not a map of fields"]);
        let error = parse_document(b"- a\n", Format::Yaml).expect_err("a list");
        assert_mentions(&error, &["a list"]);
    }

    fn nested(format: Format, levels: usize) -> String {
        let (open, close) = ("[".repeat(levels), "]".repeat(levels));
        match format {
            Format::Json => format!("{{\"services\": {open}{close}}}"),
            Format::Toml => format!("services = {open}{close}\n"),
            Format::Yaml => format!("services: {open}{close}\n"),
        }
    }

    #[test]
    fn nesting_beyond_the_cap_is_refused_with_its_path() {
        let deepest = format!("/services{}", "/0".repeat(MAX_DEPTH - 1));
        for format in Format::ALL {
            let text = nested(format, MAX_DEPTH);
            let error = parse_value(text.as_bytes(), format).expect_err("too deep");
            assert!(matches!(error, LoadError::TooDeep { .. }), "{error:?}");
            assert_eq!(error.pointer(), Some(deepest.as_str()), "{format}");
            assert_mentions(&error, &["nested more than 32 levels deep"]);
            // One level less is fine as far as nesting goes.
            parse_value(nested(format, MAX_DEPTH - 1).as_bytes(), format)
                .unwrap_or_else(|error| panic!("{format}: {error}"));
        }
        let error = parse_value(nested(Format::Json, MAX_DEPTH).as_bytes(), Format::Json)
            .expect_err("too deep");
        assert_mentions(&error, &["line 1, column 46"]);
    }

    #[test]
    fn pathological_nesting_never_overflows_the_stack() {
        for format in Format::ALL {
            for text in [
                nested(format, 100_000),
                "[".repeat(100_000),
                "{\"a\":".repeat(50_000),
                format!("a:\n{}", "  - ".repeat(10_000)),
            ] {
                let error = parse_value(text.as_bytes(), format).expect_err("refused");
                assert!(
                    matches!(error, LoadError::TooDeep { .. } | LoadError::Syntax { .. }),
                    "{format}: {error:?}"
                );
            }
        }
        let toml_header = format!("[{}]\nx = 1\n", vec!["a"; 100_000].join("."));
        let error = parse_value(toml_header.as_bytes(), Format::Toml).expect_err("deep table");
        assert!(matches!(error, LoadError::TooDeep { .. }), "{error:?}");
        let toml_header = format!("[{}]\nx = 1\n", vec!["a"; 40].join("."));
        let error = parse_value(toml_header.as_bytes(), Format::Toml).expect_err("deep table");
        assert_eq!(error.pointer(), Some("/a".repeat(MAX_DEPTH).as_str()));
        let yaml_blocks: String = (0..40)
            .map(|level| format!("{}k:\n", "  ".repeat(level)))
            .collect();
        let error = parse_value(yaml_blocks.as_bytes(), Format::Yaml).expect_err("deep maps");
        assert_eq!(error.pointer(), Some("/k".repeat(MAX_DEPTH).as_str()));
    }

    #[test]
    fn duplicate_keys_are_refused_in_every_format() {
        let error = parse_value(b"{\"ai\": {\"tools\": [], \"tools\": []}}", Format::Json)
            .expect_err("duplicate");
        assert!(matches!(error, LoadError::DuplicateKey { .. }), "{error:?}");
        assert_mentions(&error, &["line 1, column 28", "/ai/tools appears twice"]);
        let error =
            parse_value(b"ai:\n  tools: []\n  tools: []\n", Format::Yaml).expect_err("duplicate");
        assert_mentions(&error, &["line 3, column 3", "/ai/tools appears twice"]);
        let error =
            parse_value(b"[ai]\ntools = []\ntools = []\n", Format::Toml).expect_err("duplicate");
        assert_mentions(&error, &["line 3, column 1", "duplicate key"]);
    }

    #[test]
    fn yaml_alias_bombs_are_refused_without_expanding_them() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            let aliases = vec![format!("*{previous}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        }
        let started = std::time::Instant::now();
        let error = parse_value(text.as_bytes(), Format::Yaml).expect_err("a bomb");
        assert!(
            matches!(error, LoadError::AliasExpansion { .. }),
            "{error:?}"
        );
        assert_mentions(&error, &["line 5", "aliases", "billion laughs"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // Ordinary reuse of an anchor is fine.
        let reuse = "contact: &dana {name: Dana, email: dana@example.com}\nagain: *dana\n";
        let value = parse_value(reuse.as_bytes(), Format::Yaml).expect("an alias");
        assert_eq!(value["again"]["name"], "Dana");
    }

    #[test]
    fn unknown_fields_are_named_with_their_path() {
        let mut value = tenant_value();
        value["ai"]["monthly_budget_usd"] = json!(100);
        for format in Format::ALL {
            let error = error_for(&value, format);
            assert_eq!(error.pointer(), Some("/ai/monthly_budget_usd"), "{format}");
            assert_mentions(
                &error,
                &[
                    "/ai/monthly_budget_usd: unknown field `monthly_budget_usd`",
                    "monthly_budget_cents",
                    "remove it or correct its spelling",
                ],
            );
        }
        let mut value = tenant_value();
        value["colour"] = json!("blue");
        for format in Format::ALL {
            assert_mentions(
                &error_for(&value, format),
                &["/colour: unknown field `colour`"],
            );
        }
    }

    #[test]
    fn wrong_types_and_values_carry_the_types_own_message_and_path() {
        let tenant_id = hipaa_tenant().tenant.id;
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "/ai/monthly_budget_cents",
                json!("lots"),
                "invalid type: string \"lots\", expected u32",
            ),
            (
                "/ai/monthly_budget_cents",
                json!(-5),
                "invalid value: integer `-5`, expected u32",
            ),
            (
                "/classification/regulations",
                json!(["hipa"]),
                "unknown variant `hipa`, expected one of `hipaa`",
            ),
            (
                "/classification/compliance_mode",
                json!("lenient"),
                "unknown variant `lenient`",
            ),
            (
                "/tenant/slug",
                json!("\u{0430}cme"),
                "looks like the Latin 'a' but is not",
            ),
            (
                "/tenant/slug",
                json!("-acme"),
                "does not start or end with a hyphen",
            ),
            ("/tenant/id", json!("acme"), "'acme' is not a tenant id"),
            (
                "/integrations",
                json!([{"vendor": "stripe", "purpose": "payments", "secret_ref": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"}]),
                "looks like a Stripe secret key",
            ),
            (
                "/integrations",
                json!([{"vendor": "stripe", "purpose": "payments", "secret_ref": format!("vault://{tenant_id}/x")}]),
                "is not a secret reference",
            ),
            (
                "/frontend",
                json!({"strategy": "client_frontend"}),
                "missing field `app_path`",
            ),
        ];
        for (path, replacement, expected) in cases {
            let mut value = tenant_value();
            *value.pointer_mut(path).expect("path exists") = replacement;
            for format in Format::ALL {
                let error = error_for(&value, format);
                assert!(matches!(error, LoadError::Invalid { .. }), "{error:?}");
                let pointer = error.pointer().expect("a pointer").to_owned();
                assert!(pointer.starts_with(path), "{format}: {pointer} for {path}");
                assert_mentions(&error, &[&format!("{pointer}: "), expected]);
                assert!(
                    !error.to_string().contains("4eC39"),
                    "a secret is never echoed"
                );
            }
        }
    }

    #[test]
    fn another_schema_version_is_named_with_ours() {
        for (version, advice) in [(2, "upgrade Tenantry"), (0, "update the document")] {
            let mut value = tenant_value();
            value["schema_version"] = json!(version);
            // A newer document may have fields this version does not know: the version
            // is what to report, not the fields.
            value["ai"]["fields_from_the_future"] = json!(true);
            for format in Format::ALL {
                let error = error_for(&value, format);
                assert!(
                    matches!(error, LoadError::SchemaVersion { .. }),
                    "{error:?}"
                );
                assert_mentions(
                    &error,
                    &[
                        &format!("/schema_version is {version}"),
                        "reads schema version 1",
                        advice,
                    ],
                );
            }
        }
    }

    #[test]
    fn files_are_read_by_extension_with_their_name_in_every_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let document = hipaa_tenant();
        for format in Format::ALL {
            let path = dir.path().join(format!("tenant.{}", format.extension()));
            let text = render_document(&document, format).expect("render");
            std::fs::write(&path, text).expect("write");
            assert_eq!(load_document(&path).expect("load"), document);
            assert!(load_value(&path).expect("value").is_object());
        }
        let broken = dir.path().join("broken.yaml");
        std::fs::write(&broken, "schema_version: [\n").expect("write");
        let error = load_document(&broken).expect_err("broken");
        assert!(error
            .to_string()
            .starts_with(&format!("{}: line ", broken.display())));
        assert!(matches!(error.problem(), LoadError::Syntax { .. }));

        let text_file = dir.path().join("tenant.txt");
        std::fs::write(&text_file, "{}").expect("write");
        let error = load_document(&text_file).expect_err("unknown format");
        assert_mentions(
            &error,
            &["cannot tell the format of", "tenant.txt", "*.yaml"],
        );

        let error = load_document(&dir.path().join("missing.json")).expect_err("missing");
        assert_mentions(&error, &["there is no file", "missing.json"]);

        let folder = dir.path().join("folder.json");
        std::fs::create_dir(&folder).expect("mkdir");
        let error = load_document(&folder).expect_err("a directory");
        assert_mentions(&error, &["folder.json is a directory"]);
        let error = load_document(dir.path()).expect_err("a directory");
        assert!(matches!(error, LoadError::NotAFile { .. }), "{error:?}");
    }

    #[test]
    fn a_huge_file_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("huge.json");
        // A sparse 10 GiB file: reading it would take minutes and all the memory.
        let file = File::create(&path).expect("create");
        file.set_len(10 * 1024 * 1024 * 1024).expect("sparse file");
        let started = std::time::Instant::now();
        let error = load_document(&path).expect_err("too large");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(matches!(
            error.problem(),
            LoadError::TooLarge { size: Some(_), .. }
        ));
        assert_mentions(
            &error,
            &["huge.json: the file is 10240 MiB", "the limit of 1 MiB"],
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_stream_is_cut_at_the_cap() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
        let error = load_document(&path).expect_err("endless");
        assert!(
            matches!(error.problem(), LoadError::TooLarge { size: None, .. }),
            "{error:?}"
        );
        assert_mentions(&error, &["larger than 1 MiB"]);
    }

    #[test]
    fn binary_garbage_is_a_clear_error() {
        let mut garbage = Vec::new();
        let mut state: u32 = 12345;
        for _ in 0..4096 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            garbage.push((state >> 16) as u8);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        for format in Format::ALL {
            let path = dir.path().join(format!("garbage.{}", format.extension()));
            File::create(&path)
                .and_then(|mut file| file.write_all(&garbage))
                .expect("write");
            let error = load_document(&path).expect_err("garbage");
            assert!(
                matches!(error.problem(), LoadError::NotUtf8 { .. }),
                "{error:?}"
            );
        }
        // Valid UTF-8 that is not a document: NUL bytes and control characters.
        for format in Format::ALL {
            let error = parse_document(b"\0\0\x01\x02", format).expect_err("garbage");
            assert!(
                matches!(error, LoadError::Syntax { .. }),
                "{format}: {error:?}"
            );
        }
    }

    #[test]
    fn positions_count_characters_from_one() {
        assert_eq!(
            Position::of_offset("ab\ncd", 0),
            Position { line: 1, column: 1 }
        );
        assert_eq!(
            Position::of_offset("ab\ncd", 4),
            Position { line: 2, column: 2 }
        );
        assert_eq!(
            Position::of_offset("é\nx", 3),
            Position { line: 2, column: 1 }
        );
        assert_eq!(
            Position::of_offset("éé", 2),
            Position { line: 1, column: 2 }
        );
        assert_eq!(
            Position::of_offset("ab", 99),
            Position { line: 1, column: 3 }
        );
    }
}
