//! Python-style JSON: Omi's backend wrote exports with Python's `json` module, whose
//! default `allow_nan=True` emits the bare tokens `NaN`, `Infinity` and `-Infinity` for
//! non-finite floats (RFC 8259 has no such tokens, so serde_json refuses them).
//!
//! [`scan`] finds the end of one value the way Python's `json.loads` reads it, accepting
//! those tokens, and lists where they are with the path of the field holding them.
//! [`with_sentinels`] rewrites a value's text with each token replaced by
//! [`SENTINEL_KEY`] object (`{"$nonfinite":"NaN"}`), which typed fields read with
//! [`de_display_f64`] accept as "not a number" and every other field rejects (so a
//! non-finite number in a field that decides the embedding text or the metadata makes the
//! record bad, reported with the field named, and is never written anywhere).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};

/// The key of the object that stands for a non-finite number in rewritten text.
pub const SENTINEL_KEY: &str = "$nonfinite";

/// Deepest nesting accepted (serde_json's own recursion limit).
const MAX_DEPTH: usize = 128;

/// One bare non-finite token.
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    /// Byte offset of the token in the scanned buffer.
    pub offset: usize,
    /// The token as written: `NaN`, `Infinity` or `-Infinity`.
    pub token: &'static str,
    /// Where it is, relative to the scanned value: `transcript_segments[2].start`.
    pub path: String,
}

impl NonFinite {
    /// The first key of the path (`transcript_segments` for `transcript_segments[2].start`).
    pub fn top_key(&self) -> &str {
        let end = self.path.find(['.', '[']).unwrap_or(self.path.len());
        &self.path[..end]
    }
}

/// A scan failure: the byte offset and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub offset: usize,
    pub message: &'static str,
}

#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn render_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                // Keys come from the file: control characters are shown escaped.
                for c in k.chars() {
                    if c.is_control() {
                        s.extend(c.escape_default());
                    } else {
                        s.push(c);
                    }
                }
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
    path: Vec<Seg>,
    found: Vec<NonFinite>,
}

/// Scan the value at `buf[start..]` (after optional whitespace): its end offset and the
/// non-finite tokens in it. Accepts exactly JSON plus `NaN`, `Infinity`, `-Infinity`.
pub fn scan(buf: &[u8], start: usize) -> Result<(usize, Vec<NonFinite>), ScanError> {
    let mut s = Scanner {
        buf,
        pos: start,
        path: Vec::new(),
        found: Vec::new(),
    };
    s.ws();
    s.value(0)?;
    Ok((s.pos, s.found))
}

impl Scanner<'_> {
    fn err(&self, message: &'static str) -> ScanError {
        ScanError {
            offset: self.pos.min(self.buf.len()),
            message,
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.buf.get(self.pos) {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> bool {
        if self.buf[self.pos..].starts_with(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), ScanError> {
        if depth > MAX_DEPTH {
            return Err(self.err("recursion limit exceeded"));
        }
        match self.buf.get(self.pos) {
            None => Err(self.err("EOF while parsing a value")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') if self.literal(b"true") => Ok(()),
            Some(b'f') if self.literal(b"false") => Ok(()),
            Some(b'n') if self.literal(b"null") => Ok(()),
            Some(b'N') if self.literal(b"NaN") => {
                self.non_finite(3, "NaN");
                Ok(())
            }
            Some(b'I') if self.literal(b"Infinity") => {
                self.non_finite(8, "Infinity");
                Ok(())
            }
            Some(b'-') if self.buf[self.pos..].starts_with(b"-Infinity") => {
                self.pos += 9;
                self.non_finite(9, "-Infinity");
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected value")),
        }
    }

    fn non_finite(&mut self, len: usize, token: &'static str) {
        self.found.push(NonFinite {
            offset: self.pos - len,
            token,
            path: render_path(&self.path),
        });
    }

    fn number(&mut self) -> Result<(), ScanError> {
        let digits = |s: &mut Self| {
            let from = s.pos;
            while s.buf.get(s.pos).is_some_and(u8::is_ascii_digit) {
                s.pos += 1;
            }
            s.pos > from
        };
        if self.buf.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        if !digits(self) {
            return Err(self.err("invalid number"));
        }
        if self.buf.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.err("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.buf.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.buf.get(self.pos) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.err("invalid number"));
            }
        }
        Ok(())
    }

    /// A string; returns its decoded text only when it has no escapes that need work
    /// beyond the plain ones (keys are short; the text is used for paths).
    fn string(&mut self) -> Result<String, ScanError> {
        self.pos += 1; // `"`
        let from = self.pos;
        let mut plain = true;
        loop {
            match self.buf.get(self.pos) {
                None => return Err(self.err("EOF while parsing a string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    plain = false;
                    match self.buf.get(self.pos + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 2
                        }
                        Some(b'u') => {
                            let hex = self.buf.get(self.pos + 2..self.pos + 6);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.err("invalid escape"));
                            }
                            self.pos += 6;
                        }
                        None => return Err(self.err("EOF while parsing a string")),
                        Some(_) => return Err(self.err("invalid escape")),
                    }
                }
                Some(b) if *b < 0x20 => {
                    return Err(self.err("control character found while parsing a string"));
                }
                Some(_) => self.pos += 1,
            }
        }
        let raw = &self.buf[from..self.pos];
        self.pos += 1;
        let text = if plain {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            // Decode escapes the standard way (the raw text is valid JSON string content).
            let quoted = &self.buf[from - 1..self.pos];
            serde_json::from_slice::<String>(quoted)
                .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
        };
        Ok(text)
    }

    fn array(&mut self, depth: usize) -> Result<(), ScanError> {
        self.pos += 1;
        self.ws();
        if self.buf.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            self.ws();
            self.path.push(Seg::Index(index));
            self.value(depth + 1)?;
            self.path.pop();
            self.ws();
            match self.buf.get(self.pos) {
                Some(b',') => {
                    self.pos += 1;
                    index += 1;
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return Err(self.err("EOF while parsing a list")),
                Some(_) => return Err(self.err("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), ScanError> {
        self.pos += 1;
        self.ws();
        if self.buf.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            match self.buf.get(self.pos) {
                Some(b'"') => {}
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("key must be a string")),
            }
            let key = self.string()?;
            self.ws();
            match self.buf.get(self.pos) {
                Some(b':') => self.pos += 1,
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("expected `:`")),
            }
            self.ws();
            self.path.push(Seg::Key(key));
            self.value(depth + 1)?;
            self.path.pop();
            self.ws();
            match self.buf.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                None => return Err(self.err("EOF while parsing an object")),
                Some(_) => return Err(self.err("expected `,` or `}`")),
            }
        }
    }
}

/// `text` (one scanned value starting at byte `base` of its buffer) with every token of
/// `found` replaced by `{"$nonfinite":"<token>"}`.
pub fn with_sentinels(text: &str, base: usize, found: &[NonFinite]) -> String {
    let mut out = String::with_capacity(text.len() + found.len() * 24);
    let mut at = 0;
    for nf in found {
        // A token that does not stand where it was found (outside this value, or not on
        // a character boundary) is left as it is: the JSON parser then reports the record
        // with its position instead of this function panicking (found by the fuzzer).
        let Some(start) = nf.offset.checked_sub(base) else {
            continue;
        };
        let end = start + nf.token.len();
        match (text.get(at..start), text.get(start..end)) {
            (Some(before), Some(token)) if token == nf.token => {
                out.push_str(before);
                out.push_str(&format!("{{\"{SENTINEL_KEY}\":\"{}\"}}", nf.token));
                at = end;
            }
            _ => continue,
        }
    }
    out.push_str(&text[at..]);
    out
}

/// JSON text with each sentinel object shown as the Python token it stands for (for
/// showing a raw value to people).
pub fn show_tokens(text: &str) -> String {
    let mut out = text.to_string();
    for token in ["NaN", "Infinity", "-Infinity"] {
        out = out.replace(&format!("{{\"{SENTINEL_KEY}\":\"{token}\"}}"), token);
    }
    out
}

/// The value of a non-finite token.
pub fn token_value(token: &str) -> Option<f64> {
    match token {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A display-only float: a number, `null` (→ `None`), or a non-finite sentinel (→ NaN or
/// ±infinity, which the UI shows as such and nothing writes).
pub fn de_display_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<f64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v as f64))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let entry: Option<(String, String)> = map.next_entry()?;
            match entry {
                Some((k, token)) if k == SENTINEL_KEY => token_value(&token)
                    .map(Some)
                    .ok_or_else(|| de::Error::custom("unknown non-finite token")),
                _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
            }
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tokens_with_paths() {
        let text = br#"{"a": [1, NaN, {"b": -Infinity}], "c": Infinity, "d": "NaN"} tail"#;
        let (end, found) = scan(text, 0).unwrap();
        assert_eq!(&text[end..], b" tail");
        let got: Vec<(&str, &str)> = found.iter().map(|f| (f.token, f.path.as_str())).collect();
        assert_eq!(
            got,
            [("NaN", "a[1]"), ("-Infinity", "a[2].b"), ("Infinity", "c")]
        );
        assert_eq!(found[1].top_key(), "a");
        let s = std::str::from_utf8(&text[..end]).unwrap();
        let rewritten = with_sentinels(s, 0, &found);
        let v: serde_json::Value = serde_json::from_str(&rewritten).unwrap();
        assert_eq!(v["a"][1][SENTINEL_KEY], "NaN");
        assert_eq!(v["d"], "NaN", "a string stays a string");
    }

    #[test]
    fn plain_json_and_errors() {
        let (end, found) = scan(br#"  [1.5e3, -2, "x\"y", true, null, {}]"#, 0).unwrap();
        assert_eq!(end, 37);
        assert!(found.is_empty());
        assert_eq!(scan(b"[1,", 0).unwrap_err().offset, 3);
        assert!(scan(b"[Nan]", 0).is_err(), "only Python's spelling");
        assert!(scan(b"[-Inf]", 0).is_err());
        let deep = "[".repeat(200);
        assert_eq!(
            scan(deep.as_bytes(), 0).unwrap_err().message,
            "recursion limit exceeded"
        );
    }

    #[test]
    fn display_floats() {
        #[derive(serde::Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "de_display_f64")]
            x: Option<f64>,
        }
        let x = |t: &str| serde_json::from_str::<S>(t).map(|s| s.x);
        assert_eq!(x(r#"{"x": 2}"#).unwrap(), Some(2.0));
        assert_eq!(x(r#"{"x": null}"#).unwrap(), None);
        assert!(
            x(r#"{"x": {"$nonfinite": "NaN"}}"#)
                .unwrap()
                .unwrap()
                .is_nan()
        );
        assert_eq!(
            x(r#"{"x": {"$nonfinite": "-Infinity"}}"#).unwrap(),
            Some(f64::NEG_INFINITY)
        );
        assert!(x(r#"{"x": {"y": 1}}"#).is_err());
        assert!(x(r#"{"x": "1"}"#).is_err());
    }
}
