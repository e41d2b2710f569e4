//! Words for counts, shared by the CLI and the TUI: "1 orphan", "2 orphans".

/// `n` and the noun in the right number: `count(1, "orphan", "orphans")` is `"1 orphan"`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Plural by adding `s`: `counted(2, "vector")` is `"2 vectors"`.
pub fn counted(n: usize, noun: &str) -> String {
    count(n, noun, &format!("{noun}s"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_and_many() {
        assert_eq!(super::counted(1, "orphan"), "1 orphan");
        assert_eq!(super::counted(0, "orphan"), "0 orphans");
        assert_eq!(super::count(2, "memory", "memories"), "2 memories");
    }
}
