//! The built-in semantic embedder: a static token table distilled from
//! sentence-transformers `all-MiniLM-L6-v2` (Apache-2.0), shipped inside the binary.
//!
//! No network, no download and no model runtime: a text's embedding is the mean of the
//! table rows of its WordPiece tokens, L2-normalised. The table was made once by
//! `scripts/distill_static.py` (per-token features of the model, mapped to 128
//! dimensions by a linear map fitted so that mean-pooled rows approximate the model's
//! sentence embeddings on dictionary and WordNet text, digit and punctuation rows damped
//! to a quarter, int8 with one f32 scale per row); see `assets/MODEL_CARD.md`.
//!
//! Table format (little-endian): magic `MLST`, u32 version (1), u32 rows, u32 dims,
//! `rows` f32 scales, then `rows * dims` i8 values, row-major, row = token id.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;

use super::wordpiece::WordPiece;
use super::{EmbedError, Embedder};

/// Model id recorded with vectors made by the built-in embedder.
pub const MODEL_ID: &str = "memlens-minilm-static-128";

/// Output dimension of the built-in embedder.
pub const DIMENSION: usize = 128;

// Functions, not consts: see `embed::minilm`'s `weights()` for why (crate metadata size).
#[inline(never)]
fn table_bytes() -> &'static [u8] {
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/minilm-static-128.bin"
    ))
}
#[inline(never)]
fn vocab_text() -> &'static str {
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/minilm-vocab.txt"
    ))
}

const MAGIC: &[u8; 4] = b"MLST";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 16;

/// The static table plus its tokenizer, parsed once.
#[derive(Debug)]
struct Model {
    tokenizer: WordPiece,
    /// Per-row dequantisation scale.
    scales: Vec<f32>,
    /// `rows * dims` int8 values (stored as bytes), row-major.
    values: Cow<'static, [u8]>,
    dims: usize,
    /// Token ids left out of the mean (`[PAD]`, `[CLS]`, `[SEP]`, `[MASK]`, `[UNK]`).
    skipped: Vec<u32>,
}

/// The offline default embedder (128 dimensions, microseconds per text).
///
/// Cloning is cheap: clones share one parsed table.
#[derive(Debug, Clone)]
pub struct BuiltinEmbedder {
    model: Arc<Model>,
}

impl BuiltinEmbedder {
    /// The embedder over the table and vocabulary compiled into memlens.
    ///
    /// The assets are parsed on first use and shared by every instance; fails only if
    /// the compiled-in table is corrupt.
    pub fn new() -> Result<Self, EmbedError> {
        static SHARED: OnceLock<Result<Arc<Model>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                Model::parse(Cow::Borrowed(table_bytes()), vocab_text())
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map(|model| Self { model })
            .map_err(EmbedError::Local)
    }

    /// An embedder over another table and vocabulary in the same formats (for tests and
    /// experiments). Validates the header, the sizes and the scales.
    pub fn from_assets(table: Vec<u8>, vocab: &str) -> Result<Self, EmbedError> {
        let model = Model::parse(Cow::Owned(table), vocab)?;
        Ok(Self {
            model: Arc::new(model),
        })
    }

    /// The tokenizer this embedder uses.
    pub fn tokenizer(&self) -> &WordPiece {
        &self.model.tokenizer
    }

    /// Embed one text: the L2-normalised mean of its token rows.
    ///
    /// Special tokens are left out, and so is `[UNK]` unless the text has no other
    /// token, in which case the `[UNK]` row stands for it (a documented fallback, so a
    /// text of unknown symbols still gets a usable vector). A text without any token
    /// (empty, blank or only control characters) is an error.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let model = &*self.model;
        let mut sum = vec![0.0f32; model.dims];
        let mut used = 0usize;
        let mut unknown = 0usize;
        model.tokenizer.for_each_id(text, |id| {
            if model.skipped.contains(&id) {
                unknown += usize::from(id == model.tokenizer.unk_id());
                return;
            }
            model.add_row(id, &mut sum);
            used += 1;
        });
        if used == 0 {
            if unknown == 0 {
                return Err(EmbedError::Local(
                    "cannot embed an empty text: it has no words after tokenisation".into(),
                ));
            }
            model.add_row(model.tokenizer.unk_id(), &mut sum);
        }
        // The mean's scale disappears in the normalisation, so normalise the sum.
        let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !norm.is_finite() || norm <= f32::EPSILON {
            return Err(EmbedError::Local(format!(
                "the built-in embedder produced a degenerate vector for a text of {} tokens",
                used.max(unknown)
            )));
        }
        sum.iter_mut().for_each(|v| *v /= norm);
        Ok(sum)
    }
}

impl Model {
    fn parse(table: Cow<'static, [u8]>, vocab: &str) -> Result<Self, EmbedError> {
        let tokenizer = WordPiece::from_vocab(vocab)?;
        let header = table
            .get(..HEADER_LEN)
            .ok_or_else(|| corrupt(format!("{} bytes is too short for a header", table.len())))?;
        if &header[..4] != MAGIC {
            return Err(corrupt("it does not start with the MLST magic".into()));
        }
        let field =
            |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let (version, rows, dims) = (field(4), field(8) as usize, field(12) as usize);
        if version != VERSION {
            return Err(corrupt(format!(
                "version {version} is not the supported version {VERSION}"
            )));
        }
        if dims == 0 || rows != tokenizer.vocab_size() {
            return Err(corrupt(format!(
                "it has {rows} rows of {dims} values, the vocabulary has {} tokens",
                tokenizer.vocab_size()
            )));
        }
        let expected = rows
            .checked_mul(dims)
            .and_then(|v| v.checked_add(rows.checked_mul(4)?))
            .and_then(|v| v.checked_add(HEADER_LEN))
            .ok_or_else(|| corrupt("its sizes overflow".into()))?;
        if table.len() != expected {
            return Err(corrupt(format!(
                "it is {} bytes, expected {expected}",
                table.len()
            )));
        }
        let scale_end = HEADER_LEN + 4 * rows;
        let scales: Vec<f32> = table[HEADER_LEN..scale_end]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if let Some(row) = scales.iter().position(|s| !s.is_finite() || *s <= 0.0) {
            return Err(corrupt(format!("row {row} has an invalid scale")));
        }
        let values = match table {
            Cow::Borrowed(bytes) => Cow::Borrowed(&bytes[scale_end..]),
            Cow::Owned(mut bytes) => {
                bytes.drain(..scale_end);
                Cow::Owned(bytes)
            }
        };
        let skipped = tokenizer.special_ids().collect();
        Ok(Self {
            tokenizer,
            scales,
            values,
            dims,
            skipped,
        })
    }

    /// Add the dequantised row of `id` to `sum`. Ids come from the tokenizer over the
    /// same vocabulary, so they are always in range; an out-of-range id adds nothing.
    fn add_row(&self, id: u32, sum: &mut [f32]) {
        let row = id as usize;
        let (Some(&scale), Some(values)) = (
            self.scales.get(row),
            self.values.get(row * self.dims..(row + 1) * self.dims),
        ) else {
            return;
        };
        for (acc, &q) in sum.iter_mut().zip(values) {
            *acc += scale * f32::from(q as i8);
        }
    }
}

fn corrupt(why: String) -> EmbedError {
    EmbedError::Local(format!("the built-in embedding table is corrupt: {why}"))
}

#[async_trait]
impl Embedder for BuiltinEmbedder {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dimension(&self) -> usize {
        self.model.dims
    }

    fn label(&self) -> String {
        format!(
            "built-in static MiniLM-L6-v2 distillation ({} d, offline)",
            self.model.dims
        )
    }

    fn count_tokens(&self, text: &str) -> usize {
        self.model.tokenizer.count(text)
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                self.embed_one(text).map_err(|e| match e {
                    EmbedError::Local(msg) => EmbedError::Local(format!("text {}: {msg}", i + 1)),
                    other => other,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ncat\ndog\n";

    fn table(rows: u32, dims: u32, scales: &[f32], values: &[i8]) -> Vec<u8> {
        let mut t = MAGIC.to_vec();
        for v in [VERSION, rows, dims] {
            t.extend_from_slice(&v.to_le_bytes());
        }
        scales
            .iter()
            .for_each(|s| t.extend_from_slice(&s.to_le_bytes()));
        t.extend(values.iter().map(|&v| v as u8));
        t
    }

    fn small() -> BuiltinEmbedder {
        let values = [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 4];
        BuiltinEmbedder::from_assets(table(7, 2, &[1.0; 7], &values), VOCAB).unwrap()
    }

    #[test]
    fn mean_of_rows_is_normalised() {
        let v = small().embed_one("cat dog").unwrap();
        let expected = [3.0 / 5.0, 4.0 / 5.0];
        assert!(
            v.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-6),
            "{v:?}"
        );
    }

    #[test]
    fn unknown_only_text_uses_the_unk_row_and_empty_text_fails() {
        let e = small();
        let v = e.embed_one("zebra").unwrap();
        assert!(
            (v[0] - 0.0).abs() < 1e-6 && (v[1] - 1.0).abs() < 1e-6,
            "{v:?}"
        );
        assert!(e.embed_one("cat zebra").unwrap()[0] > 0.99);
        let err = e.embed_one(" \n ").unwrap_err().to_string();
        assert!(err.contains("empty text"), "{err}");
    }

    #[test]
    fn corrupt_tables_are_refused() {
        let good = table(7, 2, &[1.0; 7], &[0; 14]);
        assert!(BuiltinEmbedder::from_assets(good.clone(), VOCAB).is_ok());
        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        let cases = [
            Vec::new(),
            bad_magic,
            good[..good.len() - 1].to_vec(),
            table(6, 2, &[1.0; 6], &[0; 12]),
            table(7, 2, &[1.0, 1.0, f32::NAN, 1.0, 1.0, 1.0, 1.0], &[0; 14]),
        ];
        for case in cases {
            let err = BuiltinEmbedder::from_assets(case, VOCAB).unwrap_err();
            assert!(err.to_string().contains("corrupt"), "{err}");
        }
    }

    #[test]
    fn compiled_in_assets_load() {
        let e = BuiltinEmbedder::new().unwrap();
        assert_eq!(e.dimension(), DIMENSION);
        assert_eq!(e.model_id(), MODEL_ID);
        assert_eq!(e.tokenizer().vocab_size(), 30522);
    }
}
