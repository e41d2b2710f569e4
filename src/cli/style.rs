//! How the CLI marks errors and warnings: red `error:` / yellow `warning:` when stderr is
//! a terminal and `NO_COLOR` is not set (<https://no-color.org>), plain text otherwise.

use std::io::IsTerminal;

/// True when stderr takes colour: a terminal, and `NO_COLOR` unset or empty.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn paint(color: bool, code: &str, label: &str, text: &str) -> String {
    if color {
        format!("\u{1b}[{code}m{label}:\u{1b}[0m {text}")
    } else {
        format!("{label}: {text}")
    }
}

/// `error: …`, red on a terminal.
pub fn error(text: &str) -> String {
    paint(stderr_color(), "1;31", "error", text)
}

/// `warning: …`, yellow on a terminal.
pub fn warning(text: &str) -> String {
    paint(stderr_color(), "33", "warning", text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_without_colour() {
        assert_eq!(super::paint(false, "31", "error", "x"), "error: x");
        assert_eq!(
            super::paint(true, "1;31", "error", "x"),
            "\u{1b}[1;31merror:\u{1b}[0m x"
        );
    }
}
