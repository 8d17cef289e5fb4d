//! JSON pointers (RFC 6901): `/ai/allowed_models/0` names one value in a document.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    #[error("'{0}' is not a JSON pointer: it must be empty or start with '/'")]
    NoLeadingSlash(String),
    #[error("'{0}' has a bad escape: '~' must be followed by 0 or 1")]
    BadEscape(String),
    #[error("nothing at {0}")]
    Missing(String),
    #[error("{0} cannot be set: its parent is neither an object nor an array")]
    NotAContainer(String),
    #[error("{path}: '{token}' is not an index into an array of {len}")]
    BadIndex {
        path: String,
        token: String,
        len: usize,
    },
    #[error("the document root cannot be removed")]
    RemoveRoot,
}

/// The unescaped reference tokens of `pointer`.
pub fn parse(pointer: &str) -> Result<Vec<String>, PointerError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let rest = pointer
        .strip_prefix('/')
        .ok_or_else(|| PointerError::NoLeadingSlash(pointer.to_owned()))?;
    rest.split('/')
        .map(|token| unescape(token).ok_or_else(|| PointerError::BadEscape(pointer.to_owned())))
        .collect()
}

fn unescape(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Escapes one token for use in a pointer.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends `token` to `base`.
pub fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape(token))
}

fn index(path: &str, token: &str, len: usize, allow_end: bool) -> Result<usize, PointerError> {
    let bad = || PointerError::BadIndex {
        path: path.to_owned(),
        token: token.to_owned(),
        len,
    };
    // No signs, no leading zeros: one index has one spelling.
    if token.is_empty()
        || (token.len() > 1 && token.starts_with('0'))
        || !token.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let i: usize = token.parse().map_err(|_| bad())?;
    if i < len || (allow_end && i == len) {
        Ok(i)
    } else {
        Err(bad())
    }
}

/// The value at `pointer`, if there is one.
pub fn get<'a>(doc: &'a Value, pointer: &str) -> Result<Option<&'a Value>, PointerError> {
    let mut current = doc;
    for token in parse(pointer)? {
        current = match current {
            Value::Object(map) => match map.get(&token) {
                Some(value) => value,
                None => return Ok(None),
            },
            Value::Array(items) => match index(pointer, &token, items.len(), false) {
                Ok(i) => &items[i],
                Err(_) => return Ok(None),
            },
            _ => return Ok(None),
        };
    }
    Ok(Some(current))
}

/// Sets the value at `pointer`: replaces an object member or array element, adds a new
/// object member, or appends when the index equals the array's length.
pub fn set(doc: &mut Value, pointer: &str, value: Value) -> Result<(), PointerError> {
    let mut tokens = parse(pointer)?;
    let Some(last) = tokens.pop() else {
        *doc = value;
        return Ok(());
    };
    let parent = walk_mut(doc, pointer, &tokens)?;
    match parent {
        Value::Object(map) => {
            map.insert(last, value);
            Ok(())
        }
        Value::Array(items) => {
            let i = index(pointer, &last, items.len(), true)?;
            if i == items.len() {
                items.push(value);
            } else {
                items[i] = value;
            }
            Ok(())
        }
        _ => Err(PointerError::NotAContainer(pointer.to_owned())),
    }
}

/// Removes the value at `pointer` and returns it.
pub fn remove(doc: &mut Value, pointer: &str) -> Result<Value, PointerError> {
    let mut tokens = parse(pointer)?;
    let last = tokens.pop().ok_or(PointerError::RemoveRoot)?;
    let parent = walk_mut(doc, pointer, &tokens)?;
    match parent {
        Value::Object(map) => map
            .remove(&last)
            .ok_or_else(|| PointerError::Missing(pointer.to_owned())),
        Value::Array(items) => {
            let i = index(pointer, &last, items.len(), false)?;
            Ok(items.remove(i))
        }
        _ => Err(PointerError::Missing(pointer.to_owned())),
    }
}

fn walk_mut<'a>(
    doc: &'a mut Value,
    pointer: &str,
    tokens: &[String],
) -> Result<&'a mut Value, PointerError> {
    let mut current = doc;
    for token in tokens {
        current = match current {
            Value::Object(map) => map
                .get_mut(token)
                .ok_or_else(|| PointerError::Missing(pointer.to_owned()))?,
            Value::Array(items) => {
                let i = index(pointer, token, items.len(), false)?;
                &mut items[i]
            }
            _ => return Err(PointerError::Missing(pointer.to_owned())),
        };
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_escapes_per_rfc_6901() {
        assert_eq!(parse("").expect("root"), Vec::<String>::new());
        assert_eq!(parse("/a~1b/c~0d/0").expect("ok"), vec!["a/b", "c~d", "0"]);
        assert_eq!(join("/flags", "a/b~c"), "/flags/a~1b~0c");
        assert!(matches!(parse("a/b"), Err(PointerError::NoLeadingSlash(_))));
        assert!(matches!(parse("/a~2"), Err(PointerError::BadEscape(_))));
    }

    #[test]
    fn gets_sets_and_removes() {
        let mut doc = json!({"ai": {"models": ["a", "b"]}});
        assert_eq!(get(&doc, "/ai/models/1").expect("ok"), Some(&json!("b")));
        assert_eq!(get(&doc, "/ai/models/2").expect("ok"), None);
        assert_eq!(get(&doc, "/nope/deeper").expect("ok"), None);
        set(&mut doc, "/ai/models/2", json!("c")).expect("append");
        set(&mut doc, "/ai/budget", json!(5)).expect("add member");
        assert_eq!(doc, json!({"ai": {"models": ["a", "b", "c"], "budget": 5}}));
        assert_eq!(
            remove(&mut doc, "/ai/models/0").expect("remove"),
            json!("a")
        );
        assert_eq!(doc["ai"]["models"], json!(["b", "c"]));
    }

    #[test]
    fn refuses_sloppy_indices_and_missing_parents() {
        let mut doc = json!({"list": [1, 2]});
        for token in ["01", "-1", "+1", "x", "3", ""] {
            assert!(
                set(&mut doc, &format!("/list/{token}"), json!(0)).is_err(),
                "{token}"
            );
        }
        assert!(matches!(
            set(&mut doc, "/missing/x", json!(1)),
            Err(PointerError::Missing(_))
        ));
        assert!(matches!(
            remove(&mut doc, ""),
            Err(PointerError::RemoveRoot)
        ));
        assert!(matches!(
            set(&mut doc, "/list/0/x", json!(1)),
            Err(PointerError::NotAContainer(_))
        ));
    }
}
