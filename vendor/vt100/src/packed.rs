//! Scrollback rows stored packed. A screen row is a cell of 32 bytes per
//! column; a line of history is mostly a few characters in default colours.
//! Packed, 10,000 lines of `seq` output take well under 1 MB instead of 24 MB.

/// One line of history: the cells up to the last one that is not blank, as
/// their length bytes, attribute runs and text, in one buffer.
///
/// `data`: `n` length bytes (one per cell, wide flags included), then `runs`
/// attribute runs of 11 bytes (first column as u16 LE, then the attributes),
/// then the cells' text, one after the other.
#[derive(Clone, Debug, Default)]
pub struct PackedRow {
    cols: u16,
    n: u16,
    runs: u16,
    wrapped: bool,
    data: Vec<u8>,
}

const RUN_BYTES: usize = 11;

impl PackedRow {
    /// Packs `row`, reusing this row's buffer (rows evicted from a full
    /// scrollback are packed again in place, without allocating).
    pub fn pack(&mut self, row: &crate::row::Row) {
        let cells = row.touched_cells();
        // Blank: no text, no wide flags, default colours. (Cell's `==`
        // compares text bytes too, which costs a call per cell.)
        let blank = crate::attrs::Attrs::default();
        let n = cells
            .iter()
            .rposition(|c| c.raw().0 != 0 || c.attrs() != &blank)
            .map_or(0, |i| i + 1);
        self.cols = u16::try_from(row.cells_slice().len()).unwrap_or(u16::MAX);
        self.n = u16::try_from(n).unwrap_or(u16::MAX);
        self.wrapped = row.wrapped();
        let data = &mut self.data;
        data.clear();
        // Rows of very different sizes follow each other rarely; do not keep
        // a large buffer for a short line.
        if data.capacity() > 4 * (n + 64) {
            *data = Vec::new();
        }
        let cells = &cells[..n];
        data.extend(cells.iter().map(|c| c.raw().0));
        let mut runs = 0u16;
        let mut prev = crate::attrs::Attrs::default();
        for (i, c) in cells.iter().enumerate() {
            let a = *c.attrs();
            if a != prev {
                // i < n <= u16::MAX
                data.extend(u16::try_from(i).unwrap_or(u16::MAX).to_le_bytes());
                write_attrs(data, &a);
                runs += 1;
                prev = a;
            }
        }
        self.runs = runs;
        for c in cells {
            data.extend(c.raw().1);
        }
    }

    /// The row as the screen keeps it, as wide as it was.
    pub fn unpack(&self) -> crate::row::Row {
        let mut row = crate::row::Row::new(self.cols);
        let n = usize::from(self.n);
        let runs_at = n;
        let text_at = n + usize::from(self.runs) * RUN_BYTES;
        let (Some(lens), Some(runs), Some(mut text)) = (
            self.data.get(..n),
            self.data.get(runs_at..text_at),
            self.data.get(text_at..),
        ) else {
            return row;
        };
        let mut runs = runs.chunks_exact(RUN_BYTES).peekable();
        let mut attrs = crate::attrs::Attrs::default();
        for (i, (cell, &len)) in
            row.cells_slice_mut().iter_mut().zip(lens).enumerate()
        {
            if let Some(run) = runs.peek() {
                if usize::from(u16::from_le_bytes([run[0], run[1]])) == i {
                    attrs = read_attrs(&run[2..]);
                    runs.next();
                }
            }
            let bytes = usize::from(len & 0b0001_1111).min(text.len());
            cell.set_raw(len, &text[..bytes], attrs);
            text = &text[bytes..];
        }
        row.wrap(self.wrapped);
        row
    }
}

fn write_color(data: &mut Vec<u8>, c: crate::Color) {
    data.extend(match c {
        crate::Color::Default => [0, 0, 0, 0],
        crate::Color::Idx(i) => [1, i, 0, 0],
        crate::Color::Rgb(r, g, b) => [2, r, g, b],
    });
}

fn read_color(b: &[u8]) -> crate::Color {
    match b {
        [1, i, ..] => crate::Color::Idx(*i),
        [2, r, g, b, ..] => crate::Color::Rgb(*r, *g, *b),
        _ => crate::Color::Default,
    }
}

fn write_attrs(data: &mut Vec<u8>, a: &crate::attrs::Attrs) {
    write_color(data, a.fgcolor);
    write_color(data, a.bgcolor);
    data.push(a.mode);
}

fn read_attrs(b: &[u8]) -> crate::attrs::Attrs {
    crate::attrs::Attrs {
        fgcolor: read_color(b.get(0..4).unwrap_or_default()),
        bgcolor: read_color(b.get(4..8).unwrap_or_default()),
        mode: b.get(8).copied().unwrap_or(0),
    }
}
