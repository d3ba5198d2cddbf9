//! Column-aligned tables as Docker's CLI prints them (Go's `tabwriter` with a minimum cell
//! width of 20, padding 3): scripts that cut columns out of `docker compose` output keep
//! working on hoist's.

/// Renders `header` and `rows` with every column but the last padded to a common width.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    render_with(header, rows, 20, 3)
}

/// Like [`render`] with `tabwriter`'s minimum cell width and padding given (`top` uses 4
/// and 2).
pub fn render_with(
    header: &[&str],
    rows: &[Vec<String>],
    min_width: usize,
    padding: usize,
) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let widths: Vec<usize> = widths
        .iter()
        .map(|w| (w + padding).max(min_width))
        .collect();
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(columns) {
            line.push_str(cell);
            if i + 1 < columns {
                let pad = widths[i] - cell.chars().count();
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_padded_to_at_least_twenty() {
        let out = render(&["NAME", "REQUIRED"], &[vec!["TAG".into(), "false".into()]]);
        assert_eq!(
            out,
            format!(
                "NAME{}REQUIRED\nTAG{}false\n",
                " ".repeat(16),
                " ".repeat(17)
            )
        );
    }

    #[test]
    fn long_cells_widen_their_column_plus_padding() {
        let long = "X".repeat(25);
        let out = render(&["A", "B"], &[vec![long.clone(), "1".into()]]);
        assert_eq!(out.lines().nth(1), Some(format!("{long}   1").as_str()));
    }
}
