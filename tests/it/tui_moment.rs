//! Headless TUI: a question whose words only a transcript holds finds the conversation;
//! the hit shows the answering line with its time, the preview under the table the
//! chunk's range and lines; Enter opens the conversation with the transcript expanded,
//! scrolled to that moment, the answering segment marked (`▶`, its chunk `┊`). Snapshots
//! at 120×40 and 80×24.

use crate::support;

use crossterm::event::KeyCode;
use memlens::tui::state::Focus;
use support::tui::{Harness, UID, harness_on};

use crate::moment::moment_fixture;

const QUESTION: &str = "when is the caterer deposit due";

/// Search for the question at `size` and select the wedding call's hit.
async fn searched(size: (u16, u16)) -> Harness {
    let mut h = harness_on(&moment_fixture(), true, Some(UID), Vec::new()).await;
    h.app.state.size = size;
    h.key(KeyCode::Char('s'));
    h.type_text(QUESTION);
    h.key(KeyCode::Enter);
    h.settle().await;
    let pane = &h.app.state.search;
    let at = pane
        .results
        .as_ref()
        .unwrap()
        .hits
        .iter()
        .position(|x| x.memory_id == "caterer-call")
        .expect("the call is found");
    for _ in 0..at {
        h.key(KeyCode::Char('j'));
    }
    assert_eq!(h.app.state.search.selected, at);
    h
}

fn redacted(h: &Harness, screen: String) -> String {
    let dir = h.dir.path().display().to_string();
    let mut screen = screen.replace(&dir, "[tmp]");
    if let Some(at) = h.app.state.lookup.checked_at {
        let when = chrono::DateTime::from_timestamp(at, 0).unwrap();
        screen = screen.replace(&when.format("%Y-%m-%d %H:%M UTC").to_string(), "[time]");
    }
    screen
        .lines()
        .map(|l| {
            let cut = [" · semantic ", " (indexed in ", " (index reused in "]
                .iter()
                .filter_map(|m| l.find(m))
                .min();
            match cut {
                Some(i) => format!("{}[timings]", &l[..i]),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn moment_lands(size: (u16, u16), name: &str) {
    let mut h = searched(size).await;
    let m = h
        .app
        .state
        .search
        .selected_moment()
        .cloned()
        .expect("a moment");
    assert_eq!((m.chunk_index, m.segment), (Some(1), 10));
    let screen = h.screen_at(size.0, size.1);
    assert!(screen.contains("[00:12:19–00:13:09]"), "{screen}");
    assert!(screen.contains("00:12:45"), "{screen}");
    insta::assert_snapshot!(format!("{name}_hit"), redacted(&h, screen));

    h.key(KeyCode::Enter);
    let state = &h.app.state;
    assert_eq!(state.focus, Focus::Details);
    assert!(state.transcript_expanded);
    assert_eq!(state.selected().unwrap().1.id, "caterer-call");
    assert!(state.details_scroll > 0, "scrolled to the moment");
    let screen = h.screen_at(size.0, size.1);
    let marked = screen
        .lines()
        .find(|l| l.contains("▶ "))
        .unwrap_or_else(|| panic!("the answering segment is marked:\n{screen}"));
    assert!(marked.contains("765.0s"), "{marked}");
    // The heading (scrolled above) names the moment.
    let all = memlens::tui::view::details_lines(state, 200)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        all.contains("the moment found: [00:12:19–00:13:09] chunk c1"),
        "{all}"
    );
    insta::assert_snapshot!(format!("{name}_details"), redacted(&h, screen));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_lands_on_the_moment_120x40() {
    moment_lands((120, 40), "moment_120x40").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_lands_on_the_moment_80x24() {
    moment_lands((80, 24), "moment_80x24").await;
}
