//! The lesson's images: found inside the workshop only (as `check` finds
//! them), decoded on a thread of their own, made ready to draw for the size
//! the lesson gives them. Drawing reads what is ready here.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ratatui::layout::Size;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;
use ratatui_image::Resize;

use crate::runtime::Event;
use crate::workshop::Workshop;

/// Bigger files are not images a lesson needs; they stay text.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

type Decoded = Arc<Mutex<HashMap<PathBuf, Result<image::DynamicImage, String>>>>;

pub struct Images {
    pub picker: Picker,
    decoded: Decoded,
    asked: HashSet<PathBuf>,
    /// The current page's images that are ready, by URL: natural size in cells.
    pub sizes: HashMap<String, (u16, u16)>,
    paths: HashMap<String, PathBuf>,
    /// Ready to draw, by URL and size in cells.
    pub drawn: HashMap<(String, u16, u16), Protocol>,
}

impl Default for Images {
    fn default() -> Self {
        Images {
            picker: Picker::halfblocks(),
            decoded: Arc::default(),
            asked: HashSet::new(),
            sizes: HashMap::new(),
            paths: HashMap::new(),
            drawn: HashMap::new(),
        }
    }
}

impl Images {
    /// The images of the page at `page_path`: decode those not asked for yet
    /// (on a thread; `done` is told when one is ready) and list those ready.
    /// Returns whether what is ready changed.
    pub fn want(
        &mut self,
        ws: &Workshop,
        page_path: &Path,
        urls: &[String],
        done: &tokio::sync::mpsc::UnboundedSender<Event>,
    ) -> bool {
        let mut sizes = HashMap::new();
        let font = self.picker.font_size();
        for url in urls {
            if url.contains("://") || url.starts_with("data:") {
                continue;
            }
            // Inside the workshop only: the same places `check` looks.
            let Some(path) = crate::check::image_path(ws, page_path, url) else {
                continue;
            };
            if self.asked.insert(path.clone()) {
                let decoded = self.decoded.clone();
                let tx = done.clone();
                let p = path.clone();
                let _ = std::thread::Builder::new()
                    .name("image".into())
                    .spawn(move || {
                        let img = decode(&p);
                        if let Ok(mut d) = decoded.lock() {
                            d.insert(p, img);
                        }
                        let _ = tx.send(Event::Redraw);
                    });
            }
            if let Ok(d) = self.decoded.lock() {
                if let Some(Ok(img)) = d.get(&path) {
                    let cells = |px: u32, per: u16| px.div_ceil(u32::from(per.max(1))).max(1);
                    let w = cells(img.width(), font.width).min(u32::from(u16::MAX)) as u16;
                    let h = cells(img.height(), font.height).min(u32::from(u16::MAX)) as u16;
                    sizes.insert(url.clone(), (w, h));
                    self.paths.insert(url.clone(), path);
                }
            }
        }
        let changed = sizes != self.sizes;
        self.sizes = sizes;
        changed
    }

    /// Make image `url` ready to draw in `cols` x `rows` cells.
    pub fn prepare(&mut self, url: &str, cols: u16, rows: u16) {
        let key = (url.to_string(), cols, rows);
        if self.drawn.contains_key(&key) {
            return;
        }
        let Some(path) = self.paths.get(url) else {
            return;
        };
        let img = match self.decoded.lock() {
            Ok(d) => match d.get(path) {
                Some(Ok(img)) => img.clone(),
                _ => return,
            },
            Err(_) => return,
        };
        if let Ok(p) = self
            .picker
            .new_protocol(img, Size::new(cols, rows), Resize::Fit(None))
        {
            // Only the sizes of the page shown are kept.
            if self.drawn.len() > 32 {
                self.drawn.clear();
            }
            self.drawn.insert(key, p);
        }
    }
}

fn decode(path: &Path) -> Result<image::DynamicImage, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_BYTES {
        return Err(format!("{} is larger than 16 MB", path.display()));
    }
    image::ImageReader::open(path)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())
}

/// Whether the terminal can be asked about graphics (kitty, sixel, iTerm2):
/// only those known to answer are asked; the others get half blocks.
pub fn terminal_has_graphics() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if std::env::var_os("TMUX").is_some() {
        return false;
    }
    let term = var("TERM");
    matches!(
        var("TERM_PROGRAM").as_str(),
        "WezTerm" | "iTerm.app" | "ghostty" | "rio"
    ) || term.contains("kitty")
        || term.contains("foot")
        || term.contains("mlterm")
        || term.contains("contour")
}
