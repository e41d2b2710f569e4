//! Building the TUI's set-up and backends from the settings.

use crate::config::Settings;
use crate::tui::app::Services;
use crate::tui::state::Setup;

/// The header facts, the backends, and warnings to show.
pub async fn build(settings: &Settings) -> (Setup, Services, Vec<String>) {
    let warnings = settings.warnings.clone();
    let setup = Setup {
        uid: settings.uid.clone(),
        uid_source: settings
            .table
            .get("uid")
            .map(|r| r.source.to_string())
            .unwrap_or_default(),
        namespace: settings.namespace.clone(),
        store_target: "(store not connected)".into(),
        store_is_remote: false,
        embedder_label: "(embedder not connected)".into(),
        embedder_model: "-".into(),
        embedder_dimension: 0,
        read_only: settings.read_only,
        data_dir: settings.data_dir.clone(),
    };
    (setup, Services::default(), warnings)
}
