//! What a job has in flight, for progress shown before the first answer
//! ("embedding batch 1/2, 256 texts, 4.1 s…").

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

/// The step a batch is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Texts sent to the embedder (and existing records read).
    Embedding,
    /// A failed batch split to find the items at fault.
    Isolating,
    /// Records sent to the store.
    Upserting,
    /// Records read back and compared.
    Verifying,
}

/// One batch in flight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InFlight {
    /// 1-based number of the batch in its pass.
    pub batch: usize,
    /// Batches in this pass (the main pass or a retry round).
    pub batches: usize,
    pub stage: Stage,
    /// Texts or records the stage handles.
    pub items: usize,
    /// Time in this stage so far, in ms.
    pub elapsed_ms: u64,
}

impl InFlight {
    /// `embedding batch 1/2, 256 texts, 4.1 s…`.
    pub fn describe(&self) -> String {
        let (verb, noun) = match self.stage {
            Stage::Embedding => ("embedding", "texts"),
            Stage::Isolating => ("isolating failures in", "items"),
            Stage::Upserting => ("upserting", "records"),
            Stage::Verifying => ("verifying", "records"),
        };
        format!(
            "{verb} batch {}/{}, {} {noun}, {:.1} s…",
            self.batch,
            self.batches,
            self.items,
            self.elapsed_ms as f64 / 1000.0
        )
    }
}

/// The batches in flight, written by the batches, read by the progress ticker.
#[derive(Debug, Default)]
pub(crate) struct Board(Mutex<BTreeMap<usize, (usize, Stage, usize, Instant)>>);

impl Board {
    /// Batch `batch` of `batches` enters `stage` with `items` items.
    pub(crate) fn set(&self, batch: usize, batches: usize, stage: Stage, items: usize) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(batch, (batches, stage, items, Instant::now()));
        }
    }

    /// Batch `batch` is finished.
    pub(crate) fn clear(&self, batch: usize) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&batch);
        }
    }

    /// Everything in flight now, by batch number.
    pub(crate) fn snapshot(&self) -> Vec<InFlight> {
        self.0
            .lock()
            .map(|m| {
                m.iter()
                    .map(|(&batch, &(batches, stage, items, since))| InFlight {
                        batch,
                        batches,
                        stage,
                        items,
                        elapsed_ms: since.elapsed().as_millis() as u64,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
