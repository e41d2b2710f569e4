//! Turning texts into requests, as LangChain did for Omi: count `cl100k_base` tokens,
//! split a text over the per-input limit into token chunks, pack pieces into requests by
//! count and by tokens, and fold chunk vectors back into one (token-weighted mean,
//! L2-normalised).

use tiktoken_rs::CoreBPE;

/// The `cl100k_base` tokenizer (data ships inside `tiktoken-rs`; loaded once).
pub(crate) fn bpe() -> &'static CoreBPE {
    tiktoken_rs::cl100k_base_singleton()
}

/// Token ids of `text`. Special-token text such as `<|endoftext|>` counts as plain text.
pub(crate) fn tokens(text: &str) -> Vec<u32> {
    bpe().encode_ordinary(text)
}

/// Text of a token chunk. A chunk cut inside a multi-byte character keeps a U+FFFD.
pub(crate) fn decode(tokens: &[u32]) -> String {
    match bpe().decode_bytes(tokens) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    }
}

/// What one input of a request carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    /// The whole text of its owner, sent as a string.
    Whole,
    /// One chunk of a long text, as token ids (or decoded text if the server refuses ids).
    Chunk(Vec<u32>),
}

/// One input of one request, and whose vector it feeds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    /// Index of the caller's text.
    pub owner: usize,
    /// Token count (the weight in the mean).
    pub tokens: usize,
    pub content: Content,
}

/// Split every text into pieces: whole when it fits `max_input_tokens`, else chunks of
/// `max_input_tokens` token ids. Returns pieces and each text's total token count.
pub(crate) fn pieces(texts: &[&str], max_input_tokens: usize) -> (Vec<Piece>, Vec<usize>) {
    let max = max_input_tokens.max(1);
    let mut out = Vec::with_capacity(texts.len());
    let mut totals = Vec::with_capacity(texts.len());
    for (owner, text) in texts.iter().enumerate() {
        let ids = tokens(text);
        totals.push(ids.len());
        if ids.len() <= max {
            out.push(Piece {
                owner,
                tokens: ids.len(),
                content: Content::Whole,
            });
        } else {
            for chunk in ids.chunks(max) {
                out.push(Piece {
                    owner,
                    tokens: chunk.len(),
                    content: Content::Chunk(chunk.to_vec()),
                });
            }
        }
    }
    (out, totals)
}

/// Pack pieces (kept in order) into requests of at most `max_inputs` inputs and
/// `max_tokens` tokens, whole texts and token chunks in separate requests (a request's
/// `input` is either strings or token arrays). Returns indices into `pieces`.
pub(crate) fn batches(pieces: &[Piece], max_inputs: usize, max_tokens: usize) -> Vec<Vec<usize>> {
    let max_inputs = max_inputs.max(1);
    let mut out = Vec::new();
    for want_chunks in [false, true] {
        let mut current: Vec<usize> = Vec::new();
        let mut current_tokens = 0usize;
        for (i, p) in pieces.iter().enumerate() {
            if matches!(p.content, Content::Chunk(_)) != want_chunks {
                continue;
            }
            // Count at least one token per input: empty strings still cost a slot.
            let cost = p.tokens.max(1);
            if !current.is_empty()
                && (current.len() >= max_inputs || current_tokens + cost > max_tokens)
            {
                out.push(std::mem::take(&mut current));
                current_tokens = 0;
            }
            current.push(i);
            current_tokens += cost;
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// Fold the vectors of one text's pieces: a single piece is kept as is; several are
/// averaged weighted by token count and L2-normalised (LangChain's
/// `_get_len_safe_embeddings`). `None` if the mean is zero or not finite.
pub(crate) fn weighted_mean(parts: &[(&[f32], usize)]) -> Option<Vec<f32>> {
    match parts {
        [] => None,
        [(v, _)] => Some(v.to_vec()),
        _ => {
            let dim = parts[0].0.len();
            let total: f64 = parts.iter().map(|(_, w)| *w as f64).sum();
            if total <= 0.0 {
                return None;
            }
            let mut acc = vec![0f64; dim];
            for (v, w) in parts {
                for (a, x) in acc.iter_mut().zip(v.iter()) {
                    *a += f64::from(*x) * (*w as f64);
                }
            }
            let norm = acc.iter().map(|a| (a / total).powi(2)).sum::<f64>().sqrt();
            if !(norm.is_finite() && norm > 0.0) {
                return None;
            }
            Some(acc.iter().map(|a| (a / total / norm) as f32).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_stay_whole_long_ones_are_chunked() {
        let long = "memory ".repeat(50);
        let (p, totals) = pieces(&["hello world", &long], 16);
        assert_eq!(totals[0], 2);
        assert_eq!(p[0].content, Content::Whole);
        let chunks: Vec<_> = p.iter().filter(|p| p.owner == 1).collect();
        assert_eq!(chunks.iter().map(|c| c.tokens).sum::<usize>(), totals[1]);
        assert!(chunks.iter().all(|c| c.tokens <= 16));
        assert!(chunks.len() >= 2);
        let joined: Vec<u32> = chunks
            .iter()
            .flat_map(|c| match &c.content {
                Content::Chunk(ids) => ids.clone(),
                Content::Whole => vec![],
            })
            .collect();
        assert_eq!(joined, tokens(&long));
    }

    #[test]
    fn batches_respect_count_tokens_and_kind() {
        let mk = |tokens, chunk| Piece {
            owner: 0,
            tokens,
            content: if chunk {
                Content::Chunk(vec![1; tokens])
            } else {
                Content::Whole
            },
        };
        let ps = vec![
            mk(10, false),
            mk(10, false),
            mk(10, true),
            mk(10, false),
            mk(25, false),
            mk(10, true),
        ];
        assert_eq!(
            batches(&ps, 2, 100),
            vec![vec![0, 1], vec![3, 4], vec![2, 5]]
        );
        assert_eq!(
            batches(&ps, 10, 30),
            vec![vec![0, 1, 3], vec![4], vec![2, 5]]
        );
        // A piece over the token budget still goes alone.
        assert_eq!(batches(&[mk(50, false)], 10, 30), vec![vec![0]]);
    }

    #[test]
    fn weighted_mean_is_normalised() {
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let m = weighted_mean(&[(&a, 3), (&b, 1)]).unwrap();
        let n = (9.0f32 + 1.0).sqrt();
        assert!((m[0] - 3.0 / n).abs() < 1e-6 && (m[1] - 1.0 / n).abs() < 1e-6);
        assert_eq!(weighted_mean(&[(&a, 5)]).unwrap(), a.to_vec());
        assert!(weighted_mean(&[(&a, 1), (&[-1.0, 0.0], 1)]).is_none());
    }

    #[test]
    fn decode_survives_split_characters() {
        let ids = tokens("é🧠x");
        for cut in 0..=ids.len() {
            let _ = decode(&ids[..cut]);
        }
        assert_eq!(decode(&ids), "é🧠x");
    }
}
