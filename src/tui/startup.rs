//! Building the TUI's set-up and backends from the settings. A backend that cannot be
//! opened leaves the app usable (browsing works) and says why.

use crate::config::Settings;
use crate::sync::lock::{DataDirLock, Role};
use crate::tui::app::Services;
use crate::tui::state::Setup;

/// Take the data dir's writer lock for the session ([`DataDirLock`]). When another
/// process holds it (or it cannot be taken), the session is read-only for writes: no
/// reprocess, no orphan delete, no auto-indexing; the header says READ-ONLY, a warning
/// names the holder's pid, and the reason is returned for every refused write to say.
/// `(None, None)` in read-only mode (nothing to guard).
pub fn take_writer_lock(
    settings: &Settings,
    setup: &mut Setup,
    warnings: &mut Vec<String>,
) -> (Option<DataDirLock>, Option<String>) {
    if settings.read_only {
        return (None, None);
    }
    match DataDirLock::acquire(&settings.data_dir, Role::Tui) {
        Ok(lock) => (Some(lock), None),
        Err(e) => {
            setup.read_only = true;
            setup.auto_index = false;
            warnings.push(format!("read-only for writes: {e}"));
            (None, Some(e.to_string()))
        }
    }
}

/// The header facts, the backends, and warnings to show.
pub async fn build(settings: &Settings) -> (Setup, Services, Vec<String>) {
    let mut warnings = settings.warnings.clone();
    let mut services = Services::default();
    let mut setup = Setup {
        uid: settings.uid.clone(),
        uid_source: settings
            .table
            .get("uid")
            .map(|r| r.source.to_string())
            .unwrap_or_default(),
        namespace: settings.namespace.clone(),
        store_target: "no store".into(),
        store_is_remote: false,
        embedder_label: "no embedder".into(),
        embedder_model: "-".into(),
        embedder_dimension: 0,
        read_only: settings.read_only,
        data_dir: settings.data_dir.clone(),
        created_at_policy: settings.created_at_policy,
        auto_index: settings.embedder == crate::config::EmbedderChoice::MiniLm
            && settings.store == crate::config::StoreChoice::Local
            && !settings.read_only,
    };
    match crate::embed::from_settings(settings) {
        Ok(e) => {
            setup.embedder_label = e.label();
            setup.embedder_model = e.model_id().to_string();
            setup.embedder_dimension = e.dimension();
            services.embedder = Some(e);
        }
        Err(e) => warnings.push(format!("embedder unavailable: {e}")),
    }
    match crate::store::open_from_settings(settings).await {
        Ok(s) => {
            setup.store_target = s.target();
            setup.store_is_remote = s.is_remote();
            services.store = Some(s);
        }
        Err(e) => warnings.push(format!("vector store unavailable: {e}")),
    }
    (setup, services, warnings)
}
